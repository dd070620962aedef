//! `qe worker`: pulls tasks from the shared consumer, computes them with rayon, publishes their outcomes.
//!
//! A task is acknowledged only after its outcome is stored, and in-progress acks keep a long task from being
//! redelivered while it runs; a worker killed mid-task leaves its task to be delivered again after `ack_wait`.
//! A failure is retried (negative ack) until the consumer's `max_deliver`, then published so that the job fails.

use super::series::Cache;
use super::wire::{decode, encode, Outcome, Output, Started, Task, Work};
use super::{event_subject, io, result_subject, Nats, NatsError, NatsSettings, CONSUMER, TASKS_STREAM, WORKERS_PING};
use crate::optimize::chunks::evaluate_chunk;
use crate::optimize::{no_progress, OptimizeError, RunContext};
use crate::seasonality::{self, Window};
use crate::stats::{self, StatsError};
use async_nats::jetstream::consumer::PullConsumer;
use async_nats::jetstream::{AckKind, Message};
use futures_util::StreamExt;
use model::tasks::WorkerRow;
use std::collections::{HashMap, VecDeque};
use std::future::Future;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Cancelled jobs a worker remembers (their late deliveries are dropped).
const CANCELLED_KEPT: usize = 1000;

/// How a worker runs.
#[derive(Debug, Clone)]
pub struct WorkerOptions {
    pub settings: NatsSettings,
    /// Tasks run at once (each uses rayon's pool of every core).
    pub concurrency: usize,
    /// The name shown by `GET /workers` (default `<host>-<pid>`).
    pub name: Option<String>,
}

struct State {
    nats: Nats,
    name: String,
    host: String,
    concurrency: usize,
    started_at: String,
    max_deliver: i64,
    ack_wait: Duration,
    cache: Cache,
    /// Cancel flags of the running tasks, by `<job>/<task>`.
    running: Mutex<HashMap<String, (String, Arc<AtomicBool>)>>,
    cancelled: Mutex<VecDeque<String>>,
    done: AtomicU64,
    stopping: AtomicBool,
}

/// Why a task did not produce its output.
enum TaskError {
    Cancelled,
    Failed(String),
}

/// Runs a worker until `shutdown` completes, then finishes its running tasks and leaves.
pub async fn run(opts: WorkerOptions, shutdown: impl Future<Output = ()>) -> Result<(), NatsError> {
    let nats = Nats::connect(opts.settings.clone()).await?;
    let consumer: PullConsumer = nats
        .js
        .get_stream(TASKS_STREAM)
        .await
        .map_err(io)?
        .get_consumer(CONSUMER)
        .await
        .map_err(io)?;
    let host = hostname();
    let info = &consumer.cached_info().config;
    let state = Arc::new(State {
        name: opts.name.unwrap_or_else(|| format!("{host}-{}", std::process::id())),
        host,
        concurrency: opts.concurrency.max(1),
        started_at: now(),
        max_deliver: info.max_deliver,
        ack_wait: info.ack_wait,
        cache: Cache::default(),
        running: Mutex::new(HashMap::new()),
        cancelled: Mutex::new(VecDeque::new()),
        done: AtomicU64::new(0),
        stopping: AtomicBool::new(false),
        nats,
    });
    let mut cancels = state.nats.client.subscribe("qe.cancel.*").await.map_err(io)?;
    let listener = {
        let state = state.clone();
        tokio::spawn(async move {
            while let Some(m) = cancels.next().await {
                if let Some(job) = m.subject.strip_prefix("qe.cancel.") {
                    state.cancel_job(job);
                }
            }
        })
    };
    let mut pings = state.nats.client.subscribe(WORKERS_PING).await.map_err(io)?;
    let roll_call = {
        let state = state.clone();
        tokio::spawn(async move {
            while let Some(ping) = pings.next().await {
                if let Some(reply) = ping.reply {
                    let row = serde_json::to_vec(&state.row()).unwrap_or_default();
                    let _ = state.nats.client.publish(reply, row.into()).await;
                }
            }
        })
    };
    tracing::info!(worker = %state.name, concurrency = state.concurrency, "worker started");
    let loops: Vec<_> = (0..state.concurrency)
        .map(|_| tokio::spawn(pull_loop(state.clone(), consumer.clone())))
        .collect();
    shutdown.await;
    tracing::info!(worker = %state.name, "stopping: finishing the running tasks");
    state.stopping.store(true, Ordering::SeqCst);
    for l in loops {
        let _ = l.await;
    }
    roll_call.abort();
    listener.abort();
    tracing::info!(worker = %state.name, tasks = state.done.load(Ordering::Relaxed), "worker stopped");
    Ok(())
}

