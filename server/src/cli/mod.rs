//! The command line: one subcommand per job, clap-derived.

mod data;
mod local;
mod run;
mod seasonality;
mod stats;
mod table;

use crate::config::Config;
use clap::{Parser, Subcommand};

/// Quant Engine: backtests, market statistics and seasonality over OHLCV bars.
#[derive(Debug, Parser)]
#[command(name = "qe", version, about, propagate_version = true)]
pub struct Cli {
    #[command(flatten)]
    pub config: Config,
    /// Log as JSON lines instead of text.
    #[arg(long, env = "QE_LOG_JSON", global = true)]
    pub log_json: bool,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the dashboard and the JSON API (the default when no subcommand is given).
    Serve(crate::serve::ServeArgs),
    /// Apply database migrations and exit.
    Migrate,
    /// Market data: generate demo data, inspect and convert bar files.
    #[command(subcommand)]
    Data(data::DataCommand),
    /// Run an optimisation (submit) spec locally and print its leaderboard or result JSON.
    Run(run::RunArgs),
    /// Market statistics: run a stats spec locally.
    #[command(subcommand)]
    Stats(stats::StatsCommand),
    /// Seasonality: run a spec, optimise its bin selection.
    #[command(subcommand)]
    Seasonality(seasonality::SeasonalityCommand),
}

/// Runs the parsed command line.
pub async fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        None => crate::serve::serve(&cli.config, crate::serve::ServeArgs::from_env()).await,
        Some(Command::Serve(args)) => crate::serve::serve(&cli.config, args).await,
        Some(Command::Migrate) => {
            let url = cli.config.db_url();
            engine::store::Store::connect(&url).await?;
            println!("migrations applied to {url}");
            Ok(())
        }
        Some(Command::Data(cmd)) => data::run(&cli.config, cmd).await,
        Some(Command::Run(args)) => run::run(&cli.config, args).await,
        Some(Command::Stats(cmd)) => stats::run(&cli.config, cmd).await,
        Some(Command::Seasonality(cmd)) => seasonality::run(&cli.config, cmd).await,
    }
}
