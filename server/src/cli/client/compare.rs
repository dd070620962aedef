//! The original's two-symbol profile comparison (reference §2.12) over profile rows as the API returns them:
//! per bin the mean lift, mean baseline, summed n and mean p̂; an inner join on bin; the Pearson correlation of
//! the lifts.

use engine::seasonality::{CompareRow, Comparison};
use model::seasonality::Bin;
use serde_json::Value;
use std::collections::BTreeMap;

/// The largest page the API serves.
pub const PAGE_SIZE: usize = 500;

#[derive(Default)]
struct Agg {
    lift: Vec<f64>,
    baseline: Vec<f64>,
    p_hat: Vec<f64>,
    n: u64,
}

fn mean(x: &[f64]) -> Option<f64> {
    (!x.is_empty()).then(|| x.iter().sum::<f64>() / x.len() as f64)
}

/// Pearson's correlation; None with fewer than two pairs or no variance.
pub fn pearson(a: &[f64], b: &[f64]) -> Option<f64> {
    if a.len() != b.len() || a.len() < 2 {
        return None;
    }
    let (ma, mb) = (mean(a)?, mean(b)?);
    let (mut sab, mut saa, mut sbb) = (0.0, 0.0, 0.0);
    for (x, y) in a.iter().zip(b) {
        sab += (x - ma) * (y - mb);
        saa += (x - ma) * (x - ma);
        sbb += (y - mb) * (y - mb);
    }
    let r = sab / (saa * sbb).sqrt();
    r.is_finite().then_some(r)
}

fn group(rows: &[Value], dim: &str) -> (String, BTreeMap<Bin, Agg>) {
    let mut label = String::new();
    let mut out: BTreeMap<Bin, Agg> = BTreeMap::new();
    for r in rows.iter().filter(|r| r["dim"] == dim) {
        let Ok(bin) = serde_json::from_value::<Bin>(r["bin"].clone()) else {
            continue;
        };
        if label.is_empty() {
            label = r["symbol"].as_str().unwrap_or_default().to_string();
        }
        let a = out.entry(bin).or_default();
        a.lift.extend(r["lift"].as_f64());
        a.baseline.extend(r["baseline"].as_f64());
        if r["measure"] == "direction" {
            a.p_hat.extend(r["score"].as_f64());
        }
        a.n += r["n"].as_u64().unwrap_or(0);
    }
    (label, out)
}

/// Compares two symbols' profile rows on `dim`: bins present in both, sorted, with the lift correlation.
pub fn compare_rows(a: &[Value], b: &[Value], dim: &str) -> Comparison {
    let (label_a, ga) = group(a, dim);
    let (label_b, gb) = group(b, dim);
    let mut rows = Vec::new();
    for (bin, x) in &ga {
        let Some(y) = gb.get(bin) else { continue };
        let (lift_a, lift_b) = (mean(&x.lift), mean(&y.lift));
        rows.push(CompareRow {
            bin: bin.clone(),
            lift_a,
            lift_b,
            baseline_a: mean(&x.baseline),
            baseline_b: mean(&y.baseline),
            n_a: x.n,
            n_b: y.n,
            p_hat_a: mean(&x.p_hat),
            p_hat_b: mean(&y.p_hat),
            lift_diff: lift_a.zip(lift_b).map(|(p, q)| p - q),
        });
    }
    let (la, lb): (Vec<f64>, Vec<f64>) = rows.iter().filter_map(|r| r.lift_a.zip(r.lift_b)).unzip();
    Comparison {
        label_a,
        label_b,
        correlation: pearson(&la, &lb),
        rows,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn row(symbol: &str, bin: i64, lift: f64) -> Value {
        json!({"symbol": symbol, "dim": "hour", "bin": bin, "measure": "direction", "score": 0.5 + lift,
               "n": 10, "baseline": 0.5, "lift": lift})
    }

    #[test]
    fn the_reference_example_gives_the_textbook_correlation() {
        // Reference §2.12: lifts A [0.10, 0.20, 0.05] vs B [0.08, 0.25, 0.00]. By hand: means 0.11667 and 0.11;
        // deviations A (-0.01667, 0.08333, -0.06667), B (-0.03, 0.14, -0.11); Σab = 0.019500, Σa² = 0.011667,
        // Σb² = 0.0326; r = 0.0195 / sqrt(0.011667 × 0.0326) = 0.99989.
        let a: Vec<Value> = [(0, 0.10), (1, 0.20), (2, 0.05)]
            .iter()
            .map(|&(b, l)| row("A", b, l))
            .collect();
        let b: Vec<Value> = [(0, 0.08), (1, 0.25), (2, 0.00), (7, 0.3)]
            .iter()
            .map(|&(b, l)| row("B", b, l))
            .collect();
        let c = compare_rows(&a, &b, "hour");
        assert_eq!(c.rows.len(), 3, "inner join on bin");
        assert!((c.correlation.unwrap() - 0.99989).abs() < 1e-5, "{:?}", c.correlation);
        assert_eq!((c.label_a.as_str(), c.label_b.as_str()), ("A", "B"));
        assert!((c.rows[1].lift_diff.unwrap() - (0.20 - 0.25)).abs() < 1e-12);
    }

    #[test]
    fn no_common_bin_gives_no_rows_and_no_correlation() {
        let c = compare_rows(&[row("A", 1, 0.1)], &[row("B", 2, 0.1)], "hour");
        assert!(c.rows.is_empty() && c.correlation.is_none());
    }
}
