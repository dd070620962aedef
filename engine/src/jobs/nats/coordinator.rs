//! The server's side of a job on NATS: its tasks published on the work queue, their outputs collected in task
//! order, the job's tasks on the board, cancellation and a failed task withdrawing the rest.

use super::wire::{decode, encode, Outcome, Output, Started, Task, Work};
use super::{cancel_subject, event_subject, result_subject, series, task_subject, Nats, NatsError};
use super::{RESULTS_STREAM, TASKS_STREAM};
use crate::data::Bars;
use async_nats::jetstream::consumer::{pull::OrderedConfig, DeliverPolicy};
use async_nats::jetstream::message::PublishMessage;
use futures_util::StreamExt;
use model::tasks::{TaskRow, TaskStatus};
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;
use std::time::Duration;

/// Why a batch of tasks did not produce every output.
#[derive(Debug)]
pub(super) enum Failure {
    Cancelled,
    Failed(String),
}

/// A failure of the NATS client as the job's error.
pub(super) fn remote(e: impl std::fmt::Display) -> Failure {
    Failure::Failed(format!("NATS: {e}"))
}

/// One task to publish: its row on the board (id included) and its work.
pub(super) struct Planned {
    pub row: TaskRow,
    pub work: Work,
    /// Its share of the job's progress (trials, folds).
    pub weight: usize,
}

/// Progress of a batch: done and total weight, done and total tasks.
pub(super) type OnDone<'a> = &'a (dyn Fn(usize, usize, usize, usize) + Sync);

/// One job's tasks on `qe worker`s.
pub(super) struct Dispatch {
    pub nats: Nats,
    pub job: String,
    /// Object names of the series already stored, by symbol index.
    series: Mutex<HashMap<usize, String>>,
    /// Tells this execution's publications from an earlier one's of the same job (after a restart).
    attempt: String,
}

impl Dispatch {
    pub fn new(nats: Nats, job: String) -> Self {
        Dispatch {
            nats,
            job,
            series: Mutex::new(HashMap::new()),
            attempt: uuid::Uuid::new_v4().simple().to_string(),
        }
    }

    /// The object name of series `index` (`bars`), stored on first use.
    pub async fn series_of(&self, index: usize, bars: &Bars) -> Result<String, NatsError> {
        let known = self.lock_series().get(&index).cloned();
        if let Some(name) = known {
            return Ok(name);
        }
        let name = series::put(&self.nats.series, bars).await?;
        self.lock_series().insert(index, name.clone());
        Ok(name)
    }

