//! Trial parameters and metrics as the dashboard reads them: `params_json` parsed into display values,
//! metric columns by name, and the distinct values of every parameter.

use model::runs::TrialRow;
use serde_json::Value;
use std::collections::BTreeMap;

/// A metric column of `row` by name (None for an unknown name or a null).
pub fn metric_value(row: &TrialRow, name: &str) -> Option<f64> {
    match name {
        "objective_value" => row.objective_value,
        "sharpe" => row.sharpe,
        "sortino" => row.sortino,
        "cagr" => row.cagr,
        "max_dd" => row.max_dd,
        "hit_rate" => row.hit_rate,
        "avg_r" => row.avg_r,
        "n_trades" => row.n_trades.map(|n| n as f64),
        _ => None,
    }
    .filter(|v| v.is_finite())
}

/// A parameter value as shown and filtered: integers without a decimal point, strings unquoted.
pub fn display_value(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Number(n) => match n.as_f64() {
            Some(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", f as i64),
            _ => n.to_string(),
        },
        other => other.to_string(),
    }
}

/// The parameters of a trial by name, as display values (empty for a missing or invalid `params_json`).
pub fn params_of(row: &TrialRow) -> BTreeMap<String, String> {
    row.params_json
        .as_deref()
        .and_then(|t| serde_json::from_str::<serde_json::Map<String, Value>>(t).ok())
        .map(|m| m.iter().map(|(k, v)| (k.clone(), display_value(v))).collect())
        .unwrap_or_default()
}

/// Sorts values numerically when all are numbers, else as text.
pub fn sort_values(values: &mut [String]) {
    let all_numeric = values.iter().all(|v| v.parse::<f64>().is_ok());
    if all_numeric {
        values.sort_by(|a, b| {
            let (x, y) = (a.parse::<f64>().unwrap_or(0.0), b.parse::<f64>().unwrap_or(0.0));
            x.total_cmp(&y)
        });
    } else {
        values.sort();
    }
}

/// Every parameter name (case-insensitive order) with its distinct values (sorted), over `rows`.
pub fn distinct_params<'a>(rows: impl IntoIterator<Item = &'a TrialRow>) -> Vec<(String, Vec<String>)> {
    let mut seen: BTreeMap<String, std::collections::BTreeSet<String>> = BTreeMap::new();
    for row in rows {
        for (k, v) in params_of(row) {
            seen.entry(k).or_default().insert(v);
        }
    }
    let mut out: Vec<(String, Vec<String>)> = seen
        .into_iter()
        .map(|(k, vs)| {
            let mut vs: Vec<String> = vs.into_iter().collect();
            sort_values(&mut vs);
            (k, vs)
        })
        .collect();
    out.sort_by_key(|(k, _)| k.to_ascii_lowercase());
    out
}

#[cfg(test)]
pub(crate) use tests::trial;

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn trial(n: i64, params: &str, objective: Option<f64>) -> TrialRow {
        TrialRow {
            trial_number: n,
            params_json: Some(params.into()),
            objective_value: objective,
            status: Some("COMPLETE".into()),
            n_trades: Some(10),
            max_dd: Some(0.1),
            sharpe: objective,
            sortino: None,
            cagr: None,
            hit_rate: None,
            avg_r: None,
        }
    }

    #[test]
    fn params_display_as_the_user_wrote_them_and_sort_numerically() {
        let rows = [
            trial(0, r#"{"ema_fast": 12, "R": 2.5, "symbol": "ES"}"#, Some(1.0)),
            trial(1, r#"{"ema_fast": 9, "R": 2.0, "symbol": "BTC"}"#, None),
            trial(2, "not json", None),
        ];
        assert_eq!(params_of(&rows[1])["R"], "2");
        assert!(params_of(&rows[2]).is_empty());
        let d = distinct_params(&rows);
        let names: Vec<&str> = d.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(names, ["ema_fast", "R", "symbol"]);
        assert_eq!(d[0].1, ["9", "12"], "numeric order, not text order");
        assert_eq!(d[1].1, ["2", "2.5"]);
        assert_eq!(d[2].1, ["BTC", "ES"]);
        assert_eq!(metric_value(&rows[0], "n_trades"), Some(10.0));
        assert_eq!(metric_value(&rows[1], "sharpe"), None);
        assert_eq!(metric_value(&rows[0], "bogus"), None);
    }
}
