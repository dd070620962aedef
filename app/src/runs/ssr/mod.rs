//! Server-side bodies of the optimisation-run functions: store reads shaped into the page's view types.

pub mod overfitting;
pub mod params;
pub mod run_charts;
pub mod search;

use crate::charts::ChartSpec;
use crate::runs::ssr::params::{display_value, distinct_params, metric_value, params_of};
use crate::runs::ssr::run_charts::{equity_charts, overfit_scatter, param_heatmap, Agg};
use crate::runs::{
    LeaderRow, Leaderboard, ParamHeatmap, RunCharts, RunOverview, SearchViews, METRIC_COLUMNS, PAGE_SIZE,
};
use engine::store::leaderboard::{query_trials, sort_clause, trial_points, TrialPoint, TrialQuery};
use engine::store::runs::{get_metrics, get_overfitting, get_run};
use engine::store::{Store, StoreError};
use std::collections::BTreeMap;
use std::path::Path;

/// Aggregated metrics shown first, in this order; the rest follow alphabetically.
const PREFERRED: [&str; 11] = [
    "sharpe",
    "sortino",
    "cagr",
    "max_drawdown",
    "calmar",
    "hit_rate",
    "avg_R",
    "n_trades",
    "expectancy",
    "exposure",
    "sqn",
];
/// Aggregated values shown elsewhere on the page (the cards and the overfitting panel), not among the metrics;
/// `max_dd` is `max_drawdown` stored again under the original's name.
const NOT_METRICS: [&str; 12] = [
    "deflated_sharpe",
    "in_sample_selection",
    "n_trials",
    "trades",
    "max_dd",
    "dsr_n_eff",
    "walk_forward_dsr",
    "pbo",
    "pbo_prob_oos_loss",
    "pbo_degradation_slope",
    "robust_share_within_10pct",
    "robust_spike",
];

fn ordered(metrics: &BTreeMap<String, f64>) -> Vec<(String, f64)> {
    let mut out: Vec<(String, f64)> = metrics
        .iter()
        .filter(|(k, _)| !NOT_METRICS.contains(&k.as_str()))
        .map(|(k, v)| (k.clone(), *v))
        .collect();
    out.sort_by_key(|(k, _)| (PREFERRED.iter().position(|p| p == k).unwrap_or(usize::MAX), k.clone()));
    out
}

/// The parameters `summary.json` in the run directory names as selected, if it exists and has them.
fn summary_params(out_dir: Option<&str>) -> Option<BTreeMap<String, String>> {
    let text = std::fs::read_to_string(Path::new(out_dir?).join("summary.json")).ok()?;
    let v: serde_json::Value = serde_json::from_str(&text).ok()?;
    let params = v.get("params")?.as_object()?;
    Some(params.iter().map(|(k, v)| (k.clone(), display_value(v))).collect())
}

/// The selected trial: the one with `summary.json`'s parameters, else the best by objective.
fn best_trial(points: &[TrialPoint], out_dir: Option<&str>) -> Option<(i64, BTreeMap<String, String>)> {
    if let Some(params) = summary_params(out_dir) {
        let number = points
            .iter()
            .find(|p| params_of(&p.row) == params)
            .map(|p| p.row.trial_number);
        if let Some(n) = number {
            return Some((n, params));
        }
    }
    points
        .iter()
        .filter(|p| p.row.objective_value.is_some_and(f64::is_finite))
        .max_by(|a, b| {
            let (x, y) = (
                a.row.objective_value.unwrap_or(0.0),
                b.row.objective_value.unwrap_or(0.0),
            );
            x.total_cmp(&y).then(b.row.trial_number.cmp(&a.row.trial_number))
        })
        .map(|p| (p.row.trial_number, params_of(&p.row)))
}

