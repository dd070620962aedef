//! Optuna's staples for a run, on any metric: the search's history with its best-so-far line, one slice per
//! parameter (the metric against the parameter's values) and each parameter's importance.
//!
//! Importance is the share of the metric's variance that a parameter's values explain on their own (η², the
//! between-group sum of squares over the total), a simpler variance-based measure than optuna's fANOVA: on a full
//! grid it is exactly the first-order (main-effect) term of the functional ANOVA decomposition fANOVA estimates.

use super::params::{metric_value, params_of};
use crate::charts::{BarChart, ScatterChart};
use crate::format::metric_label;
use engine::equity::thin;
use engine::store::leaderboard::TrialPoint;
use std::collections::BTreeMap;

/// Whether smaller values of `metric` are better (drawdown), for the best-so-far line.
fn lower_is_better(metric: &str) -> bool {
    metric == "max_dd"
}

/// `metric` of every trial by trial number, the best so far as a step line; `best` (the selected trial) highlighted.
pub fn history(points: &[TrialPoint], metric: &str, best: Option<i64>) -> Option<ScatterChart> {
    let mut pairs: Vec<(f64, f64)> = points
        .iter()
        .filter_map(|p| Some((p.row.trial_number as f64, metric_value(&p.row, metric)?)))
        .collect();
    if pairs.is_empty() {
        return None;
    }
    pairs.sort_by(|a, b| a.0.total_cmp(&b.0));
    let lower = lower_is_better(metric);
    let mut line: Vec<(f64, f64)> = Vec::with_capacity(pairs.len());
    for &(n, v) in &pairs {
        let better = match line.last() {
            None => true,
            Some(&(_, b)) => (lower && v < b) || (!lower && v > b),
        };
        if better {
            if let Some(&(_, b)) = line.last() {
                line.push((n, b)); // the step: the old best up to this trial
            }
            line.push((n, v));
        }
    }
    if let (Some(&(_, b)), Some(&(last, _))) = (line.last(), pairs.last()) {
        line.push((last, b));
    }
    let highlight = best.and_then(|b| pairs.iter().find(|p| p.0 == b as f64).copied());
    Some(ScatterChart {
        points: thin(&pairs, 5000),
        x_label: "Trial number".into(),
        y_label: format!("{} (out of sample)", metric_label(metric)),
        diagonal: false,
        highlight,
        line,
    })
}

/// Parameters with at least two distinct numeric values, with each trial's value of them and of `metric`.
fn numeric_params(points: &[TrialPoint], metric: &str) -> BTreeMap<String, Vec<(f64, f64)>> {
    let mut by_param: BTreeMap<String, Vec<(f64, f64)>> = BTreeMap::new();
    for p in points {
        let Some(y) = metric_value(&p.row, metric) else {
            continue;
        };
        for (name, value) in params_of(&p.row) {
            if let Ok(x) = value.parse::<f64>() {
                by_param.entry(name).or_default().push((x, y));
            }
        }
    }
    by_param.retain(|_, v| {
        let first = v[0].0;
        v.iter().any(|(x, _)| *x != first)
    });
    by_param
}

/// One scatter per searched parameter: `metric` against the parameter's value, every trial a dot.
pub fn slices(points: &[TrialPoint], metric: &str) -> Vec<(String, ScatterChart)> {
    numeric_params(points, metric)
        .into_iter()
        .map(|(name, xy)| {
            let chart = ScatterChart {
                points: thin(&xy, 5000),
                x_label: name.clone(),
                y_label: metric_label(metric),
                diagonal: false,
                highlight: None,
                line: Vec::new(),
            };
            (name, chart)
        })
        .collect()
}

/// η² of each searched parameter for `metric`, largest first; None with fewer than two trials or no variance.
pub fn importance(points: &[TrialPoint], metric: &str) -> Option<BarChart> {
    let mut shares: Vec<(String, f64)> = numeric_params(points, metric)
        .into_iter()
        .filter_map(|(name, xy)| Some((name, eta_squared(&xy)?)))
        .collect();
    if shares.is_empty() {
        return None;
    }
    shares.sort_by(|a, b| b.1.total_cmp(&a.1));
    Some(BarChart {
        labels: shares.iter().map(|s| s.0.clone()).collect(),
        values: shares.iter().map(|s| Some(s.1)).collect(),
        whiskers: vec![None; shares.len()],
        baseline: None,
        x_label: "Parameter".into(),
        y_label: format!("Share of the variance of {} explained", metric_label(metric)),
        percent: true,
    })
}

