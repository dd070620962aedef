//! `qe seasonality run|optimize --spec F [--json]`: the seasonality job bodies, run locally.
//! Exit status 2 for a bad spec (the message names the field or file), 1 for a failed run.

use super::output::CliError;
use crate::config::Config;
use crate::plot::{ProfileBar, ProfileChart};
use clap::{Args, Subcommand};
use engine::jobs::seasonality as job;
use engine::jobs::{JobContext, JobError};
use model::seasonality::{Measure, MeasureStats, ProfileRow};
use model::spec::seasonality::{parse_seasonality, SeasonalitySpec};
use serde_json::Value;
use std::path::{Path, PathBuf};

#[derive(Debug, Subcommand)]
pub enum SeasonalityCommand {
    /// Profile, select bins, backtest every fold; prints the `result` of `POST /seasonality/run`.
    Run(SpecArgs),
    /// Search bin-selection parameters (seeded); prints `{best_value, best_params, best_metrics, paths}`.
    Optimize(SpecArgs),
}

#[derive(Debug, Args)]
pub struct SpecArgs {
    /// The seasonality spec (JSON, the original's format).
    #[arg(long)]
    pub spec: PathBuf,
    /// Set from the global `--json`: print JSON instead of tables.
    #[arg(skip)]
    pub json: bool,
    /// Artifact directory (default: `<artifacts dir>/<run id>`).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Do not record the run in the database.
    #[arg(long)]
    pub no_store: bool,
    /// `run` only: draw a profile (p̂ or mean return per bin, 95% interval whiskers, baseline) as PNG or SVG.
    #[arg(long)]
    pub plot: Option<PathBuf>,
    /// The dim and symbol of `--plot` (default: the first dim and symbol profiled).
    #[arg(long, requires = "plot")]
    pub plot_dim: Option<String>,
    #[arg(long, requires = "plot")]
    pub plot_symbol: Option<String>,
}

fn read_spec(path: &Path) -> Result<SeasonalitySpec, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let value: Value = serde_json::from_str(&text).map_err(|e| {
        format!(
            "{}: invalid JSON at line {}, column {}: {e}",
            path.display(),
            e.line(),
            e.column()
        )
    })?;
    parse_seasonality(value).map_err(|e| format!("{}: {}: {}", path.display(), e.field, e.message))
}

/// `cmd` with the global `--json` applied.
pub fn with_json(cmd: SeasonalityCommand, json: bool) -> SeasonalityCommand {
    match cmd {
        SeasonalityCommand::Run(mut a) => {
            a.json = json;
            SeasonalityCommand::Run(a)
        }
        SeasonalityCommand::Optimize(mut a) => {
            a.json = json;
            SeasonalityCommand::Optimize(a)
        }
    }
}

/// Runs a `qe seasonality` command.
pub async fn run(config: &Config, cmd: SeasonalityCommand) -> anyhow::Result<()> {
    let (args, optimize) = match cmd {
        SeasonalityCommand::Run(a) => (a, false),
        SeasonalityCommand::Optimize(a) => (a, true),
    };
    let spec = read_spec(&args.spec).map_err(CliError::Usage)?;
    let run_id = job::new_run_id();
    let out = args.out.clone().unwrap_or_else(|| config.artifacts_dir().join(&run_id));
    let store = if args.no_store {
        None
    } else {
        Some(engine::store::Store::connect(&config.db_url()).await?)
    };
    let load = engine::data::LoadOptions::from_env(None, Some("marketdata"));
    let ctx = JobContext::local(&run_id, out, store, load);
    let done = if optimize {
        job::optimize(&ctx, spec).await.map(|r| (r, Vec::new()))
    } else {
        job::run_detailed(&ctx, spec).await.map(|d| (d.result, d.profiles))
    };
    let (result, profiles) = match done {
        Ok(x) => x,
        Err(e @ (JobError::Spec { .. } | JobError::Data(engine::data::DataError::Spec { .. }))) => {
            return Err(CliError::Usage(format!("{}: {e}", args.spec.display())).into())
        }
        Err(e) => return Err(CliError::Failed(e.to_string()).into()),
    };
    if let Some(path) = &args.plot {
        let chart =
            profile_chart(&profiles, args.plot_dim.as_deref(), args.plot_symbol.as_deref()).map_err(CliError::Usage)?;
        crate::plot::draw_profile(path, &chart).map_err(|e| CliError::Failed(format!("{}: {e}", path.display())))?;
    }
    if args.json {
        println!("{}", serde_json::to_string(&result)?);
    } else if optimize {
        print_optimize(&result);
    } else {
        print_run(&result, &profiles);
    }
    Ok(())
}

