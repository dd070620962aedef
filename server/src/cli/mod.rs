//! The command line: one subcommand per job, clap-derived.

mod bench;
mod binance;
pub mod client;
mod completions;
mod data;
mod examples;
mod local;
pub mod output;
mod run;
mod seasonality;
mod stats;
mod worker;

use crate::cli::output::outln;
use crate::config::Config;
use clap::{Parser, Subcommand};
use client::{jobs, runs, submit};

/// Quant Engine: backtests, market statistics and seasonality over OHLCV bars.
#[derive(Debug, Parser)]
#[command(name = "qe", version, propagate_version = true)]
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
    /// Market data: generate demo data, inspect and convert bar files.
    #[command(subcommand)]
    Data(data::DataCommand),
    /// Run an optimisation (submit) spec locally and print its leaderboard or result JSON.
    Run(run::RunArgs),
    /// The example specs built into the binary: list them, print one, or write them out (`--write DIR`).
    Examples(examples::ExamplesArgs),
    /// Send a spec to the server as a job; `--wait` follows it with a progress bar (client).
    Submit(submit::SubmitArgs),
    /// Optimisation runs stored by the server (client).
    #[command(subcommand)]
    Runs(runs::RunsCommand),
    /// Market statistics: `run` a spec locally, `show` stored rows (client).
    #[command(subcommand)]
    Stats(StatsCommand),
    /// Seasonality: `run`/`optimize` a spec locally; stored `profiles`, `runs`, `compare` (client).
    #[command(subcommand)]
    Seasonality(SeasonalityCommand),
    /// Jobs of every kind, newest first (client).
    Jobs(jobs::JobsArgs),
    /// Ask the server to cancel a queued or running job (client).
    Cancel(jobs::CancelArgs),
    /// Run optimisation tasks from NATS JetStream for a `qe serve` started with `QE_NATS_URL`.
    Worker(worker::WorkerArgs),
    /// The live `qe worker`s (client).
    Workers,
    /// A job's tasks on the workers: status, worker, attempts (client).
    Tasks(jobs::TasksArgs),
    /// Print a shell completion script.
    Completions(completions::CompletionsArgs),
    /// Benchmarks on generated data: load, kernel, optimise, stats, seasonality (median, min, target, peak memory).
    Bench(bench::BenchArgs),
}

/// `qe stats …`: the local run and the client commands.
#[derive(Debug, Subcommand)]
pub enum StatsCommand {
    #[command(flatten)]
    Local(stats::StatsCommand),
    #[command(flatten)]
    Client(client::stats::StatsCommand),
}

/// `qe seasonality …`: the local run and optimisation, and the client commands.
#[derive(Debug, Subcommand)]
pub enum SeasonalityCommand {
    #[command(flatten)]
    Local(seasonality::SeasonalityCommand),
    #[command(flatten)]
    Client(client::seasonality::SeasonalityCommand),
}

/// Runs the parsed command line.
pub async fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        None => crate::serve::serve(&cli.config, crate::serve::ServeArgs::from_env()).await,
        Some(Command::Serve(args)) => crate::serve::serve(&cli.config, args).await,
        Some(Command::Migrate) => {
            let url = cli.config.db_url();
            engine::store::Store::connect(&url).await?;
            outln!("migrations applied to {}", engine::store::redact_url(&url));
            Ok(())
        }
        Some(Command::Data(data::DataCommand::Inspect(mut args))) => {
            args.json = cli.json;
            data::run(&cli.config, data::DataCommand::Inspect(args)).await
        }
        Some(Command::Data(data::DataCommand::Binance(cmd))) => binance::run(cmd, cli.json).await,
        Some(Command::Data(cmd)) => data::run(&cli.config, cmd).await,
        Some(Command::Run(mut args)) => {
            args.json = cli.json;
            run::run(&cli.config, args).await
        }
        Some(Command::Stats(StatsCommand::Local(stats::StatsCommand::Run(mut args)))) => {
            args.json = cli.json;
            stats::run(&cli.config, stats::StatsCommand::Run(args)).await
        }
        Some(Command::Seasonality(SeasonalityCommand::Local(cmd))) => {
            seasonality::run(&cli.config, seasonality::with_json(cmd, cli.json)).await
        }
        Some(Command::Examples(args)) => examples::run(output::Output { json: cli.json }, args).map_err(Into::into),
        Some(Command::Worker(args)) => worker::run(args).await,
        Some(Command::Completions(args)) => {
            completions::run(args);
            Ok(())
        }
        Some(Command::Bench(args)) => {
            let json = cli.json;
            tokio::task::spawn_blocking(move || bench::run(args, json)).await?
        }
        Some(mut client_command) => {
            // The server names artifacts relative to its artifacts root: on the same machine, ours.
            if let Command::Runs(client::runs::RunsCommand::Show(a)) = &mut client_command {
                a.artifacts_dir = Some(cli.config.artifacts_dir());
            }
            let api = client::Api::new(&cli.client);
            let out = output::Output { json: cli.json };
            run_client(&api, out, client_command).await.map_err(Into::into)
        }
    }
}

/// Runs a client command against the server.
async fn run_client(api: &client::Api, out: output::Output, cmd: Command) -> Result<(), output::CliError> {
    match cmd {
        Command::Submit(args) => client::submit::run(api, out, args).await,
        Command::Runs(cmd) => client::runs::run(api, out, cmd).await,
        Command::Stats(StatsCommand::Client(cmd)) => client::stats::run(api, out, cmd).await,
        Command::Seasonality(SeasonalityCommand::Client(cmd)) => client::seasonality::run(api, out, cmd).await,
        Command::Jobs(args) => client::jobs::list(api, out, args).await,
        Command::Cancel(args) => client::jobs::cancel(api, out, args).await,
        Command::Workers => client::jobs::workers(api, out).await,
        Command::Tasks(args) => client::jobs::tasks(api, out, args).await,
        other => Err(output::CliError::Usage(format!("{other:?} is not a client command"))),
    }
}
