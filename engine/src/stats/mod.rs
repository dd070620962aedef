//! Market statistics (`stats.run`, reference §2.8–2.9): how often a target happens after an event under a
//! condition, per symbol and per walk-forward split, with Wilson and Jeffreys estimates, p-values and BH.
//!
//! Each (symbol, fold) is an independent unit run on the rayon pool. Within a split, events, conditions and
//! targets are computed on the split's own bars (as the original), conditions causally (see [`conditions`]).

pub mod aggregate;
pub mod artifact;
pub mod beta;
pub mod conditions;
pub mod estimators;
pub mod events;
pub mod targets;

use crate::data::Bars;
use crate::validate::{walk_forward, WalkForward};
use aggregate::{split_rows, CondView, SplitInfo};
use conditions::Labels;
use events::Prices;
use model::spec::stats::{Condition, Event, Named, StatsSpec, Target};
use model::stats::{StatRow, STAT_COLUMNS};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::ops::Range;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

/// Why a stats run failed.
#[derive(Debug, thiserror::Error)]
pub enum StatsError {
    #[error(
        "conditions[{index}].params.col: column {col:?} does not exist (the data has `session_id`/`session` only)"
    )]
    UnknownColumn { index: usize, col: String },
    #[error("symbol {symbol}: column lengths differ")]
    Ragged { symbol: String },
    #[error("the run was cancelled")]
    Cancelled,
    /// A task on `qe worker`s failed, or NATS did.
    #[error("{0}")]
    Remote(String),
    #[error("cannot write {path}: {source}")]
    Artifact {
        path: String,
        source: polars::prelude::PolarsError,
    },
}

/// The rows of a run; serialises as `{"columns": [...], "rows": [{...}]}` (`GET /stats/result`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StatsResult {
    pub columns: Vec<String>,
    pub rows: Vec<StatRow>,
    /// The timeframe the rows were computed on (stored with them; not part of the wire shape).
    #[serde(skip)]
    pub timeframe: String,
}

/// Optional progress reporting (`done` of `total` units) and cancellation, checked between units.
#[derive(Default, Clone, Copy)]
pub struct Control<'a> {
    pub cancel: Option<&'a AtomicBool>,
    pub progress: Option<&'a (dyn Fn(usize, usize) + Sync)>,
}

/// Runs `spec` over `series` (one [`Bars`] per symbol, each sorted by time). Symbols are never pooled.
pub fn run(spec: &StatsSpec, series: &[Bars], timeframe: &str) -> Result<StatsResult, StatsError> {
    run_with(spec, series, timeframe, Control::default())
}

/// [`run`] with progress and cancellation.
pub fn run_with(
    spec: &StatsSpec,
    series: &[Bars],
    timeframe: &str,
    control: Control,
) -> Result<StatsResult, StatsError> {
    run_on(spec, series, timeframe, control, &InProcess)
}

/// [`run_with`] on `executor`: this process's cores or `qe worker`s; the rows are the same either way.
pub fn run_on(
    spec: &StatsSpec,
    series: &[Bars],
    timeframe: &str,
    control: Control,
    executor: &dyn UnitExecutor,
) -> Result<StatsResult, StatsError> {
    for (index, c) in spec.conditions.iter().enumerate() {
        if let Condition::Session { col } = &c.kind {
            if col != "session_id" && col != "session" {
                return Err(StatsError::UnknownColumn {
                    index,
                    col: col.clone(),
                });
            }
        }
    }
    for b in series {
        let n = b.len();
        let ok = [b.open.len(), b.high.len(), b.low.len(), b.close.len()]
            .iter()
            .all(|&l| l == n)
            && b.session.as_ref().is_none_or(|s| s.len() == n);
        if !ok {
            return Err(StatsError::Ragged {
                symbol: b.symbol.clone(),
            });
        }
    }
    let mut order: Vec<usize> = (0..series.len()).collect();
    order.sort_by(|&a, &b| series[a].symbol.cmp(&series[b].symbol));
    let tasks: Vec<UnitTask> = order
        .iter()
        .flat_map(|&s| UnitTask::cut(s, plan(&series[s], spec)))
        .collect();
    let per_task = executor.count(&Counting::of(spec), series, &tasks, control)?;
    // The original's order: split by split (fold, then train before test), symbol, then the group keys.
    let mut rows: Vec<(usize, StatRow)> = per_task.into_iter().flatten().collect();
    rows.sort_by_key(|(split_rank, _)| *split_rank);
    Ok(StatsResult {
        columns: STAT_COLUMNS.iter().map(|c| c.to_string()).collect(),
        rows: rows.into_iter().map(|(_, r)| r).collect(),
        timeframe: timeframe.to_string(),
    })
}

