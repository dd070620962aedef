//! The executors a job body uses when NATS is configured: an optimisation's trials, a stats run's folds and a
//! seasonality run's fold profiles, each cut as in-process and sent as tasks through one [`Dispatch`].

use super::coordinator::{Dispatch, Failure, Planned};
use super::wire::{Output, Work};
use super::Nats;
use crate::data::Bars;
use crate::jobs::JobContext;
use crate::optimize::chunks::{SymbolWork, TrialChunk, TrialExecutor};
use crate::optimize::{OptimizeError, RunContext, TrialResult};
use crate::seasonality::pipeline::{FoldAsk, Prepared, ProfileExecutor};
use crate::seasonality::{join_profiles, Profiles, SeasonalityError};
use crate::stats::{Control, Counting, StatsError, UnitExecutor, UnitTask};
use model::stats::StatRow;
use model::tasks::{TaskRow, TaskStatus, TaskUnit};

fn row(task: String, symbol: String, unit: TaskUnit, first: usize, count: usize) -> TaskRow {
    TaskRow {
        task,
        symbol,
        unit,
        first_trial: first,
        trials: count,
        status: TaskStatus::Queued,
        worker: None,
        attempts: 0,
        error: None,
    }
}

/// One job's trials evaluated by `qe worker`s; made by [`Nats::trials`].
pub struct RemoteTrials {
    dispatch: Dispatch,
    handle: tokio::runtime::Handle,
}

impl RemoteTrials {
    pub(super) fn new(nats: Nats, job: String, handle: tokio::runtime::Handle) -> Self {
        RemoteTrials {
            dispatch: Dispatch::new(nats, job),
            handle,
        }
    }

    async fn run(
        &self,
        work: &SymbolWork<'_, '_>,
        chunks: Vec<TrialChunk>,
        ctx: &RunContext<'_>,
    ) -> Result<Vec<TrialResult>, Failure> {
        let series = self
            .dispatch
            .series_of(work.index, work.bars)
            .await
            .map_err(|e| Failure::Failed(e.to_string()))?;
        let sizes: Vec<usize> = chunks.iter().map(|c| c.points.len()).collect();
        let tasks = chunks
            .into_iter()
            .map(|chunk| Planned {
                row: row(
                    format!("{}.{}", chunk.symbol, chunk.first),
                    work.bars.symbol.clone(),
                    TaskUnit::Trials,
                    chunk.first,
                    chunk.points.len(),
                ),
                weight: chunk.points.len(),
                work: Work::Trials {
                    settings: work.settings.clone(),
                    series: series.clone(),
                    chunk,
                },
            })
            .collect();
        let check = |k: usize, out: &Output| match out {
            Output::Trials(t) if t.len() == sizes[k] => Ok(()),
            Output::Trials(t) => Err(format!("{} trials back for {} sent", t.len(), sizes[k])),
            _ => Err("not trials".into()),
        };
        let on_done = |d: usize, total: usize, tasks_done: usize, tasks: usize| {
            let message = if tasks_done == 0 {
                format!("waiting for workers: 0/{tasks} tasks done")
            } else {
                format!("trial {d}/{total} ({tasks_done}/{tasks} tasks)")
            };
            (ctx.progress)(d as f64 / total.max(1) as f64, &message);
        };
        let outputs = self.dispatch.run(tasks, check, &on_done, Some(ctx.cancel)).await?;
        Ok(outputs
            .into_iter()
            .flat_map(|o| match o {
                Output::Trials(t) => t,
                _ => Vec::new(),
            })
            .collect())
    }
}

impl TrialExecutor for RemoteTrials {
    fn bar_trials(&self) -> u64 {
        self.dispatch.nats.settings.bar_trials
    }

    /// Half the server's largest message over an outcome's size per trial (metrics per fold and per block).
    fn max_chunk_trials(&self, folds: usize, blocks: usize) -> usize {
        let per_trial = 600 + 130 * folds + 20 * blocks;
        (self.dispatch.nats.client.server_info().max_payload / 2 / per_trial).max(1)
    }

    fn evaluate(
        &self,
        work: &SymbolWork,
        chunks: Vec<TrialChunk>,
        ctx: &RunContext,
    ) -> Result<Vec<TrialResult>, OptimizeError> {
        self.handle.block_on(self.run(work, chunks, ctx)).map_err(|f| match f {
            Failure::Cancelled => OptimizeError::Cancelled,
            Failure::Failed(e) => OptimizeError::Remote(e),
        })
    }
}

/// One stats job's folds counted by `qe worker`s; made by [`Nats::stats`].
pub struct RemoteStats {
    dispatch: Dispatch,
    handle: tokio::runtime::Handle,
}

impl RemoteStats {
    pub(super) fn new(nats: Nats, job: String, handle: tokio::runtime::Handle) -> Self {
        RemoteStats {
            dispatch: Dispatch::new(nats, job),
            handle,
        }
    }

