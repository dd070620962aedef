//! `qe run --spec F`: runs an optimisation (submit) spec in-process and prints its result.

use super::local;
use super::output::{typed_cell, Table};
use crate::config::Config;
use clap::Args;
use model::overfitting::ReturnPeriod;
use model::results::optimize::{EmaParams, OptimizeResult, SymbolResult, TrialEntry, TrialStatus};
use model::runs::BacktestMetrics;
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
        super::output::print_out(&format!("{}\n", serde_json::to_string_pretty(&result)?))?;
    } else {
        super::output::print_out(&leaderboard(&result, &ctx.run_id, args.top))?;
    }
    Ok(())
}

/// The readable report: per symbol the top trials by out-of-sample objective, then the best trial's
/// out-of-sample (and in-sample) metrics, the walk-forward folds and the deflated Sharpe ratio.
pub fn leaderboard(result: &OptimizeResult, run_id: &str, top: usize) -> String {
    let objective = result.objective.key();
    let mut out = format!("run {run_id} · objective {objective}\n");
    if result.in_sample_selection {
        out.push_str("selection: in-sample (no train window): these figures are optimistic\n");
    } else {
        out.push_str("selection: walk-forward (parameters chosen on each fold's train window)\n");
    }
    for s in result.per_symbol() {
        out.push('\n');
        out.push_str(&symbol_report(s, objective, top));
    }
    out.push_str(&format!(
        "\nartifacts: {} and the per-fold files beside it\n",
        result.trials_path
    ));
    out
}

fn symbol_report(s: &SymbolResult, objective: &str, top: usize) -> String {
    let trials = &s.trials;
    let mut ranked: Vec<&TrialEntry> = trials.iter().collect();
    let key = |t: &TrialEntry| t.objective_value.unwrap_or(f64::NEG_INFINITY);
    ranked.sort_by(|a, b| key(b).total_cmp(&key(a)));
    let complete = trials.iter().filter(|t| t.status == TrialStatus::Complete).count();
    let mut out = format!(
        "{}: top {} of {} trials ({complete} complete) by out-of-sample {objective}\n",
        s.symbol,
        top.min(trials.len()),
        trials.len()
    );
    let with_atr = trials.first().is_some_and(|t| t.params.atr_k.is_some());
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
            let (p, m) = (&t.params, &t.metrics);
            let mut row = vec![
                typed_cell(t.trial_number),
                typed_cell(p.ema_fast),
                typed_cell(p.ema_slow),
                typed_cell(p.r),
            ];
            if with_atr {
                row.push(typed_cell(p.atr_k));
            }
            row.extend([t.status.to_string(), typed_cell(t.objective_value)]);
            if with_sharpe {
                row.push(typed_cell(m.sharpe));
            }
            row.extend([
                typed_cell(m.sortino),
                typed_cell(m.max_drawdown),
                typed_cell(m.cagr),
                typed_cell(m.n_trades),
                typed_cell(t.in_sample.map(|m| m.sharpe)),
            ]);
            row
        })
        .collect();
    out.push_str(&Table::with_rows(&headers, rows).render());
    out.push_str(&best_report(s));
    out
}

const METRIC_HEADERS: [&str; 12] = [
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

fn metric_row(label: &str, m: &BacktestMetrics) -> Vec<String> {
    let values = [
        typed_cell(m.sharpe),
        typed_cell(m.sortino),
        typed_cell(m.max_drawdown),
        typed_cell(m.cagr),
        typed_cell(m.calmar),
        typed_cell(m.hit_rate),
        typed_cell(m.avg_r),
        typed_cell(m.n_trades),
        typed_cell(m.profit_factor),
        typed_cell(m.expectancy),
        typed_cell(m.exposure),
        typed_cell(m.sqn),
    ];
    std::iter::once(label.to_string()).chain(values).collect()
}

fn best_report(s: &SymbolResult) -> String {
    let Some(best) = &s.best else {
        return "\nno trial qualified as best (too few trades or no valid trial)\n".into();
    };
    let mut out = format!(
        "\nbest trial #{}: {}\n",
        best.trial_number,
        params_text(Some(&best.params))
    );
    let mut rows = vec![metric_row("out of sample", &best.metrics)];
    if let Some(m) = &best.in_sample {
        rows.push(metric_row("in sample", m));
    }
    let wf = &s.walk_forward;
    if let Some(m) = &wf.metrics {
        rows.push(metric_row("walk-forward", m));
    }
    let mut headers = vec![""];
    headers.extend(METRIC_HEADERS);
    out.push_str(&Table::with_rows(&headers, rows).render());
    if !wf.folds.is_empty() {
        out.push_str("\nwalk-forward folds (test windows)\n");
        let rows: Vec<Vec<String>> = wf
            .folds
            .iter()
            .map(|f| {
                vec![
                    typed_cell(f.fold),
                    format!("{} → {}", f.test_start, f.test_end),
                    typed_cell(f.trial_number),
                    params_text(f.params.as_ref()),
                    typed_cell(f.metrics.sharpe),
                    typed_cell(f.metrics.n_trades),
                ]
            })
            .collect();
        let headers = ["fold", "test window", "trial", "params", "sharpe", "trades"];
        out.push_str(&Table::with_rows(&headers, rows).render());
    }
    if let Some(d) = &best.deflated_sharpe {
        out.push_str(&format!(
            "\ndeflated Sharpe ratio: {} (probability the Sharpe is real after {} trials, ≈ {} independent; {} {} returns)\n",
            typed_cell(d.dsr),
            d.n_trials,
            typed_cell(d.n_eff),
            d.n_obs,
            if d.period == ReturnPeriod::Day { "daily" } else { "bar" }
        ));
    }
    out
}

/// `ema_fast 9, ema_slow 26, R 2` (then `atr_k` when searched); `-` without parameters.
fn params_text(p: Option<&EmaParams>) -> String {
    let Some(p) = p else { return "-".into() };
    let mut parts = vec![
        format!("ema_fast {}", p.ema_fast),
        format!("ema_slow {}", p.ema_slow),
        format!("R {}", typed_cell(p.r)),
    ];
    if let Some(k) = p.atr_k {
        parts.push(format!("atr_k {}", typed_cell(k)));
    }
    parts.join(", ")
}
