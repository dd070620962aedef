//! The work and memory a job may take, estimated from its plan once its bars are loaded and before its search
//! allocates anything: bar-trials against `QE_MAX_BAR_TRIALS`, bytes against `QE_MAX_JOB_MEMORY`. A job over
//! either fails as bad input, naming what drives the estimate; jobs that fit alone but not together wait in
//! [`Pool`] until the memory the running ones reserved is freed.
//!
//! Rust aborts the process when an allocation fails, so the budget is what keeps one request from taking the
//! server down; the estimates count the large buffers (per-bar columns, indicators, signals, kept trials), and
//! those buffers are allocated fallibly ([`crate::alloc`]) for when an estimate falls short.

use super::{JobContext, JobError};
use crate::backtest::BacktestMetrics;
use crate::data::Bars;
use crate::optimize::TrialResult;
use model::spec::experiment::{ExperimentSpec, SearchMethod};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Condvar, Mutex, OnceLock};
use std::time::Duration;

/// The budget when `QE_MAX_JOB_MEMORY` is unset and the machine's memory is unknown.
const FALLBACK_BYTES: u64 = 8 << 30;

/// Bar-trials one job may run when `QE_MAX_BAR_TRIALS` is unset: 10¹², about 50 core-minutes of the kernel
/// (100,000 trials over ten years of 1-minute bars is 5·10¹¹).
pub const DEFAULT_MAX_BAR_TRIALS: u128 = 1_000_000_000_000;

/// Per bar of a series: the loaded columns (ts, OHLCV), ATR and the best trials' recorded paths.
const BAR_BYTES: u64 = 8 * 12;

/// Per bar of a seasonality or stats job: columns, calendar keys, returns and labels.
const PROFILE_BAR_BYTES: u64 = 8 * 24;

/// Per seasonality trial kept: parameters, metrics and its JSON summary.
const SEASONALITY_TRIAL_BYTES: u64 = 4 << 10;

/// The largest estimated allocation of one job: `QE_MAX_JOB_MEMORY` (`512MiB`, `8GiB`, `2G`, or bytes), else
/// half of the machine's memory. Read once; an unreadable value is reported by [`check_setting`].
pub fn max_job_memory() -> u64 {
    static LIMIT: OnceLock<u64> = OnceLock::new();
    *LIMIT.get_or_init(|| match std::env::var("QE_MAX_JOB_MEMORY") {
        Ok(v) if !v.trim().is_empty() => parse_bytes(&v).unwrap_or(FALLBACK_BYTES),
        _ => half_of_memory().unwrap_or(FALLBACK_BYTES),
    })
}

/// The most bar-trials (bars a trial walks × trials) one job may run: `QE_MAX_BAR_TRIALS`, else
/// [`DEFAULT_MAX_BAR_TRIALS`]. Read once; an unreadable value is reported by [`check_setting`].
pub fn max_bar_trials() -> u128 {
    static LIMIT: OnceLock<u128> = OnceLock::new();
    *LIMIT.get_or_init(|| match std::env::var("QE_MAX_BAR_TRIALS") {
        Ok(v) if !v.trim().is_empty() => parse_count(&v).unwrap_or(DEFAULT_MAX_BAR_TRIALS),
        _ => DEFAULT_MAX_BAR_TRIALS,
    })
}

/// Checks that `QE_MAX_JOB_MEMORY` and `QE_MAX_BAR_TRIALS`, when set, are readable (the server refuses to start
/// otherwise).
pub fn check_setting() -> Result<(), String> {
    let set = |name| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
    if let Some(v) = set("QE_MAX_JOB_MEMORY") {
        parse_bytes(&v)
            .ok_or_else(|| format!("QE_MAX_JOB_MEMORY: {v:?} is not a size such as 512MiB, 8GiB or 2000000000"))?;
    }
    if let Some(v) = set("QE_MAX_BAR_TRIALS") {
        parse_count(&v).ok_or_else(|| format!("QE_MAX_BAR_TRIALS: {v:?} is not a count such as 1e12 or 5000000000"))?;
    }
    Ok(())
}

