//! Number and date formatting shared by tables and charts: sensible rounding, percentages, signed lifts.

use model::jobs::JobStatus;

/// Shown for a missing or non-finite value.
pub const MISSING: &str = "—";

/// A number rounded for reading: thousands grouped above 1000, fewer decimals as the magnitude grows,
/// scientific notation for tiny values.
pub fn num(v: f64) -> String {
    if !v.is_finite() {
        return MISSING.into();
    }
    let a = v.abs();
    if a == 0.0 {
        "0".into()
    } else if a >= 1000.0 {
        group(v.round() as i64)
    } else if a >= 100.0 {
        format!("{v:.1}")
    } else if a >= 1.0 {
        format!("{v:.2}")
    } else if a >= 0.001 {
        format!("{v:.3}")
    } else {
        format!("{v:.1e}")
    }
}

/// An integer with thousands separators (`12,345`).
pub fn group(v: i64) -> String {
    let digits = v.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    if v < 0 {
        format!("-{out}")
    } else {
        out
    }
}

/// A fraction as a percentage: one decimal (`0.1234` → `12.3%`), two below 1% (`0.0003` → `0.03%`).
pub fn pct(v: f64) -> String {
    if !v.is_finite() {
        MISSING.into()
    } else if v != 0.0 && (v * 100.0).abs() < 1.0 {
        format!("{:.2}%", v * 100.0)
    } else {
        format!("{:.1}%", v * 100.0)
    }
}

/// A difference of probabilities in percentage points, signed (`0.052` → `+5.2 pp`, `-0.0004` → `-0.04 pp`).
pub fn pp(v: f64) -> String {
    if !v.is_finite() {
        MISSING.into()
    } else if v != 0.0 && (v * 100.0).abs() < 1.0 {
        format!("{:+.2} pp", v * 100.0)
    } else {
        format!("{:+.1} pp", v * 100.0)
    }
}

/// A signed number with three decimals (`+0.052`, `-0.310`), for lifts around zero.
pub fn signed(v: f64) -> String {
    if v.is_finite() {
        format!("{v:+.3}")
    } else {
        MISSING.into()
    }
}

/// A p- or q-value: three decimals, scientific below 0.001.
pub fn pval(v: f64) -> String {
    if !v.is_finite() {
        MISSING.into()
    } else if v != 0.0 && v.abs() < 0.001 {
        format!("{v:.1e}")
    } else {
        format!("{v:.3}")
    }
}

/// Formats an optional value with `f`, or the missing mark.
pub fn opt(v: Option<f64>, f: fn(f64) -> String) -> String {
    v.map(f).unwrap_or_else(|| MISSING.into())
}

/// A metric by its name: fractions (drawdown, CAGR, hit rate, exposure) as percentages, counts as integers.
pub fn metric(name: &str, v: f64) -> String {
    let bare = name.rsplit('.').next().unwrap_or(name);
    match bare {
        "max_dd" | "max_drawdown" | "cagr" | "hit_rate" | "exposure" | "expectancy" => pct(v),
        "n_trades" | "trades" | "n_trials" => {
            if v.is_finite() {
                group(v.round() as i64)
            } else {
                MISSING.into()
            }
        }
        _ => num(v),
    }
}

/// Human label of a metric column.
pub fn metric_label(name: &str) -> String {
    match name {
        "trial_number" => "#".into(),
        "objective_value" => "Objective".into(),
        "n_trades" => "Trades".into(),
        "max_dd" | "max_drawdown" => "Max DD".into(),
        "sharpe" => "Sharpe".into(),
        "sortino" => "Sortino".into(),
        "cagr" => "CAGR".into(),
        "hit_rate" => "Hit rate".into(),
        "avg_r" | "avg_R" => "Avg R".into(),
        "deflated_sharpe" => "Deflated Sharpe".into(),
        "sqn" => "SQN".into(),
        other => {
            let text = other.replace('_', " ");
            let mut chars = text.chars();
            chars
                .next()
                .map(|c| c.to_uppercase().collect::<String>() + chars.as_str())
                .unwrap_or_default()
        }
    }
}

/// `YYYY-MM-DD` of UTC epoch milliseconds (proleptic Gregorian, no time-zone database needed).
pub fn ymd(ms: f64) -> String {
    if !ms.is_finite() {
        return MISSING.into();
    }
    let days = (ms / 86_400_000.0).floor() as i64;
    let (y, m, d) = civil_from_days(days);
    format!("{y:04}-{m:02}-{d:02}")
}

