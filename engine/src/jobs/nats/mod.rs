//! Scale-out over NATS JetStream: an optimisation's chunks of trials, a stats run's folds and a seasonality run's
//! fold profiles become tasks on a durable work-queue stream, `qe worker`s anywhere pull them from one shared
//! consumer, and their outputs come back on a results stream.
//!
//! Subjects: `qe.tasks.<job>` (stream `QE_TASKS`, work queue, `Nats-Msg-Id` = `<job>.<task>`), `qe.results.<job>`
//! (stream `QE_RESULTS`), `qe.events.<job>` (core NATS: a worker started a task) and `qe.cancel.<job>` (core NATS).
//! Series travel once through the object store `qe_series`, named by the SHA-256 of their encoding; live workers
//! answer requests on `qe.workers.ping` (core NATS) with what they run.

mod board;
mod coordinator;
mod executors;
mod series;
mod wire;
pub mod worker;

pub use board::Board;
pub use executors::{RemoteProfiles, RemoteStats, RemoteTrials};

use async_nats::jetstream::{self, consumer, object_store, stream};
use model::tasks::WorkerRow;
use std::fmt::Display;
use std::sync::Arc;
use std::time::Duration;

const TASKS_STREAM: &str = "QE_TASKS";
const RESULTS_STREAM: &str = "QE_RESULTS";
const CONSUMER: &str = "qe-workers";
const SERIES_BUCKET: &str = "qe_series";
const WORKERS_PING: &str = "qe.workers.ping";
/// How long `GET /workers` listens for the workers' answers.
const WORKERS_LISTEN: Duration = Duration::from_millis(300);

fn task_subject(job: &str) -> String {
    format!("qe.tasks.{job}")
}

fn result_subject(job: &str) -> String {
    format!("qe.results.{job}")
}

fn event_subject(job: &str) -> String {
    format!("qe.events.{job}")
}

fn cancel_subject(job: &str) -> String {
    format!("qe.cancel.{job}")
}

/// How the server and the workers use NATS.
#[derive(Debug, Clone, PartialEq)]
pub struct NatsSettings {
    /// e.g. `nats://127.0.0.1:4222`.
    pub url: String,
    /// A task unacknowledged this long (its worker died) is delivered again (`QE_NATS_ACK_WAIT`, seconds).
    pub ack_wait: Duration,
    /// Deliveries of a task before its failure fails the job (`QE_NATS_MAX_DELIVER`).
    pub max_deliver: i64,
    /// Bars × trials per task (`QE_TASK_BAR_TRIALS`).
    pub bar_trials: u64,
}

impl NatsSettings {
    /// Settings for `url` with the `QE_NATS_ACK_WAIT`, `QE_NATS_MAX_DELIVER` and `QE_TASK_BAR_TRIALS` overrides.
    pub fn from_env(url: &str) -> Result<Self, NatsError> {
        fn var<T: std::str::FromStr>(name: &str, default: T) -> Result<T, NatsError> {
            match std::env::var(name) {
                Ok(v) => v.trim().parse().map_err(|_| NatsError::Setting {
                    name: name.to_string(),
                    value: v,
                }),
                Err(_) => Ok(default),
            }
        }
        let ack_wait: u64 = var("QE_NATS_ACK_WAIT", 30)?;
        let max_deliver: i64 = var("QE_NATS_MAX_DELIVER", 3)?;
        let bar_trials: u64 = var("QE_TASK_BAR_TRIALS", crate::optimize::chunks::DEFAULT_BAR_TRIALS)?;
        if ack_wait == 0 || max_deliver < 1 || bar_trials == 0 {
            return Err(NatsError::Setting {
                name: "QE_NATS_ACK_WAIT, QE_NATS_MAX_DELIVER or QE_TASK_BAR_TRIALS".into(),
                value: "0".into(),
            });
        }
        Ok(NatsSettings {
            url: url.to_string(),
            ack_wait: Duration::from_secs(ack_wait),
            max_deliver,
            bar_trials,
        })
    }
}

/// What went wrong talking to NATS.
#[derive(Debug, thiserror::Error)]
pub enum NatsError {
    #[error("cannot connect to NATS at {url}: {reason}")]
    Connect { url: String, reason: String },
    #[error("{name}: not a positive number: {value:?}")]
    Setting { name: String, value: String },
    #[error("NATS: {0}")]
    Io(String),
}

fn io(e: impl Display) -> NatsError {
    NatsError::Io(e.to_string())
}

/// An error of one set-up step, naming it.
fn setting_up(what: &str, e: impl Display) -> NatsError {
    NatsError::Io(format!("{what}: {e}"))
}

