//! `qe data …`: market-data commands.

use crate::config::Config;
use clap::{Args, Subcommand};
use std::path::PathBuf;

#[derive(Debug, Subcommand)]
pub enum DataCommand {
    /// Write deterministic demo OHLCV (several symbols, planted hour and weekday effects) as CSV and Parquet.
    Synth(SynthArgs),
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
                println!(
                    "{:<8} {:>8} bars  {} → {}  {}",
                    r.symbol, r.n_bars, r.start, r.end, r.path
                );
            }
            if args.register {
                let store = engine::store::Store::connect(&config.db_url()).await?;
                engine::store::datasets::upsert(&store, &written).await?;
                println!("registered {} series in {}", written.len(), config.db_url());
            }
            Ok(())
        }
    }
}