/// What every unit of a run counts: the spec's events, conditions and targets, and how its rows are judged.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Counting {
    pub events: Vec<Named<Event>>,
    pub conditions: Vec<Named<Condition>>,
    pub targets: Vec<Named<Target>>,
    pub n_min: u64,
    pub alpha: f64,
}

impl Counting {
    /// The counting part of `spec`.
    pub fn of(spec: &StatsSpec) -> Self {
        Counting {
            events: spec.events.clone(),
            conditions: spec.conditions.clone(),
            targets: spec.targets.clone(),
            n_min: spec.n_min,
            alpha: spec.alpha,
        }
    }

    fn has_session(&self) -> bool {
        self.conditions
            .iter()
            .any(|c| matches!(c.kind, Condition::Session { .. }))
    }
}

/// One symbol's fold: its train window (empty without validation) and its test window.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Unit {
    pub fold: Option<usize>,
    pub train: Range<usize>,
    pub test: Range<usize>,
}

impl Unit {
    fn bars(&self) -> usize {
        self.train.len() + self.test.len()
    }
}

/// Bars (train plus test, summed over its folds) from which a task holds no more folds: about a second of
/// counting for a typical spec.
pub const TASK_BARS: usize = 4_000_000;

/// The unit of work of both executors: consecutive folds of one symbol, counted together.
#[derive(Debug, Clone, PartialEq)]
pub struct UnitTask {
    /// Index of the series in the job's input order.
    pub symbol: usize,
    /// Position of the first fold among the symbol's.
    pub first: usize,
    pub units: Vec<Unit>,
}

impl UnitTask {
    /// Cuts `symbol`'s units into tasks of at most [`TASK_BARS`] bars (a larger fold is a task of its own).
    fn cut(symbol: usize, units: Vec<Unit>) -> Vec<UnitTask> {
        let mut tasks: Vec<UnitTask> = Vec::new();
        let mut size = 0;
        for (k, u) in units.into_iter().enumerate() {
            match tasks.last_mut() {
                Some(t) if size + u.bars() <= TASK_BARS => {
                    size += u.bars();
                    t.units.push(u);
                }
                _ => {
                    size = u.bars();
                    tasks.push(UnitTask {
                        symbol,
                        first: k,
                        units: vec![u],
                    });
                }
            }
        }
        tasks
    }
}

/// Where tasks are counted. Rows come back per task, in task order, each with its split's rank.
pub trait UnitExecutor: Sync {
    /// Counts `tasks` over `series`; `control.progress` counts finished units.
    fn count(
        &self,
        counting: &Counting,
        series: &[Bars],
        tasks: &[UnitTask],
        control: Control,
    ) -> Result<Vec<Vec<(usize, StatRow)>>, StatsError>;
}

/// This process's cores: every task at once on the rayon pool.
pub struct InProcess;

impl UnitExecutor for InProcess {
    fn count(
        &self,
        counting: &Counting,
        series: &[Bars],
        tasks: &[UnitTask],
        control: Control,
    ) -> Result<Vec<Vec<(usize, StatRow)>>, StatsError> {
        let total: usize = tasks.iter().map(|t| t.units.len()).sum();
        let done = AtomicUsize::new(0);
        let counted = || {
            let d = done.fetch_add(1, Ordering::Relaxed) + 1;
            if let Some(p) = control.progress {
                p(d, total);
            }
        };
        tasks
            .par_iter()
            .map(|t| count_task(counting, &series[t.symbol], &t.units, control.cancel, &counted))
            .collect()
    }
}

/// Counts the folds `units` of one symbol's `bars`, as a `qe worker` does for a task; `counted` is called after
/// each fold. Checks `cancel` before each fold.
pub fn count_task(
    counting: &Counting,
    bars: &Bars,
    units: &[Unit],
    cancel: Option<&AtomicBool>,
    counted: &(dyn Fn() + Sync),
) -> Result<Vec<(usize, StatRow)>, StatsError> {
    let sessions = counting
        .has_session()
        .then(|| conditions::sessions(&bars.ts, bars.session.as_ref()));
    let per_unit: Vec<Vec<(usize, StatRow)>> = units
        .par_iter()
        .map(|u| {
            if cancel.is_some_and(|c| c.load(Ordering::Relaxed)) {
                return Err(StatsError::Cancelled);
            }
            let rows = run_unit(counting, bars, sessions.as_ref(), u);
            counted();
            Ok(rows)
        })
        .collect::<Result<_, _>>()?;
    Ok(per_unit.into_iter().flatten().collect())
}

