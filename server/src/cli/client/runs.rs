//! `qe runs list|show|trials|trades`: optimisation runs as the server stores them (`GET /runs`, `/runs/{id}`,
//! `/runs/{id}/trials`, `/runs/{id}/trials/{trial}/trades`); `runs show --plot` draws the best trial's equity (or
//! the per-fold metrics).

use super::http::{Api, Query};
use crate::cli::output::{cell, CliError, Output, Table};
use clap::{Args, Subcommand};
use model::jobs::JobStatus;
use model::results::optimize::{EmaParams, OptimizeResult};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};

#[derive(Debug, Subcommand)]
pub enum RunsCommand {
    /// List optimisation runs, newest first.
    List(ListArgs),
    /// One run: its summary, aggregated and per-fold metrics, and the parameters each fold chose.
    Show(ShowArgs),
    /// The trials of a run, best first by default.
    Trials(TrialsArgs),
    /// One trial's trades, re-run on the run's data (the sweep keeps no per-trial series).
    Trades(TradesArgs),
}

#[derive(Debug, Args)]
pub struct ListArgs {
    /// Only runs with this status (queued, running, finished, failed, cancelled; any case).
    #[arg(long)]
    pub status: Option<String>,
    /// At most this many runs (1…500).
    #[arg(long, default_value_t = 20)]
    pub limit: u32,
}