/// Parses a positive count: `5000000000`, `1e12`, `2.5e11`.
pub fn parse_count(text: &str) -> Option<u128> {
    let n: f64 = text.trim().parse().ok()?;
    (n.is_finite() && n >= 1.0 && n < u128::MAX as f64).then_some(n as u128)
}

/// Parses `123`, `512MiB`, `512MB`, `8GiB`, `8G`, `1.5GiB` (binary units whatever the spelling).
pub fn parse_bytes(text: &str) -> Option<u64> {
    let t = text.trim();
    let split = t.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let n: f64 = num.parse().ok()?;
    let scale: u64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kb" | "kib" => 1 << 10,
        "m" | "mb" | "mib" => 1 << 20,
        "g" | "gb" | "gib" => 1 << 30,
        "t" | "tb" | "tib" => 1 << 40,
        _ => return None,
    };
    let bytes = n * scale as f64;
    (bytes.is_finite() && bytes >= 1.0 && bytes < u64::MAX as f64).then_some(bytes as u64)
}

fn half_of_memory() -> Option<u64> {
    let info = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = info.lines().find(|l| l.starts_with("MemTotal:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024 / 2)
}

/// An estimate of a job's peak allocation and of its work, with what drives them.
#[derive(Debug, Clone, PartialEq)]
pub struct Estimate {
    pub bytes: u64,
    /// The plan in words, e.g. `527040 bars, 900 signal pairs (900 held at a time), 4500 trials × 1 symbols × 3 folds`.
    pub plan: String,
    /// The path of the spec field to name when the estimate is over the memory budget.
    pub field: &'static [&'static str],
    /// Bars walked × trials run (0 for a job without trials).
    pub bar_trials: u128,
    /// The path of the spec field to name when the work is over its budget.
    pub trials_field: &'static [&'static str],
}

impl Estimate {
    /// Refuses the job when its work is over `max_bar_trials` or its memory over `limit` bytes.
    pub fn check(&self, limit: u64, max_bar_trials: u128) -> Result<(), JobError> {
        if self.bar_trials > max_bar_trials {
            return Err(JobError::Spec {
                path: self.trials_field.iter().map(|&key| key.into()).collect(),
                message: format!(
                    "the job would run {} bar-trials ({}), more than the {max_bar_trials} a job may run \
                     (QE_MAX_BAR_TRIALS); narrow the search space or the date range",
                    self.bar_trials, self.plan
                ),
            });
        }
        if self.bytes <= limit {
            return Ok(());
        }
        Err(JobError::Spec {
            path: self.field.iter().map(|&key| key.into()).collect(),
            message: format!(
                "the job would need about {} ({}), more than the {} a job may use (QE_MAX_JOB_MEMORY); \
                 narrow the search space or the date range",
                human(self.bytes),
                self.plan,
                human(limit)
            ),
        })
    }
}

/// Checks `estimate` against the server's limits and reserves its memory in the shared [`Pool`], waiting (with
/// the message `waiting for memory`; the job has just loaded its bars, at progress 0) while running jobs hold too
/// much of it.
pub fn admit(estimate: &Estimate, ctx: &JobContext) -> Result<Reservation<'static>, JobError> {
    estimate.check(max_job_memory(), max_bar_trials())?;
    Pool::shared().reserve(estimate.bytes, &ctx.cancel, |held| {
        ctx.report(
            0.0,
            &format!(
                "waiting for memory: running jobs hold {} of the {} (QE_MAX_JOB_MEMORY)",
                human(held),
                human(max_job_memory())
            ),
        )
    })
}

/// The memory running jobs have reserved, so that jobs which each fit the budget cannot exceed it together.
pub struct Pool {
    limit: u64,
    held: Mutex<u64>,
    freed: Condvar,
}

impl Pool {
    /// A pool of `limit` bytes.
    pub fn new(limit: u64) -> Pool {
        Pool {
            limit,
            held: Mutex::new(0),
            freed: Condvar::new(),
        }
    }

