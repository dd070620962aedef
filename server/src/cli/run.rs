//! `qe run --spec F`: runs an optimisation (submit) spec in-process and prints its result.

use super::local;
use super::output::{plain_cell as cell, Table};
use crate::config::Config;
use clap::Args;
use serde_json::Value;
use std::path::PathBuf;

#[derive(Debug, Args)]
pub struct RunArgs {
    /// The experiment spec (the original's submit JSON).
    #[arg(long)]
    pub spec: PathBuf,
    /// Set from the global `--json`: print JSON instead of tables.
    #[arg(skip)]
    pub json: bool,
    /// Artifact directory (default: `<artifacts dir>/<run_id>`).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Do not record the run in the database.
    #[arg(long)]
    pub no_store: bool,
    /// Rows of the leaderboard.
    #[arg(long, default_value_t = 10)]
    pub top: usize,
}

/// Parses the spec (exit 2 naming the field when it is invalid), runs it, prints the result.
pub async fn run(config: &Config, args: RunArgs) -> anyhow::Result<()> {
    let value = local::read_spec(&args.spec)?;
    let mut spec = model::spec::experiment::parse_experiment(value).map_err(|e| local::spec_error(&args.spec, e))?;
    local::resolve_data_path(&mut spec.data, &config.data_root);
    local::check_time_range(&args.spec, &spec.data)?;
    let ctx = local::context(config, args.out, args.no_store).await?;
    eprintln!("run {} → {}", ctx.run_id, ctx.out_dir.display());
    let result = engine::jobs::optimize::execute(&ctx, spec)
        .await
        .map_err(local::job_failed)?;
    if args.json {
        local::print_out(&format!("{}\n", serde_json::to_string_pretty(&result)?))?;
    } else {
        local::print_out(&leaderboard(&result, &ctx.run_id, args.top))?;
    }
    Ok(())
}

/// The readable report: per symbol the top trials by out-of-sample objective, then the best trial's
/// out-of-sample (and in-sample) metrics, the walk-forward folds and the deflated Sharpe ratio.
pub fn leaderboard(result: &Value, run_id: &str, top: usize) -> String {
    let objective = result["objective"].as_str().unwrap_or("sharpe");
    let mut out = format!("run {run_id} · objective {objective}\n");
    if result["in_sample_selection"] == Value::Bool(true) {
        out.push_str("selection: in-sample (no train window): these figures are optimistic\n");
    } else {
        out.push_str("selection: walk-forward (parameters chosen on each fold's train window)\n");
    }
    let per_symbol: Vec<&Value> = match result["symbols"].as_array() {
        Some(list) => list.iter().collect(),
        None => vec![result],
    };
    for s in per_symbol {
        out.push('\n');
        out.push_str(&symbol_report(s, objective, top));
    }
    if let Some(path) = result["trials_path"].as_str() {
        out.push_str(&format!("\nartifacts: {path} and the per-fold files beside it\n"));
    }
    out
}

fn symbol_report(s: &Value, objective: &str, top: usize) -> String {
    let empty = Vec::new();
    let trials = s["trials"].as_array().unwrap_or(&empty);
    let mut ranked: Vec<&Value> = trials.iter().collect();
    let key = |t: &Value| t["objective_value"].as_f64().unwrap_or(f64::NEG_INFINITY);
    ranked.sort_by(|a, b| key(*b).total_cmp(&key(*a)));
    let complete = trials.iter().filter(|t| t["status"] == "COMPLETE").count();
    let symbol = s["symbol"].as_str().unwrap_or("");
    let mut out = format!(
        "{symbol}: top {} of {} trials ({complete} complete) by out-of-sample {objective}\n",
        top.min(trials.len()),
        trials.len()
    );
    let with_atr = trials.first().is_some_and(|t| t["params"].get("atr_k").is_some());
    let mut headers = vec!["#", "ema_fast", "ema_slow", "R"];
    if with_atr {
        headers.push("atr_k");
    }
    headers.extend(["status", objective]);
    // The objective column already is the Sharpe ratio when the objective is `sharpe`.
    let with_sharpe = objective != "sharpe";
    if with_sharpe {
        headers.push("sharpe");
    }
    headers.extend(["sortino", "max_dd", "cagr", "trades", "IS sharpe"]);
    let rows: Vec<Vec<String>> = ranked
        .iter()
        .take(top)
        .map(|t| {
            let p = &t["params"];
            let m = &t["metrics"];
            let mut row = vec![
                cell(&t["trial_number"]),
                cell(&p["ema_fast"]),
                cell(&p["ema_slow"]),
                cell(&p["R"]),
            ];
            if with_atr {
                row.push(cell(&p["atr_k"]));
            }
            row.extend([cell(&t["status"]), cell(&t["objective_value"])]);
            if with_sharpe {
                row.push(cell(&m["sharpe"]));
            }
            row.extend([
                cell(&m["sortino"]),
                cell(&m["max_drawdown"]),
                cell(&m["cagr"]),
                cell(&m["n_trades"]),
                cell(&t["in_sample"]["sharpe"]),
            ]);
            row
        })
        .collect();
    out.push_str(&Table::with_rows(&headers, rows).render());
    out.push_str(&best_report(s));
    out
}