#[derive(Debug, Args)]
pub struct ShowArgs {
    /// The run id.
    pub id: String,
    /// Also draw the best trial's equity (from the run's artifacts when this machine can read them, else the
    /// per-fold metrics) to this .png or .svg file.
    #[arg(long)]
    pub plot: Option<PathBuf>,
    /// Where relative artifact paths in the server's answers resolve (the configured artifacts directory).
    #[arg(skip)]
    pub artifacts_dir: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct TrialsArgs {
    /// The run id.
    pub id: String,
    /// `<field>.<asc|desc>`; fields: objective_value, n_trades, max_dd, sharpe, sortino, cagr, hit_rate, avg_r.
    #[arg(long, default_value = "objective_value.desc")]
    pub order_by: String,
    /// At most this many trials (1…500).
    #[arg(long, default_value_t = 20)]
    pub limit: u32,
}

#[derive(Debug, Args)]
pub struct TradesArgs {
    /// The run id.
    pub id: String,
    /// The trial number (`trial_number` in `qe runs trials`).
    pub trial: i64,
    /// Write the trades to this .csv or .parquet file instead of printing them.
    #[arg(long)]
    pub out: Option<PathBuf>,
}

/// Runs a `qe runs …` command.
pub async fn run(api: &Api, out: Output, cmd: RunsCommand) -> Result<(), CliError> {
    match cmd {
        RunsCommand::List(a) => list(api, out, a).await,
        RunsCommand::Show(a) => show(api, out, a).await,
        RunsCommand::Trials(a) => trials(api, out, a).await,
        RunsCommand::Trades(a) => trades(api, out, a).await,
    }
}

/// The stored (upper-case) form of a run status given in any case or spelling (`finished`, `completed`); the
/// original compared case-sensitively, so `--status finished` never matched.
pub fn stored_status(s: &str) -> String {
    JobStatus::from_label(s).map_or_else(|| s.trim().to_uppercase(), |st| st.run_label().to_string())
}

async fn list(api: &Api, out: Output, a: ListArgs) -> Result<(), CliError> {
    let mut query: Query = vec![("page", "1".into()), ("page_size", a.limit.to_string())];
    if let Some(s) = &a.status {
        query.push(("status", stored_status(s)));
    }
    let rows = api.get("/runs", &query).await?;
    let rows = rows.as_array().cloned().unwrap_or_default();
    out.emit(&json!(rows), || {
        if rows.is_empty() {
            return "No runs found".into();
        }
        let cols = ["run_id", "status", "objective", "started_at", "finished_at"];
        Table::from_rows(&rows, &cols).render()
    });
    Ok(())
}

async fn trades(api: &Api, out: Output, a: TradesArgs) -> Result<(), CliError> {
    let path = format!("/runs/{}/trials/{}/trades", a.id, a.trial);
    if let Some(file) = &a.out {
        let format = match file.extension().and_then(|e| e.to_str()) {
            Some("csv") => "csv",
            Some("parquet") => "parquet",
            _ => {
                return Err(CliError::Usage(format!(
                    "--out {}: name a .csv or .parquet file",
                    file.display()
                )))
            }
        };
        let bytes = api.download(&path, &vec![("format", format.to_string())]).await?;
        std::fs::write(file, bytes).map_err(|e| CliError::Failed(format!("{}: {e}", file.display())))?;
        eprintln!("wrote {}", file.display());
        return Ok(());
    }
    let rows = api.get(&path, &Query::new()).await?;
    let rows = rows.as_array().cloned().unwrap_or_default();
    out.emit(&json!(rows), || {
        if rows.is_empty() {
            return "No trades".into();
        }
        let cols = [
            "fold",
            "ts_entry",
            "price_entry",
            "ts_exit",
            "price_exit",
            "r_multiple",
            "pnl",
            "exit_reason",
            "bars_held",
        ];
        Table::from_rows(&rows, &cols).render()
    });
    Ok(())
}

async fn show(api: &Api, out: Output, a: ShowArgs) -> Result<(), CliError> {
    let body = api
        .get(&format!("/runs/{}", a.id), &Query::new())
        .await
        .map_err(|e| not_found_hint(e, &a.id))?;
    // The result document carries each fold's chosen parameters; `--json` alone prints only the run's body.
    let result = if out.json && a.plot.is_none() {
        None
    } else {
        let r = api.get(&format!("/result/{}", a.id), &Query::new()).await.ok();
        r.map(|r| r["result"].clone()).filter(|r| !r.is_null())
    };
    // A result that does not parse (an older server's) is left out of the text, as the report below.
    let typed: Option<OptimizeResult> = result.clone().and_then(|r| serde_json::from_value(r).ok());
    // A report that does not parse (an older server's) is left out of the text; `--json` shows it as sent.
    let report: Option<model::overfitting::Overfitting> = serde_json::from_value(body["overfitting"].clone()).ok();
    out.emit(&body, || {
        render_run(&body)
            + &typed.as_ref().map(chosen_params).unwrap_or_default()
            + &report.as_ref().map(super::overfitting::render).unwrap_or_default()
    });
    if let Some(path) = &a.plot {
        let root = a.artifacts_dir.as_deref().unwrap_or(Path::new("."));
        let drawn = super::run_plot::draw(path, &a.id, &body, result.as_ref(), root)?;
        eprintln!("wrote {} ({drawn})", path.display());
    }
    Ok(())
}

/// The parameters each walk-forward fold chose (on its train window) and the best trial's, per symbol, from a
/// `GET /result/{id}` document; empty when it has neither folds nor a best trial.
pub fn chosen_params(result: &OptimizeResult) -> String {
    let per_symbol = result.per_symbol();
    let several = per_symbol.len() > 1;
    let mut text = String::new();
    for s in per_symbol {
        let folds = &s.walk_forward.folds;
        if folds.is_empty() && s.best.is_none() {
            continue;
        }
        let all_params: Vec<&EmaParams> = folds
            .iter()
            .filter_map(|f| f.params.as_ref())
            .chain(s.best.as_ref().map(|b| &b.params))
            .collect();
        let with_atr = all_params.iter().any(|p| p.atr_k.is_some());
        let names = match (all_params.is_empty(), with_atr) {
            (true, _) => &PARAM_ORDER[..0],
            (false, false) => &PARAM_ORDER[..3],
            (false, true) => PARAM_ORDER,
        };
        let mut t = Table::new(
            ["fold", "trial"]
                .into_iter()
                .chain(names.iter().copied())
                .chain(["train", "test"]),
        );
        let row = |label: String, trial: Option<usize>, params: Option<&EmaParams>, train: String, test: String| {
            let values = params.map(|p| [json!(p.ema_fast), json!(p.ema_slow), json!(p.r), json!(p.atr_k)]);
            let mut r = vec![label, cell("trial", &json!(trial))];
            r.extend(names.iter().enumerate().map(|(i, n)| match &values {
                Some(v) => cell(n, &v[i]),
                None => cell(n, &Value::Null),
            }));
            r.extend([train, test]);
            r
        };
        for f in folds {
            t.rows.push(row(
                f.fold.to_string(),
                f.trial_number,
                f.params.as_ref(),
                format!("{}..{}", short_time(&f.train_start), short_time(&f.train_end)),
                format!("{}..{}", short_time(&f.test_start), short_time(&f.test_end)),
            ));
        }
        if let Some(best) = &s.best {
            t.rows.push(row(
                "best".into(),
                Some(best.trial_number),
                Some(&best.params),
                "-".into(),
                "-".into(),
            ));
        }
        text += "\nchosen parameters";
        if several {
            text += &format!(" ({})", s.symbol);
        }
        text += "\n";
        text += &t.render();
    }
    if !text.is_empty() {
        text += if result.in_sample_selection {
            "(no train window: every fold runs the best trial, selected on the data it is reported on)\n"
        } else {
            "(each fold's test window runs the trial chosen on its train window; stitched, they give the aggregated \
             metrics; best: the trial with the best objective over all train windows)\n"
        };
    }
    text
}

/// `2024-03-01T00:00:00Z` as `2024-03-01`; other times as they are.
fn short_time(t: &str) -> &str {
    t.strip_suffix("T00:00:00Z").unwrap_or(t)
}

fn not_found_hint(e: CliError, id: &str) -> CliError {
    match e {
        CliError::Failed(d) if d.contains("not found") => {
            CliError::Failed(format!("{d}: no run {id}; `qe runs list` shows the known ids"))
        }
        other => other,
    }
}

fn render_run(body: &Value) -> String {
    let mut text = String::new();
    if let Some(run) = body["run"].as_object() {
        let mut t = Table::new(["name", "value"]);
        let order = [
            "run_id",
            "status",
            "objective",
            "spec_id",
            "dataset_id",
            "started_at",
            "finished_at",
            "out_dir",
        ];
        for k in order.iter().filter(|k| run.contains_key(**k)) {
            t.rows.push(vec![k.to_string(), cell(k, &run[*k])]);
        }
        text += &t.render();
    }
    if let Some(agg) = body["metrics"]["aggregated"].as_object().filter(|m| !m.is_empty()) {
        text += "\naggregated metrics\n";
        let mut t = Table::new(["metric", "value"]);
        for (k, v) in agg {
            t.rows.push(vec![k.clone(), cell(k, v)]);
        }
        text += &t.render();
    }
    if let Some(folds) = body["metrics"]["folds"].as_object().filter(|m| !m.is_empty()) {
        text += "\nper-fold metrics\n";
        let mut names: Vec<String> = Vec::new();
        for m in folds.values().filter_map(Value::as_object) {
            for k in m.keys() {
                if !names.contains(k) {
                    names.push(k.clone());
                }
            }
        }
        let mut t = Table::new(std::iter::once("fold".to_string()).chain(names.iter().cloned()));
        let mut keys: Vec<&String> = folds.keys().collect();
        keys.sort_by_key(|k| k.parse::<i64>().unwrap_or(i64::MAX));
        for k in keys {
            let m = &folds[k];
            let mut row = vec![k.clone()];
            row.extend(names.iter().map(|n| cell(n, m.get(n).unwrap_or(&Value::Null))));
            t.rows.push(row);
        }
        text += &t.render();
    }
    text
}

async fn trials(api: &Api, out: Output, a: TrialsArgs) -> Result<(), CliError> {
    let query: Query = vec![
        ("order_by", a.order_by.clone()),
        ("page", "1".into()),
        ("page_size", a.limit.to_string()),
    ];
    let rows = api.get(&format!("/runs/{}/trials", a.id), &query).await?;
    let rows = rows.as_array().cloned().unwrap_or_default();
    out.emit(&json!(rows), || {
        if rows.is_empty() {
            return format!("No trials found for run {}", a.id);
        }
        trials_table(&rows).render()
    });
    Ok(())
}

/// The order parameters are shown in (others follow, by name).
const PARAM_ORDER: &[&str] = &["ema_fast", "ema_slow", "R", "atr_k"];

/// Where a parameter goes in a table: its place in [`PARAM_ORDER`], others after them.
fn param_rank(name: &str) -> usize {
    PARAM_ORDER.iter().position(|o| *o == name).unwrap_or(PARAM_ORDER.len())
}

/// Trials as a table, their `params_json` decoded into a `params` column (`ema_fast=9 ema_slow=26 R=1`).
pub fn trials_table(rows: &[Value]) -> Table {
    let rows: Vec<Value> = rows
        .iter()
        .map(|r| {
            let mut r = r.clone();
            let params = r["params_json"]
                .as_str()
                .and_then(|s| serde_json::from_str::<Value>(s).ok())
                .and_then(|p| p.as_object().cloned())
                .map(|p| {
                    let mut pairs: Vec<(&String, &Value)> = p.iter().collect();
                    pairs.sort_by_key(|(k, _)| param_rank(k));
                    pairs
                        .iter()
                        .map(|(k, v)| format!("{k}={}", cell(k, v)))
                        .collect::<Vec<_>>()
                        .join(" ")
                });
            r["params"] = json!(params);
            r
        })
        .collect();
    let cols = [
        "trial_number",
        "params",
        "objective_value",
        "status",
        "n_trades",
        "sharpe",
        "sortino",
        "cagr",
        "max_dd",
        "hit_rate",
        "avg_r",
    ];
    Table::from_rows(&rows, &cols)
}

#[cfg(test)]
mod tests {
    use super::*;
    use model::results::optimize::{BestTrial, SymbolResult, WalkForwardFold, WalkForwardPath};