/// The original's splits: per walk-forward fold a train and a test split; without validation (or when no fold
/// fits) a single `test` split over all bars.
fn plan(bars: &Bars, spec: &StatsSpec) -> Vec<Unit> {
    let folds = spec.validation.map_or_else(Vec::new, |v| {
        let wf = WalkForward {
            train_months: v.train_months,
            test_months: v.test_months,
            folds: v.folds,
            embargo_days: v.embargo_days,
        };
        walk_forward(&bars.ts, &wf)
    });
    if folds.is_empty() {
        return vec![Unit {
            fold: None,
            train: 0..0,
            test: 0..bars.len(),
        }];
    }
    folds
        .into_iter()
        .map(|f| Unit {
            fold: Some(f.index),
            train: f.train,
            test: f.test,
        })
        .collect()
}

/// Rows of one unit, each with its split's rank for the final ordering.
fn run_unit(spec: &Counting, bars: &Bars, sessions: Option<&Labels>, u: &Unit) -> Vec<(usize, StatRow)> {
    let rank = |train: bool| u.fold.map_or(0, |f| 2 * f + usize::from(!train));
    // vol_tertile cut points come from the train window when the fold has one, else from the split itself.
    let train_cuts: Vec<Option<(f64, f64)>> = spec
        .conditions
        .iter()
        .map(|c| match c.kind {
            Condition::VolTertile { window } if !u.train.is_empty() => {
                conditions::tertile_cuts(&conditions::vol_atr(prices(bars, &u.train), window))
            }
            _ => None,
        })
        .collect();
    let mut out = Vec::new();
    if u.fold.is_some() && !u.train.is_empty() {
        let rows = split(spec, bars, sessions, &u.train, "train", u.fold, &train_cuts);
        out.extend(rows.into_iter().map(|r| (rank(true), r)));
    }
    let rows = split(spec, bars, sessions, &u.test, "test", u.fold, &train_cuts);
    out.extend(rows.into_iter().map(|r| (rank(false), r)));
    out
}

fn prices<'a>(b: &'a Bars, r: &Range<usize>) -> Prices<'a> {
    Prices {
        open: &b.open[r.clone()],
        high: &b.high[r.clone()],
        low: &b.low[r.clone()],
        close: &b.close[r.clone()],
    }
}

/// Computes one split's events, conditions and targets and counts them.
fn split(
    spec: &Counting,
    bars: &Bars,
    sessions: Option<&Labels>,
    range: &Range<usize>,
    label: &str,
    fold: Option<usize>,
    train_cuts: &[Option<(f64, f64)>],
) -> Vec<StatRow> {
    let p = prices(bars, range);
    let events: Vec<(&str, Vec<bool>)> = spec
        .events
        .iter()
        .map(|e| (e.name.as_str(), events::evaluate(&e.kind, p)))
        .collect();
    let targets: Vec<(&str, targets::Outcomes)> = spec
        .targets
        .iter()
        .map(|t| (t.name.as_str(), targets::evaluate(&t.kind, p.close)))
        .collect();
    let owned: Vec<Option<Labels>> = spec
        .conditions
        .iter()
        .zip(train_cuts)
        .map(|(c, cuts)| match c.kind {
            Condition::HtfTrend {
                tf_multiplier,
                ema_period,
            } => Some(conditions::htf_trend(p.close, tf_multiplier, ema_period)),
            Condition::VolTertile { window } => {
                let atr = conditions::vol_atr(p, window);
                let cuts = if label == "test" && cuts.is_some() {
                    *cuts
                } else {
                    conditions::tertile_cuts(&atr)
                };
                Some(conditions::vol_tertile(&atr, cuts))
            }
            Condition::Session { .. } => None,
        })
        .collect();
    let views: Vec<CondView> = spec
        .conditions
        .iter()
        .zip(&owned)
        .map(|(c, own)| {
            let labels = own
                .as_ref()
                .or(sessions)
                .expect("session labels are computed when a session condition exists");
            let codes = if own.is_some() {
                &labels.codes[..]
            } else {
                &labels.codes[range.clone()]
            };
            CondView {
                name: c.name.as_str(),
                labels: &labels.names,
                codes,
            }
        })
        .collect();
    let info = SplitInfo {
        symbol: &bars.symbol,
        split: label,
        fold: fold.map(|f| f as i64),
        n_min: spec.n_min,
        alpha: spec.alpha,
    };
    split_rows(&info, &events, &views, &targets)
}

#[cfg(test)]
mod tests;