    fn lock_series(&self) -> std::sync::MutexGuard<'_, HashMap<usize, String>> {
        self.series.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Publishes `tasks` and waits for every output, in task order; `check` refuses an output that does not fit its
    /// task (e.g. a wrong number of trials). Watches `cancel`; a failed or refused task withdraws the others.
    pub async fn run(
        &self,
        tasks: Vec<Planned>,
        check: impl Fn(usize, &Output) -> Result<(), String>,
        on_done: OnDone<'_>,
        cancel: Option<&AtomicBool>,
    ) -> Result<Vec<Output>, Failure> {
        let js = &self.nats.js;
        // Subscribed before publishing, so no outcome can be missed; older outcomes of the job are not replayed.
        let mut outcomes = js
            .get_stream(RESULTS_STREAM)
            .await
            .map_err(remote)?
            .create_consumer(OrderedConfig {
                filter_subject: result_subject(&self.job),
                deliver_policy: DeliverPolicy::New,
                ..Default::default()
            })
            .await
            .map_err(remote)?
            .messages()
            .await
            .map_err(remote)?;
        let mut started = self
            .nats
            .client
            .subscribe(event_subject(&self.job))
            .await
            .map_err(remote)?;
        let ids: Vec<String> = tasks.iter().map(|t| t.row.task.clone()).collect();
        let weights: Vec<usize> = tasks.iter().map(|t| t.weight).collect();
        let total: usize = weights.iter().sum();
        let mut acks = Vec::with_capacity(tasks.len());
        let mut works = Vec::with_capacity(tasks.len());
        let mut rows = Vec::with_capacity(tasks.len());
        for t in tasks {
            rows.push(t.row);
            works.push(t.work);
        }
        self.nats.board.add(&self.job, rows);
        for (work, id) in works.into_iter().zip(&ids) {
            let task = Task {
                job: self.job.clone(),
                task: id.clone(),
                work,
            };
            let msg = PublishMessage::build()
                .payload(encode(&task).into())
                .message_id(format!("{}.{id}.{}", self.job, self.attempt));
            let ack = js.send_publish(task_subject(&self.job), msg).await;
            acks.push(ack.map_err(remote)?);
        }
        for ack in acks {
            ack.await.map_err(remote)?;
        }
        let index: HashMap<&str, usize> = ids.iter().enumerate().map(|(k, id)| (id.as_str(), k)).collect();
        let mut slots: Vec<Option<Output>> = vec![None; ids.len()];
        let (mut done, mut done_weight) = (0, 0);
        on_done(0, total, 0, ids.len());
        let mut tick = tokio::time::interval(Duration::from_millis(200));
        while done < ids.len() {
            tokio::select! {
                msg = outcomes.next() => {
                    let msg = msg
                        .ok_or_else(|| remote("the results stream ended"))?
                        .map_err(remote)?;
                    let outcome: Outcome = match decode(&msg.payload, "outcome") {
                        Ok(o) => o,
                        Err(e) => {
                            tracing::warn!(job = %self.job, error = %e, "outcome ignored");
                            continue;
                        }
                    };
                    let Some(&k) = index.get(outcome.task.as_str()).filter(|&&k| slots[k].is_none()) else {
                        continue; // a second outcome of a redelivered task, or another round's
                    };
                    match outcome.result.and_then(|out| check(k, &out).map(|()| out)) {
                        Ok(out) => {
                            self.nats.board.update(&self.job, &outcome.task, |r| {
                                r.status = TaskStatus::Done;
                                r.worker = Some(outcome.worker.clone());
                                r.attempts = r.attempts.max(outcome.attempt);
                            });
                            done += 1;
                            done_weight += weights[k];
                            slots[k] = Some(out);
                            on_done(done_weight, total, done, ids.len());
                        }
                        Err(e) => {
                            self.nats.board.update(&self.job, &outcome.task, |r| {
                                r.status = TaskStatus::Failed;
                                r.worker = Some(outcome.worker.clone());
                                r.attempts = outcome.attempt;
                                r.error = Some(e.clone());
                            });
                            self.withdraw().await;
                            return Err(Failure::Failed(format!(
                                "task {} failed on worker {} (attempt {}): {e}",
                                outcome.task, outcome.worker, outcome.attempt
                            )));
                        }
                    }
                }
                Some(msg) = started.next() => {
                    if let Ok(s) = decode::<Started>(&msg.payload, "started") {
                        self.nats.board.update(&self.job, &s.task, |r| {
                            if r.status == TaskStatus::Queued || r.status == TaskStatus::Running {
                                r.status = TaskStatus::Running;
                                r.worker = Some(s.worker.clone());
                                r.attempts = r.attempts.max(s.attempt);
                            }
                        });
                    }
                }
                _ = tick.tick() => {
                    if cancel.is_some_and(|c| c.load(Ordering::Relaxed)) {
                        self.withdraw().await;
                        return Err(Failure::Cancelled);
                    }
                }
            }
        }
        Ok(slots.into_iter().flatten().collect())
    }

    /// Takes the job's queued tasks off the stream and tells the workers running its others to stop.
    async fn withdraw(&self) {
        if let Err(e) = self.nats.client.publish(cancel_subject(&self.job), "".into()).await {
            tracing::warn!(job = %self.job, error = %e, "cannot announce the cancellation");
        }
        match self.nats.js.get_stream(TASKS_STREAM).await {
            Ok(stream) => {
                if let Err(e) = stream.purge().filter(task_subject(&self.job)).await {
                    tracing::warn!(job = %self.job, error = %e, "cannot purge the job's tasks");
                }
            }
            Err(e) => tracing::warn!(job = %self.job, error = %e, "cannot purge the job's tasks"),
        }
        self.nats.board.withdraw(&self.job);
    }
}
