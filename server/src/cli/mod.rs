//! The command line: one subcommand per job, clap-derived.

pub mod client;
mod completions;
mod data;
pub mod output;

use crate::config::Config;
use clap::{Parser, Subcommand};
use client::{jobs, runs, seasonality, stats, submit};

/// Quant Engine: backtests, market statistics and seasonality over OHLCV bars.
#[derive(Debug, Parser)]
#[command(name = "qe", version, about, propagate_version = true)]
pub struct Cli {
    #[command(flatten)]
    pub config: Config,
    /// Log as JSON lines instead of text.
    #[arg(long, env = "QE_LOG_JSON", global = true)]
    pub log_json: bool,
    /// Print results as JSON (the API's body, pretty) instead of tables.
    #[arg(long, global = true)]
    pub json: bool,
    #[command(flatten)]
    pub client: client::ClientArgs,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the dashboard and the JSON API (the default when no subcommand is given).
    Serve(crate::serve::ServeArgs),
    /// Apply database migrations and exit.
    Migrate,
    /// Market data: generate demo data.
    #[command(subcommand)]
    Data(data::DataCommand),
    /// Send a spec to the server as a job; `--wait` follows it with a progress bar (client).
    Submit(submit::SubmitArgs),
    /// Optimisation runs stored by the server (client).
    #[command(subcommand)]
    Runs(runs::RunsCommand),
    /// Market statistics stored by the server (client: `show`).
    #[command(subcommand)]
    Stats(stats::StatsCommand),
    /// Seasonality profiles and runs stored by the server (client: `profiles`, `runs`, `compare`).
    #[command(subcommand)]
    Seasonality(seasonality::SeasonalityCommand),
    /// Jobs of every kind, newest first (client).
    Jobs(jobs::JobsArgs),
    /// Ask the server to cancel a queued or running job (client).
    Cancel(jobs::CancelArgs),
    /// Print a shell completion script.
    Completions(completions::CompletionsArgs),
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
        Some(Command::Completions(args)) => {
            completions::run(args);
            Ok(())
        }
        Some(client_command) => {
            let api = client::Api::new(&cli.client);
            let out = output::Output { json: cli.json };
            run_client(&api, out, client_command).await.map_err(Into::into)
        }
    }
}

/// Runs a client command against the server.
async fn run_client(api: &client::Api, out: output::Output, cmd: Command) -> Result<(), output::CliError> {
    match cmd {
        Command::Submit(args) => submit::run(api, out, args).await,
        Command::Runs(cmd) => runs::run(api, out, cmd).await,
        Command::Stats(cmd) => stats::run(api, out, cmd).await,
        Command::Seasonality(cmd) => seasonality::run(api, out, cmd).await,
        Command::Jobs(args) => jobs::list(api, out, args).await,
        Command::Cancel(args) => jobs::cancel(api, out, args).await,
        other => Err(output::CliError::Usage(format!("{other:?} is not a client command"))),
    }
}