async fn pull_loop(state: Arc<State>, consumer: PullConsumer) {
    while !state.stopping.load(Ordering::SeqCst) {
        let batch = consumer
            .batch()
            .max_messages(1)
            .expires(Duration::from_secs(1))
            .messages()
            .await;
        let mut batch = match batch {
            Ok(b) => b,
            Err(e) => {
                tracing::warn!(error = %e, "cannot pull tasks; retrying");
                tokio::time::sleep(Duration::from_secs(1)).await;
                continue;
            }
        };
        while let Some(msg) = batch.next().await {
            match msg {
                Ok(msg) if state.stopping.load(Ordering::SeqCst) => {
                    let _ = msg.ack_with(AckKind::Nak(None)).await; // for another worker, now
                }
                Ok(msg) => handle(&state, msg).await,
                Err(e) => tracing::debug!(error = %e, "pull ended"),
            }
        }
    }
}

async fn handle(state: &Arc<State>, msg: Message) {
    let attempt = msg.info().map(|i| i.delivered.max(1) as u32).unwrap_or(1);
    let task: Task = match decode(&msg.payload, "task") {
        Ok(t) => t,
        Err(e) => {
            tracing::error!(error = %e, "a task nobody can run was dropped");
            let _ = msg.ack_with(AckKind::Term).await;
            return;
        }
    };
    if state.is_cancelled(&task.job) {
        let _ = msg.ack().await;
        return;
    }
    let key = format!("{}/{}", task.job, task.task);
    let cancel = Arc::new(AtomicBool::new(false));
    state
        .lock_running()
        .insert(key.clone(), (task.job.clone(), cancel.clone()));
    let started = Started {
        task: task.task.clone(),
        worker: state.name.clone(),
        attempt,
    };
    let _ = state
        .nats
        .client
        .publish(event_subject(&task.job), encode(&started).into())
        .await;
    let msg = Arc::new(msg);
    let keep_alive = {
        let msg = msg.clone();
        let every = (state.ack_wait / 3).max(Duration::from_millis(200));
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(every);
            tick.tick().await;
            loop {
                tick.tick().await;
                let _ = msg.ack_with(AckKind::Progress).await;
            }
        })
    };
    let (job, id) = (task.job.clone(), task.task.clone());
    let result = compute(state, task, cancel).await;
    keep_alive.abort();
    state.lock_running().remove(&key);
    let outcome = |result| Outcome {
        task: id.clone(),
        worker: state.name.clone(),
        attempt,
        result,
    };
    match result {
        Ok(output) => {
            if publish(state, &job, &outcome(Ok(output))).await.is_ok() {
                let _ = msg.ack().await;
                state.done.fetch_add(1, Ordering::Relaxed);
            } else {
                let _ = msg.ack_with(AckKind::Nak(None)).await;
            }
        }
        Err(TaskError::Cancelled) => {
            let _ = msg.ack().await;
        }
        Err(TaskError::Failed(e)) if i64::from(attempt) >= state.max_deliver => {
            tracing::error!(job = %job, task = %id, attempt, error = %e, "task failed on its last delivery");
            let _ = publish(state, &job, &outcome(Err(e))).await;
            let _ = msg.ack().await;
        }
        Err(TaskError::Failed(e)) => {
            tracing::warn!(job = %job, task = %id, attempt, error = %e, "task failed; it will be delivered again");
            let _ = msg.ack_with(AckKind::Nak(Some(Duration::from_secs(1)))).await;
        }
    }
}