/// A connection with the streams, the consumer and the buckets in place; cheap to clone.
#[derive(Clone)]
pub struct Nats {
    client: async_nats::Client,
    js: jetstream::Context,
    settings: NatsSettings,
    series: object_store::ObjectStore,
    board: Arc<Board>,
}

impl std::fmt::Debug for Nats {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Nats")
            .field("settings", &self.settings)
            .finish_non_exhaustive()
    }
}

impl Nats {
    /// Connects and creates what is missing: the task and result streams, the workers' consumer, the buckets.
    pub async fn connect(settings: NatsSettings) -> Result<Nats, NatsError> {
        let client = async_nats::ConnectOptions::new()
            .name("quant-engine")
            .connect(settings.url.as_str())
            .await
            .map_err(|e| NatsError::Connect {
                url: crate::store::redact_url(&settings.url),
                reason: e.to_string(),
            })?;
        let js = jetstream::new(client.clone());
        let tasks = js
            .get_or_create_stream(stream::Config {
                name: TASKS_STREAM.into(),
                subjects: vec!["qe.tasks.>".into()],
                retention: stream::RetentionPolicy::WorkQueue,
                duplicate_window: Duration::from_secs(120),
                ..Default::default()
            })
            .await
            .map_err(|e| setting_up("the stream QE_TASKS", e))?;
        tasks
            .get_or_create_consumer(
                CONSUMER,
                consumer::pull::Config {
                    durable_name: Some(CONSUMER.into()),
                    ack_policy: consumer::AckPolicy::Explicit,
                    ack_wait: settings.ack_wait,
                    max_deliver: settings.max_deliver,
                    ..Default::default()
                },
            )
            .await
            .map_err(|e| setting_up("the consumer qe-workers", e))?;
        js.get_or_create_stream(stream::Config {
            name: RESULTS_STREAM.into(),
            subjects: vec!["qe.results.>".into()],
            max_age: Duration::from_secs(24 * 3600),
            ..Default::default()
        })
        .await
        .map_err(|e| setting_up("the stream QE_RESULTS", e))?;
        let series = match js.get_object_store(SERIES_BUCKET).await {
            Ok(s) => s,
            Err(_) => js
                .create_object_store(object_store::Config {
                    bucket: SERIES_BUCKET.into(),
                    max_age: Duration::from_secs(7 * 24 * 3600),
                    ..Default::default()
                })
                .await
                .map_err(|e| setting_up("the object store qe_series", e))?,
        };
        Ok(Nats {
            client,
            js,
            settings,
            series,
            board: Arc::new(Board::default()),
        })
    }

    /// The settings this connection was made with.
    pub fn settings(&self) -> &NatsSettings {
        &self.settings
    }

    /// The tasks of the jobs this server handed out.
    pub fn board(&self) -> &Board {
        &self.board
    }

    /// The executor of job `job`'s trials; call from a blocking thread of the runtime `handle`.
    pub fn trials(&self, job: &str, handle: tokio::runtime::Handle) -> RemoteTrials {
        RemoteTrials::new(self.clone(), job.to_string(), handle)
    }

    /// The executor of stats job `job`'s folds; call from a blocking thread of the runtime `handle`.
    pub fn stats(&self, job: &str, handle: tokio::runtime::Handle) -> RemoteStats {
        RemoteStats::new(self.clone(), job.to_string(), handle)
    }

    /// The executor of a seasonality job's fold profiles, reporting to and cancelled by `ctx`; call from a
    /// blocking thread of the runtime `handle`.
    pub fn profiles(&self, ctx: &crate::jobs::JobContext, handle: tokio::runtime::Handle) -> RemoteProfiles {
        RemoteProfiles::new(self.clone(), ctx, handle)
    }

    /// The live workers (those answering within 300 ms), by name.
    pub async fn workers(&self) -> Result<Vec<WorkerRow>, NatsError> {
        use futures_util::StreamExt;
        let inbox = self.client.new_inbox();
        let mut answers = self.client.subscribe(inbox.clone()).await.map_err(io)?;
        self.client
            .publish_with_reply(WORKERS_PING, inbox, "".into())
            .await
            .map_err(io)?;
        let mut rows = Vec::new();
        let deadline = tokio::time::sleep(WORKERS_LISTEN);
        tokio::pin!(deadline);
        loop {
            tokio::select! {
                Some(msg) = answers.next() => {
                    if let Ok(row) = serde_json::from_slice::<WorkerRow>(&msg.payload) {
                        rows.push(row);
                    }
                }
                _ = &mut deadline => break,
            }
        }
        rows.sort_by(|a, b| a.worker.cmp(&b.worker));
        Ok(rows)
    }
}