/// Howard Hinnant's days-to-civil conversion.
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

/// CSS class of a run status badge (`ok`, `run`, `bad`, `idle`) for any stored spelling of the status.
pub fn status_class(status: &str) -> &'static str {
    match JobStatus::from_label(status) {
        Some(JobStatus::Completed) => "badge ok",
        Some(JobStatus::Queued | JobStatus::Running) => "badge run",
        Some(JobStatus::Failed | JobStatus::Cancelled) => "badge bad",
        None => "badge idle",
    }
}

/// The error text of an API error body: `detail` as text, or FastAPI-style `[{loc, msg}]` joined.
pub fn detail_text(body: &str) -> String {
    let Ok(v) = serde_json::from_str::<serde_json::Value>(body) else {
        return body.trim().to_string();
    };
    match v.get("detail") {
        Some(serde_json::Value::String(s)) => s.clone(),
        Some(serde_json::Value::Array(items)) => items
            .iter()
            .map(|i| {
                let loc = i
                    .get("loc")
                    .and_then(|l| l.as_array())
                    .map(|l| {
                        l.iter()
                            .map(|p| p.to_string().trim_matches('"').to_string())
                            .collect::<Vec<_>>()
                            .join(".")
                    })
                    .unwrap_or_default();
                let msg = i.get("msg").and_then(|m| m.as_str()).unwrap_or("invalid");
                if loc.is_empty() {
                    msg.to_string()
                } else {
                    format!("{loc}: {msg}")
                }
            })
            .collect::<Vec<_>>()
            .join("; "),
        Some(other) => other.to_string(),
        None => body.trim().to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_bodies_become_one_line_naming_the_field() {
        assert_eq!(
            detail_text(r#"{"detail": "data.symbols: required"}"#),
            "data.symbols: required"
        );
        assert_eq!(
            detail_text(r#"{"detail": [{"loc": ["body", "data", "start"], "msg": "field required"}]}"#),
            "body.data.start: field required"
        );
        assert_eq!(detail_text("Internal Server Error"), "Internal Server Error");
    }

    #[test]
    fn numbers_round_by_magnitude() {
        assert_eq!(num(1234567.8), "1,234,568");
        assert_eq!(num(-2500.0), "-2,500");
        assert_eq!(num(123.456), "123.5");
        assert_eq!(num(1.23456), "1.23");
        assert_eq!(num(0.012345), "0.012");
        assert_eq!(num(0.0000123), "1.2e-5");
        assert_eq!(num(0.0), "0");
        assert_eq!(num(f64::NAN), MISSING);
    }

    #[test]
    fn fractions_and_lifts_read_as_percentages_and_signed() {
        assert_eq!(pct(0.1234), "12.3%");
        assert_eq!(pct(0.000316), "0.03%");
        assert_eq!(metric_label("profit_factor"), "Profit factor");
        assert_eq!(signed(0.05), "+0.050");
        assert_eq!(signed(-0.3104), "-0.310");
        assert_eq!(pval(0.00004), "4.0e-5");
        assert_eq!(pval(0.0213), "0.021");
        assert_eq!(metric("max_dd", 0.25), "25.0%");
        assert_eq!(metric("EURUSD.n_trades", 1234.0), "1,234");
        assert_eq!(metric("sharpe", 1.5), "1.50");
        assert_eq!(opt(None, num), MISSING);
    }

    #[test]
    fn dates_match_known_days() {
        assert_eq!(ymd(0.0), "1970-01-01");
        assert_eq!(ymd(1_704_067_200_000.0), "2024-01-01");
        assert_eq!(ymd(1_709_164_800_000.0), "2024-02-29");
        assert_eq!(ymd(-86_400_000.0), "1969-12-31");
    }

    #[test]
    fn statuses_of_every_run_kind_get_a_badge() {
        assert_eq!(status_class("FINISHED"), "badge ok");
        assert_eq!(status_class("completed"), "badge ok");
        assert_eq!(status_class("RUNNING"), "badge run");
        assert_eq!(status_class("failed"), "badge bad");
        assert_eq!(status_class("CANCELLED"), "badge bad");
        assert_eq!(status_class("done"), "badge idle");
    }
}