    async fn run(
        &self,
        counting: &Counting,
        series: &[Bars],
        tasks: &[UnitTask],
        control: Control<'_>,
    ) -> Result<Vec<Vec<(usize, StatRow)>>, Failure> {
        let mut planned = Vec::with_capacity(tasks.len());
        for t in tasks {
            let bars = &series[t.symbol];
            let name = self
                .dispatch
                .series_of(t.symbol, bars)
                .await
                .map_err(|e| Failure::Failed(e.to_string()))?;
            planned.push(Planned {
                row: row(
                    format!("s{}.{}", t.symbol, t.first),
                    bars.symbol.clone(),
                    TaskUnit::Folds,
                    t.first,
                    t.units.len(),
                ),
                weight: t.units.len(),
                work: Work::Stats {
                    counting: counting.clone(),
                    series: name,
                    units: t.units.clone(),
                },
            });
        }
        let check = |_: usize, out: &Output| match out {
            Output::Stats(_) => Ok(()),
            _ => Err("not stats rows".to_string()),
        };
        let on_done = |d: usize, total: usize, _: usize, _: usize| {
            if let Some(p) = control.progress {
                p(d, total);
            }
        };
        let outputs = self.dispatch.run(planned, check, &on_done, control.cancel).await?;
        Ok(outputs
            .into_iter()
            .map(|o| match o {
                Output::Stats(rows) => rows,
                _ => Vec::new(),
            })
            .collect())
    }
}

impl UnitExecutor for RemoteStats {
    fn count(
        &self,
        counting: &Counting,
        series: &[Bars],
        tasks: &[UnitTask],
        control: Control,
    ) -> Result<Vec<Vec<(usize, StatRow)>>, StatsError> {
        self.handle
            .block_on(self.run(counting, series, tasks, control))
            .map_err(|f| match f {
                Failure::Cancelled => StatsError::Cancelled,
                Failure::Failed(e) => StatsError::Remote(e),
            })
    }
}

/// One seasonality job's fold profiles computed by `qe worker`s; made by [`Nats::profiles`].
pub struct RemoteProfiles {
    dispatch: Dispatch,
    handle: tokio::runtime::Handle,
    ctx: JobContext,
}

impl RemoteProfiles {
    pub(super) fn new(nats: Nats, ctx: &JobContext, handle: tokio::runtime::Handle) -> Self {
        RemoteProfiles {
            dispatch: Dispatch::new(nats, ctx.run_id.clone()),
            handle,
            ctx: ctx.clone(),
        }
    }

    /// One task per (ask, symbol with train bars); each ask's profiles joined from its symbols'.
    async fn run(&self, prep: &Prepared<'_>, asks: &[FoldAsk]) -> Result<Vec<Profiles>, Failure> {
        let mut planned = Vec::new();
        let mut owners = Vec::new(); // (ask, symbol) of each task
        for (n, a) in asks.iter().enumerate() {
            let fold = &prep.folds[a.fold];
            for (s, (bars, range)) in prep.series.iter().zip(&fold.train).enumerate() {
                if range.is_empty() {
                    continue;
                }
                let name = self
                    .dispatch
                    .series_of(s, bars)
                    .await
                    .map_err(|e| Failure::Failed(e.to_string()))?;
                owners.push((n, bars.symbol.clone()));
                planned.push(Planned {
                    row: row(format!("p{n}.{s}"), bars.symbol.clone(), TaskUnit::Folds, fold.index, 1),
                    weight: 1,
                    work: Work::Profiles {
                        settings: a.settings.clone(),
                        dims: a.dims.clone(),
                        series: name,
                        range: range.clone(),
                    },
                });
            }
        }
        let check = |_: usize, out: &Output| match out {
            Output::Profiles(_) => Ok(()),
            _ => Err("not profiles".to_string()),
        };
        let on_done = |d: usize, total: usize, _: usize, _: usize| {
            self.ctx
                .report(0.1, &format!("profiles on workers: {d}/{total} tasks done"));
        };
        let outputs = self
            .dispatch
            .run(planned, check, &on_done, Some(&*self.ctx.cancel))
            .await?;
        let mut parts: Vec<Vec<(String, Profiles)>> = vec![Vec::new(); asks.len()];
        for ((n, symbol), out) in owners.into_iter().zip(outputs) {
            if let Output::Profiles(p) = out {
                parts[n].push((symbol, p));
            }
        }
        Ok(asks
            .iter()
            .zip(parts)
            .map(|(a, p)| join_profiles(a.settings.measure(), &a.dims, p))
            .collect())
    }
}

impl ProfileExecutor for RemoteProfiles {
    fn profile(&self, prep: &Prepared, asks: &[FoldAsk]) -> Result<Vec<Profiles>, SeasonalityError> {
        for a in asks {
            prep.train_windows(a.fold)?; // the columns' lengths checked here, as in-process
        }
        self.handle.block_on(self.run(prep, asks)).map_err(|f| match f {
            Failure::Cancelled => SeasonalityError::Cancelled,
            Failure::Failed(e) => SeasonalityError::Remote(e),
        })
    }
}
