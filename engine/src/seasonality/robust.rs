//! The neighbourhood of a seasonality optimisation's best trial. Its trials are random draws from a mixed space
//! (dim sets, rules, horizons, thresholds), so each trial is placed by the rank of each parameter among the values
//! the trials drew (texts in sorted order, numbers ascending) and the best's nearest trials in that space, scaled
//! to 0…1 per parameter, are its neighbours ([`crate::overfit::robust`], `Nearest`).

use super::optimize::{TrialRecord, FLOOR};
use crate::overfit::robust::{self, Point};
use model::overfitting::{Neighbourhood, Robustness};
use std::cmp::Ordering;

/// The parameters placed, in the report's sensitivity order; `rule` is the threshold or the top-k.
const NAMES: [&str; 6] = ["dims", "method", "combine", "ret_horizon", "min_samples_bin", "rule"];

/// The robustness of trial `best` among `trials`; trials under the trade floor have no value. None when the best
/// has no value or no other trial has one.
pub fn robustness(trials: &[TrialRecord], best: usize) -> Option<Robustness> {
    let texts = |f: fn(&TrialRecord) -> String| ranks(&trials.iter().map(f).collect::<Vec<_>>());
    let numbers = |f: fn(&TrialRecord) -> f64| ranks(&trials.iter().map(f).collect::<Vec<_>>());
    let placed = [
        texts(|t| t.params.dims.iter().map(|d| d.name()).collect::<Vec<_>>().join("+")),
        texts(|t| t.params.method.to_string()),
        texts(|t| t.params.combine.to_string()),
        numbers(|t| t.params.ret_horizon as f64),
        numbers(|t| t.params.min_samples_bin as f64),
        numbers(|t| t.params.threshold.or(t.params.topk.map(|k| k as f64)).unwrap_or(0.0)),
    ];
    let sizes = placed.each_ref().map(|(_, n)| *n);
    let points: Vec<Point<6>> = trials
        .iter()
        .enumerate()
        .map(|(k, t)| Point {
            trial: t.number,
            index: placed.each_ref().map(|(idx, _)| idx[k]),
            value: (t.objective > FLOOR && t.objective.is_finite()).then_some(t.objective),
        })
        .collect();
    robust::robustness(&points, trials.get(best)?.number, sizes, NAMES, Neighbourhood::Nearest)
}

/// Each value's rank among the distinct values, and how many distinct values there are.
fn ranks<K: PartialOrd + Clone>(values: &[K]) -> (Vec<usize>, usize) {
    let mut distinct = values.to_vec();
    distinct.sort_by(|a, b| a.partial_cmp(b).unwrap_or(Ordering::Equal));
    distinct.dedup_by(|a, b| a == b);
    let index = values.iter().map(|v| distinct.partition_point(|d| d < v)).collect();
    (index, distinct.len())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::overfit::BlockSums;
    use crate::seasonality::optimize::TrialParams;
    use crate::seasonality::Dim;
    use model::spec::seasonality::{Combine, SelectMethod};

    fn trial(number: usize, threshold: f64, horizon: i64, objective: f64) -> TrialRecord {
        TrialRecord {
            number,
            params: TrialParams {
                dims: vec![Dim::Hour],
                method: SelectMethod::Threshold,
                combine: Combine::And,
                ret_horizon: horizon,
                min_samples_bin: 30,
                threshold: Some(threshold),
                topk: None,
            },
            state: model::results::optimize::TrialStatus::Complete,
            objective,
            best_metrics: None,
            oos: Default::default(),
            blocks: BlockSums::new(2),
        }
    }

    #[test]
    fn values_rank_among_the_distinct_values_drawn() {
        assert_eq!(ranks(&[0.55, 0.52, 0.55, 0.6]), (vec![1, 0, 1, 2], 3));
        assert_eq!(ranks(&["b", "a", "b"]), (vec![1, 0, 1], 2));
    }

    #[test]
    fn a_best_among_close_neighbours_is_a_plateau_and_an_isolated_one_a_spike() {
        // Thresholds 0.50…0.59 over horizons 1 and 2; the objective falls slowly away from 0.55 on horizon 1.
        let smooth: Vec<TrialRecord> = (0..20)
            .map(|k| {
                let (th, h) = (0.50 + (k % 10) as f64 / 100.0, 1 + k as i64 / 10);
                trial(k, th, h, 2.0 - (th - 0.55).abs() - 0.05 * (h - 1) as f64)
            })
            .collect();
        let best = 5; // threshold 0.55, horizon 1
        let r = robustness(&smooth, best).unwrap();
        assert_eq!((r.best_trial, r.method), (5, Neighbourhood::Nearest));
        assert!(!r.spike && r.share_within_10pct == 1.0, "{r:?}");
        // Two searched parameters, so four nearest: thresholds 0.53, 0.54, 0.56, 0.57 on horizon 1 (horizon 2 is a
        // whole scaled step away).
        assert_eq!(r.neighbours, 4);
        let names: Vec<&str> = r.sensitivity.iter().map(|s| s.param.as_str()).collect();
        assert_eq!(names, ["ret_horizon", "rule"]);

        let mut spiky = smooth.clone();
        for t in spiky.iter_mut().filter(|t| t.number != best) {
            t.objective = 0.2;
        }
        let r = robustness(&spiky, best).unwrap();
        assert!(r.spike && r.share_within_10pct == 0.0, "{r:?}");
        assert_eq!((r.mean, r.worst), (0.2, 0.2));
        // Trials under the trade floor are no neighbours; a best under it has no report.
        for t in spiky.iter_mut().filter(|t| t.number != best) {
            t.objective = FLOOR;
        }
        assert!(robustness(&spiky, best).is_none());
        assert!(robustness(&smooth, 99).is_none());
    }
}
