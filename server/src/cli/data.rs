//! `qe data …`: market-data commands.

use super::output::CliError;
use crate::cli::output::outln;
use crate::config::Config;
use anyhow::Context;
use clap::{Args, Subcommand};
use std::path::PathBuf;

#[derive(Debug, Subcommand)]
pub enum DataCommand {
    /// Write deterministic demo OHLCV (several symbols, planted hour and weekday effects) as CSV and Parquet.
    Synth(SynthArgs),
    /// Data-quality report of a file or of a spec's `data` block: span, interval, gaps, duplicates, bad rows.
    /// Exits 1 after the report when a job would refuse the data (bad rows, or no bars selected).
    Inspect(InspectArgs),
    /// Convert a bar file between CSV, JSON (array or lines) and Parquet, validating it on the way.
    Convert(ConvertArgs),
    /// Binance klines: incremental REST backfill, live WebSocket stream, archive import (one Parquet file per
    /// symbol and interval).
    #[command(subcommand)]
    Binance(super::binance::BinanceCommand),
}

#[derive(Debug, Args)]
pub struct InspectArgs {
    /// The file to inspect (CSV, JSON, JSON lines or Parquet).
    #[arg(required_unless_present = "spec", conflicts_with = "spec")]
    pub file: Option<PathBuf>,
    /// A job spec (or a bare `data` block) whose `data` selection to inspect, file or MySQL.
    #[arg(long)]
    pub spec: Option<PathBuf>,
    /// Set from the global `--json`: print JSON instead of tables.
    #[arg(skip)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct ConvertArgs {
    /// Input file (.csv, .json, .jsonl, .ndjson, .parquet).
    pub input: PathBuf,
    /// Output file; the format follows the extension.
    pub output: PathBuf,
}

#[derive(Debug, Args)]
pub struct SynthArgs {
    /// Output directory (default: `<home>/data`).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// File stem: writes `<name>.csv`, `<name>.parquet` and `<name>_truth.json`.
    #[arg(long, default_value = "demo")]
    pub name: String,
    /// Number of calendar days from 2024-01-01.
    #[arg(long, default_value_t = 366)]
    pub days: u32,
    /// Bar length in minutes.
    #[arg(long, default_value_t = 5)]
    pub bar_minutes: u32,
    /// Random seed; the same seed always gives the same bars.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Also record the files in the database so the dashboard lists them.
    #[arg(long)]
    pub register: bool,
}

pub async fn run(config: &Config, cmd: DataCommand) -> anyhow::Result<()> {
    match cmd {
        DataCommand::Synth(args) => {
            let spec = engine::data::synth::SynthSpec {
                days: args.days,
                bar_minutes: args.bar_minutes,
                seed: args.seed,
                ..engine::data::synth::SynthSpec::demo()
            };
            let dir = args.out.unwrap_or_else(|| config.demo_dir());
            let written = crate::demo::write(&spec, &dir, &args.name)?;
            for r in &written {
                outln!(
                    "{:<8} {:>8} bars  {} → {}  {}",
                    r.symbol,
                    r.n_bars,
                    r.start,
                    r.end,
                    r.path
                );
            }
            if args.register {
                let store = engine::store::Store::connect(&config.db_url()).await?;
                engine::store::datasets::upsert(&store, &written).await?;
                outln!(
                    "registered {} series in {}",
                    written.len(),
                    engine::store::redact_url(&config.db_url())
                );
            }
            Ok(())
        }
        DataCommand::Inspect(args) => inspect(config, args),
        DataCommand::Binance(cmd) => super::binance::run(cmd, false).await,
        DataCommand::Convert(args) => {
            let bars = engine::data::load_file(&args.input)?;
            engine::data::write::write_file(&bars, &args.output)
                .with_context(|| format!("writing {}", args.output.display()))?;
            let n: usize = bars.iter().map(|b| b.len()).sum();
            outln!("wrote {n} bars ({} symbols) to {}", bars.len(), args.output.display());
            Ok(())
        }
    }
}

/// Inspects a file, or a spec's selection with its paths resolved under the configured data root.
fn inspect(config: &Config, args: InspectArgs) -> anyhow::Result<()> {
    let report = match (&args.file, &args.spec) {
        (Some(file), _) => engine::data::inspect_file(file)?,
        (None, Some(spec_path)) => {
            let value = super::local::read_spec(spec_path)?;
            // A submit spec (it has a `strategy`) has no MySQL schema default; stats and seasonality use `marketdata`.
            let schema_default = if value.get("strategy").is_some() {
                None
            } else {
                Some("marketdata")
            };
            let data = value.get("data").cloned().unwrap_or(value);
            let spec: model::spec::DataSpec =
                model::spec::from_value(data).map_err(|e| super::local::spec_error(spec_path, e.under(["data"])))?;
            let opts = engine::data::LoadOptions::from_env(Some(config.data_root.clone()), schema_default);
            engine::data::inspect(&spec, &opts)?
        }
        (None, None) => return Err(CliError::Usage("give a file or --spec FILE".into()).into()),
    };
    if args.json {
        super::output::print_out(&format!("{}\n", serde_json::to_string_pretty(&report)?))?;
    } else {
        super::output::print_out(&report.to_string())?;
    }
    refusal(&report).map_or(Ok(()), |why| Err(anyhow::anyhow!(why)))
}

/// Why a job would refuse this data (the loader refuses every bad row, and an empty selection), if it would:
/// the gate that makes `qe data inspect` exit 1 after its report.
fn refusal(report: &engine::data::Report) -> Option<String> {
    if report.bad_rows > 0 {
        let s = if report.bad_rows == 1 { "" } else { "s" };
        let first = report
            .bad_row_examples
            .first()
            .map(|b| format!(" (first: {}, column `{}`: {})", b.at, b.column, b.reason))
            .unwrap_or_default();
        return Some(format!(
            "{}: {} bad row{s} a job would refuse{first}",
            report.source, report.bad_rows
        ));
    }
    (report.bars == 0).then(|| format!("{}: no bars selected; a job would refuse it", report.source))
}