fn best_report(s: &Value) -> String {
    let best = &s["best"];
    if best.is_null() {
        return "\nno trial qualified as best (too few trades or no valid trial)\n".into();
    }
    let mut out = format!(
        "\nbest trial #{}: {}\n",
        cell(&best["trial_number"]),
        params_text(&best["params"])
    );
    let keys = [
        "sharpe",
        "sortino",
        "max_drawdown",
        "cagr",
        "calmar",
        "hit_rate",
        "avg_R",
        "n_trades",
        "profit_factor",
        "expectancy",
        "exposure",
        "sqn",
    ];
    let metric_row = |label: &str, m: &Value| {
        let mut row = vec![label.to_string()];
        row.extend(keys.iter().map(|k| cell(&m[*k])));
        row
    };
    let mut rows = vec![metric_row("out of sample", &best["metrics"])];
    if !best["in_sample"].is_null() {
        rows.push(metric_row("in sample", &best["in_sample"]));
    }
    let wf = &s["walk_forward"];
    if !wf["metrics"].is_null() {
        rows.push(metric_row("walk-forward", &wf["metrics"]));
    }
    let mut headers = vec![""];
    headers.extend(keys);
    out.push_str(&Table::with_rows(&headers, rows).render());
    if let Some(folds) = wf["folds"].as_array().filter(|f| !f.is_empty()) {
        out.push_str("\nwalk-forward folds (test windows)\n");
        let rows: Vec<Vec<String>> = folds
            .iter()
            .map(|f| {
                vec![
                    cell(&f["fold"]),
                    format!("{} → {}", cell(&f["test_start"]), cell(&f["test_end"])),
                    cell(&f["trial_number"]),
                    params_text(&f["params"]),
                    cell(&f["metrics"]["sharpe"]),
                    cell(&f["metrics"]["n_trades"]),
                ]
            })
            .collect();
        let headers = ["fold", "test window", "trial", "params", "sharpe", "trades"];
        out.push_str(&Table::with_rows(&headers, rows).render());
    }
    let d = &best["deflated_sharpe"];
    if !d.is_null() {
        out.push_str(&format!(
            "\ndeflated Sharpe ratio: {} (probability the Sharpe is real after {} trials, ≈ {} independent; {} {} returns)\n",
            cell(&d["dsr"]),
            cell(&d["n_trials"]),
            cell(&d["n_eff"]),
            cell(&d["n_obs"]),
            if d["period"] == "day" { "daily" } else { "bar" }
        ));
    }
    out
}

/// `ema_fast 9, ema_slow 26, R 2` (then `atr_k` and `symbol` when present).
fn params_text(p: &Value) -> String {
    if !p.is_object() {
        return "-".into();
    }
    ["ema_fast", "ema_slow", "R", "atr_k", "symbol"]
        .iter()
        .filter(|k| p.get(**k).is_some())
        .map(|k| format!("{k} {}", cell(&p[*k])))
        .collect::<Vec<_>>()
        .join(", ")
}