/// The run page's header data, or None for an unknown run.
pub async fn overview(store: &Store, run_id: &str) -> Result<Option<RunOverview>, StoreError> {
    let Some(run) = get_run(store, run_id).await? else {
        return Ok(None);
    };
    let metrics = get_metrics(store, run_id).await?;
    let points = trial_points(store, run_id).await?;
    let best = best_trial(&points, run.out_dir.as_deref());
    let mut folds: Vec<(String, Vec<(String, f64)>)> =
        metrics.folds.iter().map(|(f, m)| (f.clone(), ordered(m))).collect();
    folds.sort_by_key(|(f, _)| f.parse::<i64>().unwrap_or(i64::MAX));
    Ok(Some(RunOverview {
        aggregated: ordered(&metrics.aggregated),
        folds,
        best_params: best
            .as_ref()
            .map(|b| b.1.clone().into_iter().collect())
            .unwrap_or_default(),
        best_trial: best.map(|b| b.0),
        deflated_sharpe: metrics.aggregated.get("deflated_sharpe").copied(),
        in_sample: metrics.aggregated.get("in_sample_selection").map(|v| *v != 0.0),
        n_trials: points.len() as i64,
        params: distinct_params(points.iter().map(|p| &p.row)),
        run,
    }))
}

/// A leaderboard page sorted, filtered and paged in SQL.
pub async fn leaderboard(
    store: &Store,
    run_id: &str,
    sort: Option<String>,
    page: i64,
    filter: Option<(String, String)>,
) -> Result<Leaderboard, StoreError> {
    let q = TrialQuery {
        sort: sort.clone(),
        page: page.max(1),
        page_size: PAGE_SIZE,
        param: filter,
    };
    let found = query_trials(store, run_id, &q).await?;
    let (field, dir) = sort_clause(sort.as_deref());
    let param_names: Vec<String> = distinct_params(found.rows.iter()).into_iter().map(|(k, _)| k).collect();
    let rows = found
        .rows
        .iter()
        .map(|r| {
            let params = params_of(r);
            LeaderRow {
                trial_number: r.trial_number,
                status: r.status.clone().unwrap_or_default(),
                params: param_names
                    .iter()
                    .map(|n| params.get(n).cloned().unwrap_or_default())
                    .collect(),
                metrics: METRIC_COLUMNS.iter().map(|m| metric_value(r, m)).collect(),
            }
        })
        .collect();
    Ok(Leaderboard {
        rows,
        total: found.total,
        page: q.page,
        page_size: PAGE_SIZE,
        sort_field: field.to_string(),
        descending: dir == "DESC",
        param_names,
    })
}

/// The parameter heatmap; axes default to the first two parameters that vary, the metric to the objective.
pub async fn heatmap(
    store: &Store,
    run_id: &str,
    x: Option<String>,
    y: Option<String>,
    metric: Option<String>,
    agg: Option<String>,
) -> Result<ParamHeatmap, StoreError> {
    let points = trial_points(store, run_id).await?;
    let out_dir = get_run(store, run_id).await?.and_then(|r| r.out_dir);
    let best = best_trial(&points, out_dir.as_deref());
    let robustness = get_overfitting(store, run_id)
        .await?
        .and_then(|o| o.symbols.into_iter().find_map(|s| s.robustness));
    let params = distinct_params(points.iter().map(|p| &p.row));
    let names: Vec<String> = params.iter().map(|(k, _)| k.clone()).collect();
    let mut candidates: Vec<String> = params
        .iter()
        .filter(|(_, v)| v.len() > 1)
        .map(|(k, _)| k.clone())
        .collect();
    candidates.extend(names.iter().cloned());
    let x = x.filter(|x| names.contains(x)).or_else(|| candidates.first().cloned());
    let y = y
        .filter(|y| names.contains(y) && Some(y) != x.as_ref())
        .or_else(|| candidates.iter().find(|c| Some(*c) != x.as_ref()).cloned());
    let metric = metric
        .filter(|m| METRIC_COLUMNS.contains(&m.as_str()))
        .unwrap_or_else(|| "objective_value".into());
    let agg = Agg::parse(agg.as_deref().unwrap_or("max"));
    let agg_text = if agg == Agg::Mean { "mean" } else { "max" }.to_string();
    let (chart, note) = match (&x, &y) {
        (Some(x), Some(y)) => (
            Some(ChartSpec::Heatmap(param_heatmap(
                &points,
                x,
                y,
                &metric,
                agg,
                best.as_ref().map(|b| &b.1),
            ))),
            None,
        ),
        _ => (
            None,
            Some("A heatmap needs two parameters; this run has fewer.".to_string()),
        ),
    };
    Ok(ParamHeatmap {
        chart,
        x: x.unwrap_or_default(),
        y: y.unwrap_or_default(),
        metric,
        agg: agg_text,
        params: names,
        note,
        neighbourhood: best.map(|(n, _)| neighbourhood_note(n, robustness.as_ref())),
    })
}