    #[test]
    fn lower_case_statuses_map_to_the_stored_upper_case() {
        assert_eq!(stored_status("finished"), "FINISHED");
        assert_eq!(stored_status(" Running "), "RUNNING");
        assert_eq!(stored_status("completed"), "FINISHED");
    }

    fn fold(fold: usize, trial: Option<usize>, params: Option<EmaParams>, times: [&str; 4]) -> WalkForwardFold {
        WalkForwardFold {
            fold,
            train_start: times[0].into(),
            train_end: times[1].into(),
            test_start: times[2].into(),
            test_end: times[3].into(),
            trial_number: trial,
            params,
            metrics: Default::default(),
        }
    }

    fn ema(ema_fast: usize, ema_slow: usize, r: f64) -> EmaParams {
        EmaParams {
            ema_fast,
            ema_slow,
            r,
            atr_k: None,
        }
    }

    fn result_of(best: Option<BestTrial>, folds: Vec<WalkForwardFold>) -> OptimizeResult {
        OptimizeResult {
            trials_path: "trials.parquet".into(),
            first: SymbolResult {
                symbol: "EURUSD".into(),
                trials: Vec::new(),
                best,
                walk_forward: WalkForwardPath { metrics: None, folds },
                bars_per_year: 252.0,
            },
            objective: model::spec::experiment::Objective::Sharpe,
            in_sample_selection: false,
            symbols: None,
        }
    }