async fn compute(state: &State, task: Task, cancel: Arc<AtomicBool>) -> Result<Output, TaskError> {
    let fetch = |name: String| async move {
        state
            .cache
            .get(&state.nats.series, &name)
            .await
            .map_err(|e| TaskError::Failed(e.to_string()))
    };
    let work = match task.work {
        Work::Trials {
            settings,
            series,
            chunk,
        } => {
            let bars = fetch(series).await?;
            tokio::task::spawn_blocking(move || {
                let ctx = RunContext::new(&no_progress, &cancel);
                evaluate_chunk(&settings, &bars, chunk, &ctx)
                    .map(Output::Trials)
                    .map_err(|e| match e {
                        OptimizeError::Cancelled => TaskError::Cancelled,
                        e => TaskError::Failed(e.to_string()),
                    })
            })
        }
        Work::Stats {
            counting,
            series,
            units,
        } => {
            let bars = fetch(series).await?;
            tokio::task::spawn_blocking(move || {
                stats::count_task(&counting, &bars, &units, Some(&*cancel), &|| {})
                    .map(Output::Stats)
                    .map_err(|e| match e {
                        StatsError::Cancelled => TaskError::Cancelled,
                        e => TaskError::Failed(e.to_string()),
                    })
            })
        }
        Work::Profiles {
            settings,
            dims,
            series,
            range,
        } => {
            let bars = fetch(series).await?;
            tokio::task::spawn_blocking(move || {
                if range.end > bars.len() {
                    return Err(TaskError::Failed(format!(
                        "bars {range:?} asked of a series of {} bars",
                        bars.len()
                    )));
                }
                seasonality::profile_with(&settings, &[Window::of(&bars, range)], &dims)
                    .map(Output::Profiles)
                    .map_err(|e| TaskError::Failed(e.to_string()))
            })
        }
    };
    match work.await {
        Ok(result) => result,
        Err(e) => Err(TaskError::Failed(format!("the task's thread failed: {e}"))),
    }
}

async fn publish(state: &State, job: &str, outcome: &Outcome) -> Result<(), NatsError> {
    let ack = state
        .nats
        .js
        .publish(result_subject(job), encode(outcome).into())
        .await
        .map_err(io)?;
    ack.await.map_err(io)?;
    Ok(())
}

impl State {
    /// What `GET /workers` shows of this worker.
    fn row(&self) -> WorkerRow {
        WorkerRow {
            worker: self.name.clone(),
            host: self.host.clone(),
            pid: std::process::id(),
            concurrency: self.concurrency,
            running: self.lock_running().keys().cloned().collect(),
            tasks_done: self.done.load(Ordering::Relaxed),
            started_at: self.started_at.clone(),
            last_seen: now(),
        }
    }

    fn lock_running(&self) -> std::sync::MutexGuard<'_, HashMap<String, (String, Arc<AtomicBool>)>> {
        self.running.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn cancel_job(&self, job: &str) {
        {
            let mut c = self.cancelled.lock().unwrap_or_else(|p| p.into_inner());
            c.push_back(job.to_string());
            if c.len() > CANCELLED_KEPT {
                c.pop_front();
            }
        }
        for (owner, flag) in self.lock_running().values() {
            if owner == job {
                flag.store(true, Ordering::SeqCst);
            }
        }
    }

    fn is_cancelled(&self, job: &str) -> bool {
        self.cancelled
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
            .any(|j| j == job)
    }
}

fn hostname() -> String {
    std::fs::read_to_string("/etc/hostname")
        .ok()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "localhost".into())
}

fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}
