//! Comparing profiles across symbols: the original's two-symbol compare (§2.12) and a lift-correlation matrix.

use super::estimators::pearson;
use model::seasonality::{Bin, Measure, ProfileRow};
pub use model::seasonality::{CompareRow, LiftCorrelation};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The comparison of two profile tables on one dim; `label_*` are each table's first symbol.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Comparison {
    pub label_a: String,
    pub label_b: String,
    pub rows: Vec<CompareRow>,
    /// Pearson correlation of the lifts over bins where both are known; None without two such bins.
    pub correlation: Option<f64>,
}

impl Comparison {
    /// Rows in the original's wide form: `bin`, `lift_<A>`, `baseline_<A>`, `n_<A>`, `p_hat_<A>`, the same for B,
    /// and `lift_diff`.
    pub fn wide_rows(&self) -> Vec<serde_json::Map<String, serde_json::Value>> {
        let (a, b) = (&self.label_a, &self.label_b);
        self.rows
            .iter()
            .map(|r| {
                let mut m = serde_json::Map::new();
                m.insert("bin".into(), serde_json::to_value(&r.bin).unwrap_or_default());
                for (label, lift, base, n, p) in [
                    (a, r.lift_a, r.baseline_a, r.n_a, r.p_hat_a),
                    (b, r.lift_b, r.baseline_b, r.n_b, r.p_hat_b),
                ] {
                    m.insert(format!("lift_{label}"), lift.into());
                    m.insert(format!("baseline_{label}"), base.into());
                    m.insert(format!("n_{label}"), n.into());
                    m.insert(format!("p_hat_{label}"), p.into());
                }
                m.insert("lift_diff".into(), r.lift_diff.into());
                m
            })
            .collect()
    }
}

#[derive(Default)]
struct Agg {
    lift: Vec<f64>,
    baseline: Vec<f64>,
    p_hat: Vec<f64>,
    n: u64,
}

fn mean_of(x: &[f64]) -> Option<f64> {
    super::estimators::mean(x)
}

/// Groups the sufficient rows of `dim` by bin (means of lift, baseline, p̂ ignoring nulls; summed n).
fn group(rows: &[ProfileRow], dim: &str) -> (String, BTreeMap<Bin, Agg>) {
    let mut label = String::new();
    let mut out: BTreeMap<Bin, Agg> = BTreeMap::new();
    for r in rows.iter().filter(|r| r.dim == dim && !r.insufficient) {
        if label.is_empty() {
            label = r.symbol.clone();
        }
        let a = out.entry(r.bin.clone()).or_default();
        a.lift.extend(r.lift);
        a.baseline.extend(r.baseline);
        a.p_hat.extend(r.score().filter(|_| r.measure() == Measure::Direction));
        a.n += r.n;
    }
    (label, out)
}

/// Compares two profile tables on `dim` (reference §2.12): inner join on bin, sorted by bin.
pub fn compare(a: &[ProfileRow], b: &[ProfileRow], dim: &str) -> Comparison {
    let (label_a, ga) = group(a, dim);
    let (label_b, gb) = group(b, dim);
    let mut rows = Vec::new();
    for (bin, x) in &ga {
        let Some(y) = gb.get(bin) else { continue };
        let (lift_a, lift_b) = (mean_of(&x.lift), mean_of(&y.lift));
        rows.push(CompareRow {
            bin: bin.clone(),
            lift_a,
            lift_b,
            baseline_a: mean_of(&x.baseline),
            baseline_b: mean_of(&y.baseline),
            n_a: x.n,
            n_b: y.n,
            p_hat_a: mean_of(&x.p_hat),
            p_hat_b: mean_of(&y.p_hat),
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

/// The lift-correlation matrix of every symbol in `rows` for `dim` (symbols sorted).
pub fn lift_correlation(rows: &[ProfileRow], dim: &str) -> LiftCorrelation {
    let mut by_symbol: BTreeMap<&str, BTreeMap<&Bin, f64>> = BTreeMap::new();
    for r in rows.iter().filter(|r| r.dim == dim) {
        let entry = by_symbol.entry(r.symbol.as_str()).or_default();
        if let Some(l) = r.lift {
            entry.insert(&r.bin, l);
        }
    }
    let symbols: Vec<&str> = by_symbol.keys().copied().collect();
    let matrix = symbols
        .iter()
        .map(|s| {
            symbols
                .iter()
                .map(|t| {
                    let (x, y) = (&by_symbol[s], &by_symbol[t]);
                    let (a, b): (Vec<f64>, Vec<f64>) =
                        x.iter().filter_map(|(bin, l)| y.get(bin).map(|m| (*l, *m))).unzip();
                    pearson(&a, &b)
                })
                .collect()
        })
        .collect();
    LiftCorrelation {
        dim: dim.to_string(),
        symbols: symbols.iter().map(|s| s.to_string()).collect(),
        matrix,
    }
}