    #[test]
    fn each_folds_choice_and_the_best_trial_are_tabled() {
        let best = BestTrial {
            params: ema(12, 35, 2.0),
            metrics: Default::default(),
            in_sample: None,
            trial_number: 4,
            trades: Vec::new(),
            equity: Vec::new(),
            summary: "summary.json".into(),
            deflated_sharpe: None,
        };
        let result = result_of(
            Some(best),
            vec![
                fold(
                    0,
                    Some(1),
                    Some(ema(9, 26, 1.0)),
                    [
                        "2024-01-01T00:00:00Z",
                        "2024-03-01T00:00:00Z",
                        "2024-03-01T00:00:00Z",
                        "2024-04-01T00:00:00Z",
                    ],
                ),
                fold(
                    1,
                    None,
                    None,
                    [
                        "2024-02-01T00:00:00Z",
                        "2024-04-01T00:00:00Z",
                        "2024-04-01T00:00:00Z",
                        "2024-05-01T12:30:00Z",
                    ],
                ),
            ],
        );
        let text = chosen_params(&result);
        let lines: Vec<Vec<&str>> = text.lines().map(|l| l.split_whitespace().collect()).collect();
        assert_eq!(lines[1], ["chosen", "parameters"]);
        assert_eq!(
            lines[2],
            ["fold", "trial", "ema_fast", "ema_slow", "R", "train", "test"]
        );
        assert_eq!(
            lines[4],
            [
                "0",
                "1",
                "9",
                "26",
                "1",
                "2024-01-01..2024-03-01",
                "2024-03-01..2024-04-01"
            ]
        );
        assert_eq!(
            lines[5],
            [
                "1",
                "-",
                "-",
                "-",
                "-",
                "2024-02-01..2024-04-01",
                "2024-04-01..2024-05-01T12:30:00Z"
            ]
        );
        assert_eq!(lines[6], ["best", "4", "12", "35", "2", "-", "-"]);
        assert_eq!(chosen_params(&result_of(None, Vec::new())), "");
    }

    #[test]
    fn trial_params_are_decoded_into_one_column() {
        let rows = vec![json!({"trial_number": 3, "params_json": "{\"ema_fast\": 9, \"R\": 1.5}", "sharpe": 0.12345})];
        let t = trials_table(&rows);
        assert_eq!(t.headers, ["trial_number", "params", "sharpe"]);
        assert_eq!(t.rows[0], ["3", "ema_fast=9 R=1.5", "0.1235"]);
    }
}
