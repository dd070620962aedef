//! The server's side of a job on NATS: its chunks published as tasks, their outcomes collected in chunk order.

use super::wire::{decode, encode, Outcome, Started, Task};
use super::{cancel_subject, event_subject, result_subject, series, task_subject, Nats, NatsError};
use super::{RESULTS_STREAM, TASKS_STREAM};
use crate::optimize::chunks::{SymbolWork, TrialChunk, TrialExecutor};
use crate::optimize::{OptimizeError, RunContext, TrialResult};
use async_nats::jetstream::consumer::{pull::OrderedConfig, DeliverPolicy};
use async_nats::jetstream::message::PublishMessage;
use futures_util::StreamExt;
use model::tasks::{TaskRow, TaskStatus};
use std::collections::HashMap;
use std::sync::atomic::Ordering;
use std::sync::Mutex;
use std::time::Duration;

/// One job's trials evaluated by `qe worker`s; made by [`Nats::trials`].
pub struct RemoteTrials {
    nats: Nats,
    job: String,
    handle: tokio::runtime::Handle,
    /// Object names of the series already stored, by symbol index.
    series: Mutex<HashMap<usize, String>>,
    /// Tells this execution's publications from an earlier one's of the same job (after a restart).
    attempt: String,
}

impl RemoteTrials {
    pub(super) fn new(nats: Nats, job: String, handle: tokio::runtime::Handle) -> Self {
        RemoteTrials {
            nats,
            job,
            handle,
            series: Mutex::new(HashMap::new()),
            attempt: uuid::Uuid::new_v4().simple().to_string(),
        }
    }

    async fn series_of(&self, work: &SymbolWork<'_, '_>) -> Result<String, NatsError> {
        let known = self
            .series
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(&work.index)
            .cloned();
        if let Some(name) = known {
            return Ok(name);
        }
        let name = series::put(&self.nats.series, work.bars).await?;
        self.series
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(work.index, name.clone());
        Ok(name)
    }

    /// Publishes `chunks` and waits for every outcome, watching the cancel flag.
    async fn run(
        &self,
        work: &SymbolWork<'_, '_>,
        chunks: Vec<TrialChunk>,
        ctx: &RunContext<'_>,
    ) -> Result<Vec<TrialResult>, OptimizeError> {
        let series = self
            .series_of(work)
            .await
            .map_err(|e| OptimizeError::Remote(e.to_string()))?;
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
        let ids: Vec<String> = chunks.iter().map(Task::id_of).collect();
        let sizes: Vec<usize> = chunks.iter().map(|c| c.points.len()).collect();
        let total: usize = sizes.iter().sum();
        self.nats.board.add(&self.job, rows(work, &chunks, &ids));
        let mut acks = Vec::with_capacity(chunks.len());
        for (chunk, id) in chunks.into_iter().zip(&ids) {
            let task = Task {
                job: self.job.clone(),
                task: id.clone(),
                settings: work.settings.clone(),
                series: series.clone(),
                chunk,
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
        let mut slots: Vec<Option<Vec<TrialResult>>> = vec![None; ids.len()];
        let (mut done, mut done_trials) = (0, 0);
        (ctx.progress)(0.0, &format!("waiting for workers: 0/{} tasks done", ids.len()));
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
                    let result = outcome.result.and_then(|trials| {
                        if trials.len() == sizes[k] {
                            Ok(trials)
                        } else {
                            Err(format!("{} trials back for {} sent", trials.len(), sizes[k]))
                        }
                    });
                    match result {
                        Ok(trials) => {
                            self.nats.board.update(&self.job, &outcome.task, |r| {
                                r.status = TaskStatus::Done;
                                r.worker = Some(outcome.worker.clone());
                                r.attempts = r.attempts.max(outcome.attempt);
                            });
                            done += 1;
                            done_trials += trials.len();
                            slots[k] = Some(trials);
                            (ctx.progress)(
                                done_trials as f64 / total.max(1) as f64,
                                &format!("trial {done_trials}/{total} ({done}/{} tasks)", ids.len()),
                            );
                        }
                        Err(e) => {
                            self.nats.board.update(&self.job, &outcome.task, |r| {
                                r.status = TaskStatus::Failed;
                                r.worker = Some(outcome.worker.clone());
                                r.attempts = outcome.attempt;
                                r.error = Some(e.clone());
                            });
                            self.withdraw().await;
                            return Err(OptimizeError::Remote(format!(
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
                    if ctx.cancel.load(Ordering::Relaxed) {
                        self.withdraw().await;
                        return Err(OptimizeError::Cancelled);
                    }
                }
            }
        }
        Ok(slots.into_iter().flatten().flatten().collect())
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

/// A failure of the NATS client as the job's error.
fn remote(e: impl std::fmt::Display) -> OptimizeError {
    OptimizeError::Remote(format!("NATS: {e}"))
}

fn rows(work: &SymbolWork, chunks: &[TrialChunk], ids: &[String]) -> Vec<TaskRow> {
    chunks
        .iter()
        .zip(ids)
        .map(|(c, id)| TaskRow {
            task: id.clone(),
            symbol: work.bars.symbol.clone(),
            first_trial: c.first,
            trials: c.points.len(),
            status: TaskStatus::Queued,
            worker: None,
            attempts: 0,
            error: None,
        })
        .collect()
}

impl TrialExecutor for RemoteTrials {
    fn bar_trials(&self) -> u64 {
        self.nats.settings.bar_trials
    }

    /// Half the server's largest message over an outcome's size per trial (metrics per fold and per block).
    fn max_chunk_trials(&self, folds: usize, blocks: usize) -> usize {
        let per_trial = 600 + 130 * folds + 20 * blocks;
        (self.nats.client.server_info().max_payload / 2 / per_trial).max(1)
    }

    fn evaluate(
        &self,
        work: &SymbolWork,
        chunks: Vec<TrialChunk>,
        ctx: &RunContext,
    ) -> Result<Vec<TrialResult>, OptimizeError> {
        self.handle.block_on(self.run(work, chunks, ctx))
    }
}
