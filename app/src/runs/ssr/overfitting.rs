//! The PBO panel's charts: the histogram of the CSCV logits and the in-sample vs out-of-sample Sharpe of each
//! split's in-sample best (the performance degradation).

use crate::charts::{BarChart, ChartSpec, ScatterChart};
use crate::runs::OverfittingView;
use model::overfitting::{Overfitting, Pbo};

/// One view per symbol of `report`, in its order.
pub fn views(report: Overfitting) -> Vec<OverfittingView> {
    report
        .symbols
        .into_iter()
        .map(|s| OverfittingView {
            logits: s.pbo.as_ref().map(logit_histogram),
            degradation: s.pbo.as_ref().and_then(degradation),
            report: s,
        })
        .collect()
}

/// Splits per logit bin; the bins at or below 0 are the overfit ones (PBO is their share).
fn logit_histogram(p: &Pbo) -> ChartSpec {
    ChartSpec::Bars(BarChart {
        labels: p
            .logit_histogram
            .iter()
            .map(|b| format!("{:+.1}", (b.lo + b.hi) / 2.0))
            .collect(),
        values: p
            .logit_histogram
            .iter()
            .map(|b| Some(b.count as f64 / p.splits.max(1) as f64))
            .collect(),
        whiskers: vec![None; p.logit_histogram.len()],
        baseline: None,
        x_label: "logit λ of the in-sample best's out-of-sample rank".into(),
        y_label: "share of splits".into(),
        percent: true,
    })
}

/// In-sample (x) against out-of-sample (y) Sharpe per bar of each split's in-sample best.
fn degradation(p: &Pbo) -> Option<ChartSpec> {
    (!p.degradation.is_empty()).then(|| {
        ChartSpec::Scatter(ScatterChart {
            points: p.degradation.iter().map(|&[x, y]| (x, y)).collect(),
            x_label: "in-sample Sharpe (per bar)".into(),
            y_label: "out-of-sample Sharpe (per bar)".into(),
            diagonal: true,
            highlight: None,
            line: Vec::new(),
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use model::overfitting::{LogitBin, SymbolOverfitting};

    #[test]
    fn the_histogram_shows_shares_of_splits_and_the_scatter_each_split() {
        let pbo = Pbo {
            pbo: 0.25,
            blocks: 16,
            splits: 4,
            splits_total: 4,
            sampled: false,
            n_trials: 3,
            degradation_slope: 0.0,
            degradation_intercept: 0.0,
            prob_oos_loss: 0.0,
            logit_mean: 0.0,
            logit_median: 0.0,
            logit_histogram: vec![
                LogitBin {
                    lo: -0.5,
                    hi: 0.0,
                    count: 1,
                },
                LogitBin {
                    lo: 0.0,
                    hi: 0.5,
                    count: 3,
                },
            ],
            degradation: vec![[0.1, -0.1], [0.2, 0.05]],
        };
        let v = views(Overfitting {
            symbols: vec![SymbolOverfitting {
                symbol: "BTC".into(),
                pbo: Some(pbo),
                dsr: None,
                fold_dsr: vec![],
                walk_forward_dsr: None,
                robustness: None,
            }],
        });
        let Some(ChartSpec::Bars(b)) = &v[0].logits else {
            panic!("bars")
        };
        assert_eq!(b.values, vec![Some(0.25), Some(0.75)]);
        assert_eq!(b.labels, vec!["-0.2", "+0.2"]);
        let Some(ChartSpec::Scatter(s)) = &v[0].degradation else {
            panic!("scatter")
        };
        assert_eq!(s.points, vec![(0.1, -0.1), (0.2, 0.05)]);
    }
}
