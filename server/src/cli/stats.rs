//! `qe stats run --spec F`: runs a market-stats spec in-process and prints its rows.

use super::local;
use super::output::{typed_cell, Table};
use crate::config::Config;
use clap::{Args, Subcommand};
use model::results::StatsResult;
use model::stats::StatRow;
use std::path::PathBuf;

#[derive(Debug, Subcommand)]
pub enum StatsCommand {
    /// Count events × conditions × targets over the spec's data (the original's `stats run`).
    Run(StatsRunArgs),
}

#[derive(Debug, Args)]
pub struct StatsRunArgs {
    /// The stats spec (the original's `POST /stats/run` body).
    #[arg(long)]
    pub spec: PathBuf,
    /// Set from the global `--json`: print JSON instead of tables.
    #[arg(skip)]
    pub json: bool,
    /// Write `stats_summary.parquet` and `stats_details.parquet` here (default: the spec's `artifacts.out_dir`;
    /// no files when neither is given).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Do not store the rows in `market_stats` even when the spec's `persistence` asks for it.
    #[arg(long)]
    pub no_store: bool,
    /// Rows of the table.
    #[arg(long, default_value_t = 10)]
    pub top: usize,
}

pub async fn run(config: &Config, cmd: StatsCommand) -> anyhow::Result<()> {
    match cmd {
        StatsCommand::Run(args) => run_stats(config, args).await,
    }
}

async fn run_stats(config: &Config, args: StatsRunArgs) -> anyhow::Result<()> {
    let value = local::read_spec(&args.spec)?;
    let mut spec = model::spec::stats::parse_stats(value).map_err(|e| local::spec_error(&args.spec, e))?;
    local::resolve_data_path(&mut spec.data, &config.data_root);
    local::check_time_range(&args.spec, &spec.data)?;
    let out = args.out.clone().or_else(|| spec.out_dir.clone().map(PathBuf::from));
    if let Some(dir) = &out {
        spec.out_dir = Some(dir.display().to_string());
    }
    let no_store = args.no_store || !spec.persistence.enabled;
    let ctx = local::context(config, out, no_store).await?;
    let stored = ctx.store.is_some();
    let writes_files = spec.out_dir.is_some();
    let result = engine::jobs::stats::execute(&ctx, spec)
        .await
        .map_err(local::job_failed)?;
    let n = result.rows.len();
    if writes_files {
        eprintln!("wrote {}", ctx.out_dir.join("stats_summary.parquet").display());
    }
    if stored {
        eprintln!(
            "stored {n} rows in market_stats ({})",
            engine::store::redact_url(&config.db_url())
        );
    }
    if args.json {
        super::output::print_out(&format!("{}\n", serde_json::to_string_pretty(&result)?))?;
    } else {
        super::output::print_out(&top_rows(&result, args.top))?;
    }
    Ok(())
}

/// The test-split rows with the largest `lift_freq` first (what the original's `stats run` meant to print), rows
/// with enough observations (`insufficient` false) before the others.
pub fn top_rows(result: &StatsResult, top: usize) -> String {
    let rows = &result.rows;
    let mut test: Vec<&StatRow> = rows.iter().filter(|r| r.split == "test").collect();
    if test.is_empty() {
        return "No statistics available\n".into();
    }
    let lift = |r: &StatRow| Some(r.lift_freq).filter(|x| x.is_finite()).unwrap_or(f64::NEG_INFINITY);
    test.sort_by(|a, b| a.insufficient.cmp(&b.insufficient).then(lift(b).total_cmp(&lift(a))));
    let columns = [
        "symbol",
        "fold",
        "event",
        "condition_name",
        "condition_value",
        "target",
        "n",
        "successes",
        "p_hat",
        "ci_low",
        "ci_high",
        "lift_freq",
        "q_value",
        "significant",
        "insufficient",
    ];
    let table: Vec<Vec<String>> = test
        .iter()
        .take(top)
        .map(|r| {
            vec![
                typed_cell(&r.symbol),
                typed_cell(r.fold),
                typed_cell(&r.event),
                typed_cell(&r.condition_name),
                typed_cell(&r.condition_value),
                typed_cell(&r.target),
                typed_cell(r.n),
                typed_cell(r.successes),
                typed_cell(r.p_hat),
                typed_cell(r.ci_low),
                typed_cell(r.ci_high),
                typed_cell(r.lift_freq),
                typed_cell(r.q_value),
                typed_cell(r.significant),
                typed_cell(r.insufficient),
            ]
        })
        .collect();
    let mut out = format!(
        "top {} of {} test rows by lift_freq ({} rows in all)\n",
        table.len(),
        test.len(),
        rows.len()
    );
    out.push_str(&Table::with_rows(&columns, table).render());
    out
}
