//! `qe worker`: runs optimisation tasks from NATS JetStream until SIGTERM or Ctrl-C (then finishes its tasks).

use clap::Args;
use engine::jobs::nats::worker::{self, WorkerOptions};
use engine::jobs::nats::NatsSettings;

#[derive(Debug, Args)]
pub struct WorkerArgs {
    /// The NATS server the `qe serve` coordinating the jobs uses.
    #[arg(long = "nats", env = "QE_NATS_URL")]
    pub nats_url: String,
    /// Tasks run at once (each uses every core through rayon).
    #[arg(long, env = "QE_WORKER_CONCURRENCY", default_value_t = 1)]
    pub concurrency: usize,
    /// The name `GET /workers` shows (default `<host>-<pid>`).
    #[arg(long, env = "QE_WORKER_NAME")]
    pub name: Option<String>,
}

/// Runs `qe worker`.
pub async fn run(args: WorkerArgs) -> anyhow::Result<()> {
    let opts = WorkerOptions {
        settings: NatsSettings::from_env(&args.nats_url)?,
        concurrency: args.concurrency,
        name: args.name,
    };
    worker::run(opts, crate::serve::shutdown_signal()).await?;
    Ok(())
}