/// Between-group sum of squares over the total sum of squares of the `y`s grouped by `x`; None without variance.
fn eta_squared(xy: &[(f64, f64)]) -> Option<f64> {
    let n = xy.len() as f64;
    let mean = xy.iter().map(|p| p.1).sum::<f64>() / n;
    let total: f64 = xy.iter().map(|p| (p.1 - mean).powi(2)).sum();
    if xy.len() < 2 || total <= 0.0 {
        return None;
    }
    let mut groups: BTreeMap<u64, (f64, f64)> = BTreeMap::new();
    for &(x, y) in xy {
        let g = groups.entry(x.to_bits()).or_default();
        g.0 += 1.0;
        g.1 += y;
    }
    let between: f64 = groups.values().map(|(k, s)| k * (s / k - mean).powi(2)).sum();
    Some((between / total).clamp(0.0, 1.0))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runs::ssr::params::trial;

    fn point(n: i64, fast: i64, slow: i64, objective: f64) -> TrialPoint {
        TrialPoint {
            row: trial(
                n,
                &format!(r#"{{"ema_fast": {fast}, "ema_slow": {slow}, "R": 2}}"#),
                Some(objective),
            ),
            is_objective: None,
            is_sharpe: None,
        }
    }

    /// A full 3 × 4 grid whose objective depends on `ema_fast` only, in a shuffled evaluation order.
    fn grid() -> Vec<TrialPoint> {
        let mut v = Vec::new();
        for (k, (fast, slow)) in [5, 10, 20]
            .into_iter()
            .flat_map(|f| [30, 40, 50, 60].map(move |s| (f, s)))
            .enumerate()
        {
            let n = (k * 5 % 12) as i64;
            v.push(point(n, fast, slow, fast as f64 / 10.0));
        }
        v
    }

    #[test]
    fn the_best_so_far_line_steps_up_at_each_new_best() {
        let pts = grid();
        let h = history(&pts, "objective_value", Some(4)).unwrap();
        let mut best = f64::NEG_INFINITY;
        let mut in_order = pts.clone();
        in_order.sort_by_key(|p| p.row.trial_number);
        // At every trial the line's value (the last point at or before it) is the running maximum.
        for p in &in_order {
            let n = p.row.trial_number as f64;
            best = best.max(p.row.objective_value.unwrap());
            let on_line = h.line.iter().rev().find(|(x, _)| *x <= n).unwrap().1;
            assert_eq!(on_line, best, "trial {n}");
        }
        assert_eq!(h.line.last().unwrap().0, 11.0, "the line runs to the last trial");
        let dd = history(&pts, "max_dd", None).unwrap();
        assert!(
            dd.line.iter().all(|p| p.1 == 0.1),
            "equal drawdowns never improve on the first"
        );
    }

    #[test]
    fn importance_is_the_share_of_variance_each_parameter_explains() {
        let pts = grid();
        let bars = importance(&pts, "objective_value").unwrap();
        assert_eq!(bars.labels, ["ema_fast", "ema_slow"], "R has a single value");
        assert!((bars.values[0].unwrap() - 1.0).abs() < 1e-12);
        assert!(bars.values[1].unwrap().abs() < 1e-12);
        // Against an independent two-way decomposition: objective = fast + slow/100 on a balanced grid.
        let mixed: Vec<TrialPoint> = grid()
            .into_iter()
            .map(|mut p| {
                let params = params_of(&p.row);
                let (f, s): (f64, f64) = (params["ema_fast"].parse().unwrap(), params["ema_slow"].parse().unwrap());
                p.row.objective_value = Some(f / 10.0 + s / 100.0);
                p
            })
            .collect();
        let bars = importance(&mixed, "objective_value").unwrap();
        let var = |xs: &[f64]| {
            let m = xs.iter().sum::<f64>() / xs.len() as f64;
            xs.iter().map(|x| (x - m).powi(2)).sum::<f64>() / xs.len() as f64
        };
        let (vf, vs) = (var(&[0.5, 1.0, 2.0]), var(&[0.3, 0.4, 0.5, 0.6]));
        assert!((bars.values[0].unwrap() - vf / (vf + vs)).abs() < 1e-12);
        assert!((bars.values[1].unwrap() - vs / (vf + vs)).abs() < 1e-12);
        let slices = slices(&pts, "objective_value");
        assert_eq!(slices.len(), 2);
        assert_eq!(slices[0].1.points.len(), 12);
    }
}
