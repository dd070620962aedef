//! `qe runs list|show|trials`: optimisation runs as the server stores them (`GET /runs`, `/runs/{id}`,
//! `/runs/{id}/trials`); `runs show --plot` draws the best trial's equity (or the per-fold metrics).

use super::http::{Api, Query};
use crate::cli::output::{cell, CliError, Output, Table};
use clap::{Args, Subcommand};
use serde_json::{json, Value};
use std::path::PathBuf;

#[derive(Debug, Subcommand)]
pub enum RunsCommand {
    /// List optimisation runs, newest first.
    List(ListArgs),
    /// One run: its summary, aggregated and per-fold metrics.
    Show(ShowArgs),
    /// The trials of a run, best first by default.
    Trials(TrialsArgs),
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

/// Runs a `qe runs …` command.
pub async fn run(api: &Api, out: Output, cmd: RunsCommand) -> Result<(), CliError> {
    match cmd {
        RunsCommand::List(a) => list(api, out, a).await,
        RunsCommand::Show(a) => show(api, out, a).await,
        RunsCommand::Trials(a) => trials(api, out, a).await,
    }
}

/// The stored (upper-case) form of a run status given in any case; the original compared case-sensitively, so
/// `--status finished` never matched.
pub fn stored_status(s: &str) -> String {
    s.trim().to_uppercase()
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

async fn show(api: &Api, out: Output, a: ShowArgs) -> Result<(), CliError> {
    let body = api
        .get(&format!("/runs/{}", a.id), &Query::new())
        .await
        .map_err(|e| not_found_hint(e, &a.id))?;
    out.emit(&body, || render_run(&body));
    if let Some(path) = &a.plot {
        let result = api.get(&format!("/result/{}", a.id), &Query::new()).await.ok();
        let drawn = super::run_plot::draw(path, &a.id, &body, result.as_ref().map(|r| &r["result"]))?;
        eprintln!("wrote {} ({drawn})", path.display());
    }
    Ok(())
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
                    pairs.sort_by_key(|(k, _)| PARAM_ORDER.iter().position(|o| o == k).unwrap_or(PARAM_ORDER.len()));
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

    #[test]
    fn lower_case_statuses_map_to_the_stored_upper_case() {
        assert_eq!(stored_status("finished"), "FINISHED");
        assert_eq!(stored_status(" Running "), "RUNNING");
    }

    #[test]
    fn trial_params_are_decoded_into_one_column() {
        let rows = vec![json!({"trial_number": 3, "params_json": "{\"ema_fast\": 9, \"R\": 1.5}", "sharpe": 0.12345})];
        let t = trials_table(&rows);
        assert_eq!(t.headers, ["trial_number", "params", "sharpe"]);
        assert_eq!(t.rows[0], ["3", "ema_fast=9 R=1.5", "0.1235"]);
    }
}