    /// The server's pool, of [`max_job_memory`] bytes.
    pub fn shared() -> &'static Pool {
        static POOL: OnceLock<Pool> = OnceLock::new();
        POOL.get_or_init(|| Pool::new(max_job_memory()))
    }

    /// Reserves `bytes` (at most the whole pool), waiting while others hold too much: `waiting` is told, once,
    /// how much they hold. A cancel while waiting ends the wait with [`JobError::Cancelled`].
    pub fn reserve(
        &self,
        bytes: u64,
        cancel: &AtomicBool,
        waiting: impl FnOnce(u64),
    ) -> Result<Reservation<'_>, JobError> {
        let bytes = bytes.min(self.limit);
        let mut waiting = Some(waiting);
        let mut held = self.held.lock().unwrap_or_else(|e| e.into_inner());
        while held.saturating_add(bytes) > self.limit {
            if cancel.load(Ordering::Relaxed) {
                return Err(JobError::Cancelled);
            }
            if let Some(tell) = waiting.take() {
                tell(*held);
            }
            held = self
                .freed
                .wait_timeout(held, Duration::from_millis(100))
                .unwrap_or_else(|e| e.into_inner())
                .0;
        }
        *held += bytes;
        Ok(Reservation { pool: self, bytes })
    }

    /// Bytes reserved now.
    pub fn held(&self) -> u64 {
        *self.held.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Memory reserved in a [`Pool`], given back when dropped.
#[must_use = "the memory is given back when the reservation is dropped"]
pub struct Reservation<'a> {
    pool: &'a Pool,
    bytes: u64,
}

impl Drop for Reservation<'_> {
    fn drop(&mut self) {
        let mut held = self.pool.held.lock().unwrap_or_else(|e| e.into_inner());
        *held -= self.bytes;
        self.pool.freed.notify_all();
    }
}

/// The optimiser's peak: per symbol (they run one after another) the per-bar columns and one signal bit per bar per
/// (fast, slow) pair the sweep holds at once (a wave; the EMAs exist a block at a time); over all symbols, every kept
/// trial with its folds.
pub fn optimize(spec: &ExperimentSpec, series: &[Bars]) -> Estimate {
    let s = &spec.strategy.search_space;
    let pairs = s
        .ema_fast
        .iter()
        .map(|f| s.ema_slow.iter().filter(|l| f < *l).count() as u64)
        .sum::<u64>();
    let trials = match spec.strategy.method {
        SearchMethod::Grid => u64::try_from(s.grid_size()).unwrap_or(u64::MAX),
        SearchMethod::Random | SearchMethod::Tpe => (spec.strategy.max_trials as u128)
            .min(s.grid_size())
            .try_into()
            .unwrap_or(u64::MAX),
    };
    let bars = series.iter().map(|b| b.len() as u64).max().unwrap_or(0);
    let all_bars: u64 = series.iter().map(|b| b.len() as u64).sum();
    let folds = spec.strategy.validation.folds.clamp(1, 2_400) as u64;
    let trial = (std::mem::size_of::<TrialResult>() + std::mem::size_of::<Option<BacktestMetrics>>()) as u64;
    // A random or TPE search builds only the pairs of its points, a grid every pair; a wave at most what fits.
    let held = pairs
        .min(trials)
        .min(crate::optimize::signals::pairs_per_wave(bars as usize) as u64);
    let per_symbol = bars
        .saturating_mul(BAR_BYTES)
        .saturating_add(bars.div_ceil(8).saturating_mul(held));
    let kept = trials
        .saturating_mul(series.len() as u64)
        .saturating_mul(trial.saturating_add(folds.saturating_mul(trial / 2)));
    Estimate {
        bytes: per_symbol
            .saturating_add(kept)
            .saturating_add(all_bars.saturating_mul(48)),
        plan: format!(
            "{bars} bars, {pairs} signal pairs ({held} held at a time), {trials} trials × {} symbols × {folds} folds",
            series.len()
        ),
        field: &["strategy", "search_space"],
        bar_trials: all_bars as u128 * trials as u128,
        trials_field: match spec.strategy.method {
            SearchMethod::Grid => &["strategy", "search_space"],
            SearchMethod::Random | SearchMethod::Tpe => &["strategy", "max_trials"],
        },
    }
}