/// The sentence under the heatmap about its outlined cell: the best trial and, from the overfitting report, how
/// its neighbours in the whole search space score.
fn neighbourhood_note(trial: i64, r: Option<&model::overfitting::Robustness>) -> String {
    let head = format!("Outlined: the best trial (#{trial}), boxed with its neighbouring cells.");
    match r {
        Some(r) => format!(
            "{head} Its {} neighbours in the search space score {} on average (worst {}); {} are within 10 % of \
             it: {}.",
            r.neighbours,
            crate::format::num(r.mean),
            crate::format::num(r.worst),
            crate::format::pct(r.share_within_10pct),
            if r.spike { "a spike" } else { "a plateau" }
        ),
        None => head,
    }
}

/// The overfitting scatter and the equity/drawdown curves of a run.
pub async fn charts(store: &Store, run_id: &str) -> Result<RunCharts, StoreError> {
    let run = get_run(store, run_id).await?;
    let out_dir = run.as_ref().and_then(|r| r.out_dir.clone());
    let points = trial_points(store, run_id).await?;
    let best = best_trial(&points, out_dir.as_deref()).map(|b| b.0);
    let scatter = overfit_scatter(&points, best).map(ChartSpec::Scatter);
    let scatter_note = if scatter.is_some() {
        "Each dot is a trial; the red dot is the selected one. Dots far below the diagonal did worse out of sample."
    } else {
        "This run stores no in-sample values per trial, so there is no in-sample vs out-of-sample picture."
    }
    .to_string();
    let (equity, drawdown, equity_note) = match out_dir.as_deref().map(|d| equity_charts(Path::new(d))) {
        Some(Ok(Some((eq, dd)))) => (
            Some(ChartSpec::Lines(eq)),
            Some(ChartSpec::Lines(dd)),
            "The selected parameters' path through each fold's test window.".to_string(),
        ),
        Some(Err(e)) => (None, None, format!("Could not read the equity artifacts: {e}")),
        _ => (
            None,
            None,
            "No equity artifacts (equity_<fold>.parquet) in the run directory.".to_string(),
        ),
    };
    Ok(RunCharts {
        scatter,
        scatter_note,
        equity,
        drawdown,
        equity_note,
    })
}

/// The search's history, slices and parameter importance of a run on `metric` (an unknown one: the objective).
pub async fn search(store: &Store, run_id: &str, metric: Option<String>) -> Result<SearchViews, StoreError> {
    use crate::runs::ssr::search::{history, importance, slices};
    let metric = metric
        .filter(|m| METRIC_COLUMNS.contains(&m.as_str()))
        .unwrap_or_else(|| "objective_value".into());
    let out_dir = get_run(store, run_id).await?.and_then(|r| r.out_dir);
    let points = trial_points(store, run_id).await?;
    let best = best_trial(&points, out_dir.as_deref()).map(|b| b.0);
    Ok(SearchViews {
        history: history(&points, &metric, best).map(ChartSpec::Scatter),
        importance: importance(&points, &metric).map(ChartSpec::Bars),
        slices: slices(&points, &metric)
            .into_iter()
            .map(|(name, chart)| (name, ChartSpec::Scatter(chart)))
            .collect(),
        metric,
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_metrics_table_lists_each_metric_once_and_leaves_the_overfitting_figures_to_their_panel() {
        let stored: std::collections::BTreeMap<String, f64> = [
            ("max_dd", 0.1),
            ("max_drawdown", 0.1),
            ("pbo", 0.2),
            ("sharpe", 1.5),
            ("dsr_n_eff", 3.0),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
        let names: Vec<String> = super::ordered(&stored).into_iter().map(|(k, _)| k).collect();
        assert_eq!(names, ["sharpe", "max_drawdown"]);
    }
}