/// The profile chart of one (symbol, dim) of the run's profiles, with the rows' own 95% intervals.
fn profile_chart(rows: &[ProfileRow], dim: Option<&str>, symbol: Option<&str>) -> Result<ProfileChart, String> {
    let first = rows
        .iter()
        .find(|r| dim.is_none_or(|d| r.dim == d) && symbol.is_none_or(|s| r.symbol == s))
        .ok_or_else(|| format!("--plot: no profile rows for dim {dim:?} and symbol {symbol:?}"))?;
    let group: Vec<&ProfileRow> = rows
        .iter()
        .filter(|r| r.dim == first.dim && r.symbol == first.symbol)
        .collect();
    let bars = group
        .iter()
        .filter_map(|r| {
            let (low, high) = match &r.stats {
                MeasureStats::Direction { ci_low, ci_high, .. } => (*ci_low, *ci_high),
                MeasureStats::Return { .. } => (None, None),
            };
            Some(ProfileBar {
                label: r.bin.to_string(),
                value: r.score()?,
                low,
                high,
            })
        })
        .collect();
    Ok(ProfileChart {
        title: format!(
            "{} {} {} by {}",
            first.symbol,
            first.timeframe,
            first.measure(),
            first.dim
        ),
        y_label: if first.measure() == Measure::Direction {
            "P(up)".into()
        } else {
            "mean return".into()
        },
        bars,
        baseline: first.baseline,
        baseline_label: "baseline".into(),
    })
}

fn num(v: &Value) -> String {
    match v {
        Value::Number(n) if n.is_u64() || n.is_i64() => n.to_string(),
        Value::Number(n) => n.as_f64().map(|f| format!("{f:.4}")).unwrap_or_else(|| n.to_string()),
        Value::Null => "-".into(),
        other => other.to_string(),
    }
}

fn opt(x: Option<f64>) -> String {
    x.map(|f| format!("{f:.4}")).unwrap_or_else(|| "-".into())
}

const METRIC_KEYS: [&str; 7] = [
    "n_trades",
    "sharpe",
    "sortino",
    "max_drawdown",
    "cagr",
    "hit_rate",
    "avg_R",
];

fn metrics_line(label: &str, m: &Value) {
    let cells: Vec<String> = METRIC_KEYS.iter().map(|k| format!("{:>14}", num(&m[*k]))).collect();
    println!("{label:<10}{}", cells.join(""));
}

fn metrics_header() {
    let cells: Vec<String> = METRIC_KEYS.iter().map(|k| format!("{k:>14}")).collect();
    println!("{:<10}{}", "fold", cells.join(""));
}

fn print_run(result: &Value, profiles: &[ProfileRow]) {
    println!(
        "run {}  symbols {}  in_sample {}",
        result["run_id"].as_str().unwrap_or("-"),
        result["symbols"],
        result["in_sample"]
    );
    let folds = result["folds"].as_array().cloned().unwrap_or_default();
    let mut selected = result["active_bins"].clone();
    if selected.as_object().is_none_or(|o| o.is_empty()) {
        selected = folds
            .last()
            .map(|f| f["rules"]["active_bins"].clone())
            .unwrap_or(Value::Null);
    }
    let mut dims: Vec<&str> = Vec::new();
    for r in profiles {
        if !dims.contains(&r.dim.as_str()) {
            dims.push(&r.dim);
        }
    }
    for dim in dims {
        let bins = selected[dim].as_array().cloned().unwrap_or_default();
        println!("\n{dim}  (selected: {})", Value::Array(bins.clone()));
        println!(
            "  {:<10}{:>8}{:>10}{:>10}{:>10}{:>10}{:>10}  sel",
            "symbol", "bin", "n", "score", "ci_low", "ci_high", "lift"
        );
        for r in profiles.iter().filter(|r| r.dim == dim) {
            let (lo, hi) = match r.stats {
                MeasureStats::Direction { ci_low, ci_high, .. } => (ci_low, ci_high),
                MeasureStats::Return { .. } => (None, None),
            };
            let bin = serde_json::to_value(&r.bin).unwrap_or(Value::Null);
            let mark = if bins.contains(&bin) { "*" } else { "" };
            println!(
                "  {:<10}{:>8}{:>10}{:>10}{:>10}{:>10}{:>10}  {mark}",
                r.symbol,
                r.bin.to_string(),
                r.n,
                opt(r.score()),
                opt(lo),
                opt(hi),
                opt(r.lift)
            );
        }
    }
    println!();
    metrics_header();
    for f in &folds {
        metrics_line(&f["fold"].to_string(), &f["metrics"]);
    }
    metrics_line("stitched", &result["oos_metrics"]);
    if let Some(best) = result["best_metrics"]["fold_index"].as_u64() {
        println!("best fold (original's best_metrics): {best}");
    }
}

fn print_optimize(result: &Value) {
    println!("best value   {}", num(&result["best_value"]));
    println!("best params  {}", result["best_params"]);
    println!("trials       {}  (seed {})", result["n_trials"], result["seed"]);
    metrics_header();
    metrics_line("best", &result["best_metrics"]);
    metrics_line("stitched", &result["best_oos_metrics"]);
    if let Some(paths) = result["paths"].as_object() {
        for (k, v) in paths {
            println!("{k:<12} {}", v.as_str().unwrap_or("-"));
        }
    }
}
