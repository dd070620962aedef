//! Charts of an optimisation run: the parameter heatmap (two parameters, one metric, the others aggregated),
//! the in-sample vs out-of-sample scatter, and equity/drawdown curves read from the run's artifacts.

use super::params::{metric_value, params_of, sort_values};
use crate::charts::color::Scale;
use crate::charts::{HeatmapChart, LineChart, LineSeries, ScatterChart};
use crate::format::metric_label;
use engine::equity::thin;
use engine::store::leaderboard::TrialPoint;
use std::collections::BTreeMap;
use std::path::Path;

/// How trials sharing a cell (differing in the other parameters) are combined.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Agg {
    Max,
    Mean,
}

impl Agg {
    /// `mean` → Mean, anything else → Max.
    pub fn parse(text: &str) -> Agg {
        if text.eq_ignore_ascii_case("mean") {
            Agg::Mean
        } else {
            Agg::Max
        }
    }
}

/// The heatmap of `metric` over parameters `x` × `y`; rows run from the largest `y` value down. The cell of
/// `best` (a trial's parameters) is marked.
pub fn param_heatmap(
    points: &[TrialPoint],
    x: &str,
    y: &str,
    metric: &str,
    agg: Agg,
    best: Option<&BTreeMap<String, String>>,
) -> HeatmapChart {
    let mut cells: BTreeMap<(String, String), Vec<f64>> = BTreeMap::new();
    let (mut xs, mut ys) = (Vec::new(), Vec::new());
    for p in points {
        let params = params_of(&p.row);
        let (Some(xv), Some(yv)) = (params.get(x), params.get(y)) else {
            continue;
        };
        if !xs.contains(xv) {
            xs.push(xv.clone());
        }
        if !ys.contains(yv) {
            ys.push(yv.clone());
        }
        if let Some(v) = metric_value(&p.row, metric) {
            cells.entry((xv.clone(), yv.clone())).or_default().push(v);
        }
    }
    sort_values(&mut xs);
    sort_values(&mut ys);
    ys.reverse();
    let combine = |v: &Vec<f64>| match agg {
        Agg::Max => v.iter().copied().fold(f64::NEG_INFINITY, f64::max),
        Agg::Mean => v.iter().sum::<f64>() / v.len() as f64,
    };
    let values: Vec<Vec<Option<f64>>> = ys
        .iter()
        .map(|yv| {
            xs.iter()
                .map(|xv| cells.get(&(xv.clone(), yv.clone())).map(combine))
                .collect()
        })
        .collect();
    let finite: Vec<f64> = values.iter().flatten().flatten().copied().collect();
    let crosses_zero = finite.iter().any(|v| *v < 0.0) && finite.iter().any(|v| *v > 0.0);
    let scale = if crosses_zero {
        Scale::diverging(0.0, finite.iter().copied())
    } else {
        Scale::sequential(finite.iter().copied())
    };
    let marked = best.and_then(|b| {
        let column = xs.iter().position(|v| Some(v) == b.get(x))?;
        let row = ys.iter().position(|v| Some(v) == b.get(y))?;
        Some((column, row))
    });
    HeatmapChart {
        annotate: xs.len() * ys.len() <= 144,
        marked,
        x_labels: xs,
        y_labels: ys,
        values,
        x_label: x.to_string(),
        y_label: y.to_string(),
        value_label: format!(
            "{} ({})",
            metric_label(metric),
            if agg == Agg::Max { "max" } else { "mean" }
        ),
        scale,
    }
}

/// In-sample vs out-of-sample objective per trial (Sharpe when no objective is stored in-sample); None when the
/// run stores no in-sample values. `best` is highlighted.
pub fn overfit_scatter(points: &[TrialPoint], best: Option<i64>) -> Option<ScatterChart> {
    let use_objective = points.iter().any(|p| p.is_objective.is_some());
    let pairs: Vec<(i64, f64, f64)> = points
        .iter()
        .filter_map(|p| {
            let (is, oos) = if use_objective {
                (p.is_objective?, p.row.objective_value?)
            } else {
                (p.is_sharpe?, p.row.sharpe?)
            };
            (is.is_finite() && oos.is_finite()).then_some((p.row.trial_number, is, oos))
        })
        .collect();
    if pairs.is_empty() {
        return None;
    }
    let what = if use_objective { "objective" } else { "Sharpe" };
    Some(ScatterChart {
        highlight: best.and_then(|b| pairs.iter().find(|p| p.0 == b).map(|p| (p.1, p.2))),
        points: thin(&pairs.iter().map(|p| (p.1, p.2)).collect::<Vec<_>>(), 5000),
        x_label: format!("In-sample {what}"),
        y_label: format!("Out-of-sample {what}"),
        diagonal: true,
        line: Vec::new(),
    })
}

