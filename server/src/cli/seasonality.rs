//! `qe seasonality run|optimize --spec F [--json]`: the seasonality job bodies, run locally.
//! Exit status 2 for a bad spec (the message names the field or file), 1 for a failed run.

use super::output::CliError;
use crate::cli::output::outln;
use crate::config::Config;
use crate::plot::Figure;
use app::charts::{BarChart, ChartSpec};
use clap::{Args, Subcommand};
use engine::jobs::seasonality as job;
use engine::jobs::{JobContext, JobError, JobResult};
use model::results::{SeasonalityOptimizeResult, SeasonalityResult};
use model::runs::BacktestMetrics;
use model::seasonality::{Measure, MeasureStats, ProfileRow};
use model::spec::seasonality::{parse_seasonality, SeasonalitySpec};
use serde_json::Value;
use std::collections::BTreeSet;
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
    parse_seasonality(value).map_err(|e| format!("{}: {}: {}", path.display(), e.field(), e.message))
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
        job::optimize(&ctx, spec)
            .await
            .map(|r| (JobResult::SeasonalityOptimize(Box::new(r)), Vec::new()))
    } else {
        job::run_detailed(&ctx, spec)
            .await
            .map(|d| (JobResult::Seasonality(Box::new(d.result)), d.profiles))
    };
    let (result, profiles) = match done {
        Ok(x) => x,
        Err(e @ (JobError::Spec { .. } | JobError::Data(engine::data::DataError::Spec { .. }))) => {
            return Err(CliError::Usage(format!("{}: {e}", args.spec.display())).into())
        }
        Err(e) => return Err(CliError::Failed(e.to_string()).into()),
    };
    if let Some(path) = &args.plot {
        let figure =
            profile_chart(&profiles, args.plot_dim.as_deref(), args.plot_symbol.as_deref()).map_err(CliError::Usage)?;
        crate::plot::write(path, &figure).map_err(|e| CliError::Failed(format!("{}: {e}", path.display())))?;
    }
    match &result {
        _ if args.json => outln!("{}", serde_json::to_string(&result)?),
        JobResult::SeasonalityOptimize(r) => print_optimize(r),
        JobResult::Seasonality(r) => print_run(r, &profiles),
        JobResult::Optimize(_) | JobResult::Stats(_) => {}
    }
    Ok(())
}

/// The profile chart of one (symbol, dim) of the run's profiles, with the rows' own 95% intervals.
fn profile_chart(rows: &[ProfileRow], dim: Option<&str>, symbol: Option<&str>) -> Result<Figure, String> {
    let first = rows
        .iter()
        .find(|r| dim.is_none_or(|d| r.dim == d) && symbol.is_none_or(|s| r.symbol == s))
        .ok_or_else(|| format!("--plot: no profile rows for dim {dim:?} and symbol {symbol:?}"))?;
    let group: Vec<&ProfileRow> = rows
        .iter()
        .filter(|r| r.dim == first.dim && r.symbol == first.symbol)
        .collect();
    let whisker = |r: &ProfileRow| match &r.stats {
        MeasureStats::Direction { ci_low, ci_high, .. } => ci_low.zip(*ci_high),
        MeasureStats::Return { .. } => None,
    };
    let chart = BarChart {
        labels: group.iter().map(|r| r.bin.to_string()).collect(),
        values: group.iter().map(|r| r.score()).collect(),
        whiskers: group.iter().map(|r| whisker(r)).collect(),
        baseline: first.baseline,
        x_label: first.dim.replace('_', " "),
        y_label: if first.measure() == Measure::Direction {
            "P(up)".into()
        } else {
            "mean return".into()
        },
        percent: false,
    };
    Ok(Figure {
        title: format!(
            "{} {} {} by {}",
            first.symbol,
            first.timeframe,
            first.measure(),
            first.dim
        ),
        chart: ChartSpec::Bars(chart),
    })
}

/// Four decimals; `-` for a value that is not finite (written null).
fn fixed4(x: f64) -> String {
    if x.is_finite() {
        format!("{x:.4}")
    } else {
        "-".into()
    }
}

fn opt(x: Option<f64>) -> String {
    x.map(fixed4).unwrap_or_else(|| "-".into())
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

fn metrics_line(label: &str, m: Option<&BacktestMetrics>) {
    let cells: Vec<String> = match m {
        Some(m) => std::iter::once(m.n_trades.to_string())
            .chain([m.sharpe, m.sortino, m.max_drawdown, m.cagr, m.hit_rate, m.avg_r].map(fixed4))
            .collect(),
        None => vec!["-".to_string(); METRIC_KEYS.len()],
    };
    let cells: Vec<String> = cells.iter().map(|c| format!("{c:>14}")).collect();
    outln!("{label:<10}{}", cells.join(""));
}

fn metrics_header() {
    let cells: Vec<String> = METRIC_KEYS.iter().map(|k| format!("{k:>14}")).collect();
    outln!("{:<10}{}", "fold", cells.join(""));
}

fn print_run(result: &SeasonalityResult, profiles: &[ProfileRow]) {
    outln!(
        "run {}  symbols {}  in_sample {}",
        result.run_id.as_deref().unwrap_or("-"),
        serde_json::to_string(&result.symbols).unwrap_or_default(),
        result.in_sample
    );
    let selected = match result.folds.last() {
        Some(f) if result.active_bins.is_empty() => &f.rules.active_bins,
        _ => &result.active_bins,
    };
    let mut dims: Vec<&str> = Vec::new();
    for r in profiles {
        if !dims.contains(&r.dim.as_str()) {
            dims.push(&r.dim);
        }
    }
    let none = BTreeSet::new();
    for dim in dims {
        let bins = selected.get(dim).unwrap_or(&none);
        outln!(
            "\n{dim}  (selected: {})",
            serde_json::to_string(bins).unwrap_or_default()
        );
        outln!(
            "  {:<10}{:>8}{:>10}{:>10}{:>10}{:>10}{:>10}  sel",
            "symbol",
            "bin",
            "n",
            "score",
            "ci_low",
            "ci_high",
            "lift"
        );
        for r in profiles.iter().filter(|r| r.dim == dim) {
            let (lo, hi) = match r.stats {
                MeasureStats::Direction { ci_low, ci_high, .. } => (ci_low, ci_high),
                MeasureStats::Return { .. } => (None, None),
            };
            let mark = if bins.contains(&r.bin) { "*" } else { "" };
            outln!(
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
    outln!();
    metrics_header();
    for f in &result.folds {
        metrics_line(&f.fold.to_string(), Some(&f.metrics.metrics));
    }
    metrics_line("stitched", result.oos_metrics.as_ref());
    if let Some(best) = &result.best_metrics {
        outln!("best fold (original's best_metrics): {}", best.fold_index);
    }
}

fn print_optimize(result: &SeasonalityOptimizeResult) {
    outln!("best value   {}", opt(result.best_value));
    let params = match &result.best_params {
        Some(p) => serde_json::to_string(p).unwrap_or_default(),
        None => "{}".into(),
    };
    outln!("best params  {params}");
    outln!("trials       {}  (seed {})", result.n_trials, result.seed);
    metrics_header();
    metrics_line("best", result.best_metrics.as_ref().map(|m| &m.metrics));
    metrics_line("stitched", result.best_oos_metrics.as_ref());
    let p = &result.paths;
    for (k, v) in [
        ("trials", Some(&p.trials)),
        ("summary", Some(&p.summary)),
        ("best_run", p.best_run.as_ref()),
    ] {
        if let Some(v) = v {
            outln!("{k:<12} {v}");
        }
    }
}