/// A seasonality job's peak: per-bar columns and keys of every series, plus every kept trial when optimising.
pub fn seasonality(series: &[Bars], trials: usize) -> Estimate {
    let bars: u64 = series.iter().map(|b| b.len() as u64).sum();
    let trials = trials as u64;
    Estimate {
        bytes: bars
            .saturating_mul(PROFILE_BAR_BYTES)
            .saturating_add(trials.saturating_mul(SEASONALITY_TRIAL_BYTES)),
        plan: format!("{bars} bars, {trials} trials"),
        field: if trials > 0 {
            &["compute", "max_trials"]
        } else {
            &["data"]
        },
        bar_trials: bars as u128 * trials as u128,
        trials_field: &["compute", "max_trials"],
    }
}

/// `1.5 GiB`, `300 MiB`.
pub fn human(bytes: u64) -> String {
    let b = bytes as f64;
    match bytes {
        0..0x10_0000 => format!("{:.0} KiB", b / 1024.0),
        0x10_0000..0x4000_0000 => format!("{:.0} MiB", b / 1048576.0),
        _ => format!("{:.1} GiB", b / 1073741824.0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use model::spec::experiment::parse_experiment;
    use serde_json::json;

    fn bars(n: usize) -> Bars {
        let mut b = Bars::new("X");
        for i in 0..n {
            b.push(i as i64 * 60_000, 1.0, 1.0, 1.0, 1.0, 1.0);
        }
        b
    }

    fn spec(fast: (i64, i64), slow: (i64, i64)) -> ExperimentSpec {
        parse_experiment(json!({
            "data": {"path": "x.csv", "start": "2024-01-01", "end": "2024-12-31"},
            "strategy": {"name": "ema_cross", "method": "grid", "filters": {"ema_fast": 9, "ema_slow": 26}, "tpsl": {"atr_k": 2.0}, "objective": "sharpe",
                "validation": {"train_months": 0, "test_months": 1, "folds": 1}, "search_space": {
                "ema_fast": {"low": fast.0, "high": fast.1}, "ema_slow": {"low": slow.0, "high": slow.1}, "R": [2]}}
        }))
        .unwrap()
    }

    #[test]
    fn sizes_parse_in_binary_units() {
        assert_eq!(parse_bytes("512MiB"), Some(512 << 20));
        assert_eq!(parse_bytes("8G"), Some(8 << 30));
        assert_eq!(parse_bytes(" 1.5 GiB "), Some(3 << 29));
        assert_eq!(parse_bytes("2000"), Some(2000));
        assert_eq!(parse_bytes("lots"), None);
        assert_eq!(parse_bytes("5 parsecs"), None);
        assert_eq!(parse_bytes("0"), None);
    }

    #[test]
    fn the_optimiser_estimate_counts_pairs_and_trials() {
        let series = [bars(1000)];
        let small = optimize(&spec((5, 6), (20, 21)), &series);
        assert!(
            small
                .plan
                .starts_with("1000 bars, 4 signal pairs (4 held at a time), 4 trials"),
            "{}",
            small.plan
        );
        // 400 fast × 400 slow periods: ~80,000 pairs of 1000 bits, far more than the small grid.
        let wide = optimize(&spec((1, 400), (1, 400)), &series);
        assert!(
            wide.plan.contains("79800 signal pairs (79800 held at a time)"),
            "{}",
            wide.plan
        );
        assert!(wide.bytes > 79_800 * 125 && wide.bytes > 100 * small.bytes);
        // Over longer series a wave holds what fits in its share, not every pair.
        let long = optimize(&spec((1, 400), (1, 400)), &[bars(100_000)]);
        let held = crate::optimize::signals::pairs_per_wave(100_000);
        assert!(held < 79_800);
        assert!(
            long.plan
                .contains(&format!("79800 signal pairs ({held} held at a time)")),
            "{}",
            long.plan
        );
        // A random search builds the pairs of its points only.
        let mut random = spec((1, 400), (1, 400));
        random.strategy.method = SearchMethod::Random;
        random.strategy.max_trials = 100;
        let sampled = optimize(&random, &series);
        assert!(
            sampled.plan.contains("79800 signal pairs (100 held at a time)"),
            "{}",
            sampled.plan
        );
        assert!(sampled.bytes < wide.bytes / 100);
    }

    #[test]
    fn a_plan_over_the_budget_is_refused_naming_the_field_and_the_setting() {
        let e = optimize(&spec((1, 400), (1, 400)), &[bars(100_000)]);
        let err = e.check(64 << 20, u128::MAX).unwrap_err();
        let JobError::Spec { path, message } = err else {
            panic!("a spec error")
        };
        assert_eq!(model::spec::dotted(&path), "strategy.search_space");
        assert!(
            message.contains("QE_MAX_JOB_MEMORY") && message.contains("79800 signal pairs"),
            "{message}"
        );
        assert!(e.check(u64::MAX, u128::MAX).is_ok());
    }

    #[test]
    fn work_over_the_bar_trial_budget_is_refused_naming_the_trials_field() {
        // A random search over 100 × 100 periods: min(max_trials, grid) trials over both symbols' bars.
        let mut random = spec((1, 100), (1, 100));
        random.strategy.method = SearchMethod::Random;
        random.strategy.max_trials = 50;
        let e = optimize(&random, &[bars(1000), bars(3000)]);
        assert_eq!(e.bar_trials, 50 * 4000);
        let JobError::Spec { path, message } = e.check(u64::MAX, 50 * 4000 - 1).unwrap_err() else {
            panic!("a spec error")
        };
        assert_eq!(model::spec::dotted(&path), "strategy.max_trials");
        assert!(
            message.contains("would run 200000 bar-trials") && message.contains("QE_MAX_BAR_TRIALS"),
            "{message}"
        );
        assert!(e.check(u64::MAX, 50 * 4000).is_ok(), "at the limit passes");
        // A grid's trials are its size.
        let grid = optimize(&spec((5, 6), (20, 21)), &[bars(1000)]);
        assert_eq!(grid.bar_trials, 4 * 1000);
        assert_eq!(grid.trials_field, ["strategy", "search_space"]);
        let season = seasonality(&[bars(10), bars(20)], 7);
        assert_eq!(
            (season.bar_trials, season.trials_field),
            (210, &["compute", "max_trials"][..])
        );
        assert_eq!(seasonality(&[bars(10)], 0).bar_trials, 0);
    }

    #[test]
    fn counts_parse_in_plain_and_scientific_notation() {
        assert_eq!(parse_count("5000000000"), Some(5_000_000_000));
        assert_eq!(parse_count(" 1e12 "), Some(1_000_000_000_000));
        assert_eq!(parse_count("2.5e3"), Some(2500));
        assert_eq!(parse_count("0"), None);
        assert_eq!(parse_count("many"), None);
        assert_eq!(parse_count("inf"), None);
    }

    #[test]
    fn a_job_waits_while_others_hold_the_pool_and_starts_when_they_free_it() {
        use std::sync::atomic::AtomicU64;
        let pool = Pool::new(100);
        let never = AtomicBool::new(false);
        let first = pool.reserve(60, &never, |_| panic!("the pool is empty")).unwrap();
        let told = AtomicU64::new(u64::MAX);
        let got = AtomicBool::new(false);
        std::thread::scope(|scope| {
            scope.spawn(|| {
                let second = pool
                    .reserve(50, &never, |held| told.store(held, Ordering::SeqCst))
                    .unwrap();
                got.store(true, Ordering::SeqCst);
                drop(second);
            });
            std::thread::sleep(Duration::from_millis(300));
            assert!(!got.load(Ordering::SeqCst), "60 + 50 is over 100: the second waits");
            assert_eq!(told.load(Ordering::SeqCst), 60, "told what the others hold");
            drop(first);
        });
        assert!(got.load(Ordering::SeqCst), "freed memory lets the waiting job start");
        assert_eq!(pool.held(), 0);
        // An estimate larger than the pool takes all of it (the limit check refused larger plans already).
        let all = pool.reserve(1_000, &never, |_| panic!("the pool is empty")).unwrap();
        assert_eq!(pool.held(), 100);
        let cancelled = AtomicBool::new(true);
        assert!(matches!(pool.reserve(1, &cancelled, |_| {}), Err(JobError::Cancelled)));
        drop(all);
    }
}