/// The equity files of a run directory (`equity_<fold>.parquet`, and per-symbol variants), by fold.
pub fn equity_files(out_dir: &Path) -> Vec<(String, std::path::PathBuf)> {
    let Ok(entries) = std::fs::read_dir(out_dir) else {
        return Vec::new();
    };
    let mut files: Vec<(String, std::path::PathBuf)> = entries
        .flatten()
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().to_string();
            let stem = name.strip_prefix("equity_")?.strip_suffix(".parquet")?.to_string();
            Some((stem, e.path()))
        })
        .collect();
    files.sort_by(|a, b| {
        let key = |s: &str| {
            s.rsplit('_')
                .next()
                .and_then(|f| f.parse::<i64>().ok())
                .unwrap_or(i64::MAX)
        };
        (key(&a.0), &a.0).cmp(&(key(&b.0), &b.0))
    });
    files
}

/// Equity per fold and the drawdown of the stitched curve, from the run's equity artifacts (None: no files).
pub fn equity_charts(out_dir: &Path) -> Result<Option<(LineChart, LineChart)>, String> {
    let files = equity_files(out_dir);
    if files.is_empty() {
        return Ok(None);
    }
    let mut series = Vec::new();
    let mut stitched = Vec::new();
    for (label, path) in files {
        let points = engine::equity::read_equity(&path).map_err(|e| e.to_string())?;
        stitched.extend(points.iter().copied());
        series.push(LineSeries {
            label: format!("fold {label}"),
            points: thin(&points.iter().map(|(t, e)| (*t as f64, *e)).collect::<Vec<_>>(), 1500),
        });
    }
    stitched.sort_by_key(|p| p.0);
    let dd = engine::equity::drawdown(&stitched);
    let equity = LineChart {
        series,
        x_is_time: true,
        x_label: "Date (UTC)".into(),
        y_label: "Equity (start = 1)".into(),
        area: false,
        percent: false,
        markers: Vec::new(),
    };
    let drawdown = LineChart {
        series: vec![LineSeries {
            label: "drawdown".into(),
            points: thin(&dd.iter().map(|(t, d)| (*t as f64, *d)).collect::<Vec<_>>(), 1500),
        }],
        x_is_time: true,
        x_label: "Date (UTC)".into(),
        y_label: "Drawdown".into(),
        area: true,
        percent: true,
        markers: Vec::new(),
    };
    Ok(Some((equity, drawdown)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runs::ssr::params::trial;

    fn point(n: i64, fast: i64, slow: i64, r: f64, obj: Option<f64>, is: Option<f64>) -> TrialPoint {
        TrialPoint {
            row: trial(
                n,
                &format!(r#"{{"ema_fast": {fast}, "ema_slow": {slow}, "R": {r}}}"#),
                obj,
            ),
            is_objective: is,
            is_sharpe: None,
        }
    }

    fn grid() -> Vec<TrialPoint> {
        let mut v = Vec::new();
        for fast in [5, 10] {
            for slow in [20, 30, 40] {
                for r in [1.0, 2.0] {
                    let n = v.len() as i64;
                    let obj = if fast == 10 && slow == 40 {
                        None
                    } else {
                        Some(fast as f64 * 0.1 - slow as f64 * 0.01 + r)
                    };
                    v.push(point(n, fast, slow, r, obj, obj.map(|o| o + 0.5)));
                }
            }
        }
        v
    }

    #[test]
    fn the_heatmap_aggregates_the_other_parameters_by_max_or_mean() {
        let pts = grid();
        let h = param_heatmap(&pts, "ema_fast", "ema_slow", "objective_value", Agg::Max, None);
        assert_eq!(h.x_labels, ["5", "10"]);
        assert_eq!(h.y_labels, ["40", "30", "20"], "largest y on top");
        // Cell (fast 5, slow 20): max over R of 0.5 - 0.2 + R = 2.3.
        let at = |h: &HeatmapChart, x: usize, y: usize| h.values[y][x];
        assert!((at(&h, 0, 2).unwrap() - 2.3).abs() < 1e-12);
        assert_eq!(
            at(&h, 1, 0),
            None,
            "a cell whose trials all lack the metric stays empty"
        );
        let m = param_heatmap(&pts, "ema_fast", "ema_slow", "objective_value", Agg::Mean, None);
        assert!((at(&m, 0, 2).unwrap() - 1.8).abs() < 1e-12, "mean of 1.3 and 2.3");
        assert!(matches!(m.scale, Scale::Sequential { .. }));
        assert!(h.value_label.contains("max") && m.value_label.contains("mean"));
        let by_r = param_heatmap(&pts, "R", "ema_fast", "sharpe", Agg::Max, None);
        assert_eq!(
            (by_r.x_labels.clone(), by_r.y_labels.clone()),
            (vec!["1".to_string(), "2".into()], vec!["10".to_string(), "5".into()])
        );
        let none = param_heatmap(&pts, "nope", "ema_fast", "sharpe", Agg::Max, None);
        assert!(none.values.is_empty());
    }

    #[test]
    fn the_best_trials_cell_is_marked_by_its_column_and_row() {
        let pts = grid();
        assert_eq!(
            param_heatmap(&pts, "ema_fast", "ema_slow", "sharpe", Agg::Max, None).marked,
            None
        );
        // Trial 3: fast 5, slow 30, R 2: column of "5" (0), row of "30" (1, the largest slow on top).
        let best = params_of(&pts[3].row);
        let h = param_heatmap(&pts, "ema_fast", "ema_slow", "sharpe", Agg::Max, Some(&best));
        assert_eq!(h.marked, Some((0, 1)));
        let h = param_heatmap(&pts, "R", "ema_fast", "sharpe", Agg::Max, Some(&best));
        assert_eq!(h.marked, Some((1, 1)), "R 2 of [1, 2]; fast 5 of [10, 5]");
        let mut elsewhere = best.clone();
        elsewhere.insert("ema_fast".into(), "99".into());
        let h = param_heatmap(&pts, "ema_fast", "ema_slow", "sharpe", Agg::Max, Some(&elsewhere));
        assert_eq!(h.marked, None, "a best outside the drawn values marks nothing");
    }

    #[test]
    fn the_scatter_pairs_in_sample_with_out_of_sample_and_marks_the_best() {
        let pts = grid();
        let s = overfit_scatter(&pts, Some(3)).unwrap();
        assert_eq!(s.points.len(), 10, "two trials have no objective");
        assert!(s.points.iter().all(|(is, oos)| (is - oos - 0.5).abs() < 1e-12));
        let o = pts[3].row.objective_value.unwrap();
        assert_eq!(s.highlight, Some((o + 0.5, o)));
        let bare: Vec<TrialPoint> = grid()
            .into_iter()
            .map(|mut p| {
                p.is_objective = None;
                p
            })
            .collect();
        assert!(overfit_scatter(&bare, None).is_none());
    }

    #[test]
    fn thinning_keeps_at_most_the_limit_in_order() {
        let v: Vec<usize> = (0..10_001).collect();
        let t = thin(&v, 5000);
        assert!(t.len() <= 5000 && t[0] == 0 && t.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn equity_artifacts_give_a_curve_per_fold_and_one_drawdown() {
        let dir = tempfile::tempdir().unwrap();
        let f0: Vec<(i64, f64)> = (0..10).map(|i| (i * 1000, 1.0 + i as f64 * 0.01)).collect();
        let f1: Vec<(i64, f64)> = (10..20).map(|i| (i * 1000, 1.2 - (i - 10) as f64 * 0.02)).collect();
        engine::equity::write_equity(&f0, &dir.path().join("equity_0.parquet")).unwrap();
        engine::equity::write_equity(&f1, &dir.path().join("equity_1.parquet")).unwrap();
        std::fs::write(dir.path().join("trades_0.parquet"), b"not equity").unwrap();
        let (eq, dd) = equity_charts(dir.path()).unwrap().unwrap();
        assert_eq!(eq.series.len(), 2);
        assert_eq!(eq.series[1].points[0], (10_000.0, 1.2));
        let worst = dd.series[0].points.iter().map(|p| p.1).fold(0.0, f64::min);
        assert!((worst - (1.02 / 1.2 - 1.0)).abs() < 1e-12, "{worst}");
        assert!(equity_charts(&dir.path().join("missing")).unwrap().is_none());
    }
}
