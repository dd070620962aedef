//! The memory a job may take (`QE_MAX_JOB_MEMORY`), estimated from its plan once its bars are loaded and before
//! its search allocates anything: a job over the budget fails as bad input, naming what drives the estimate.
//!
//! Rust aborts the process when an allocation fails, so the budget is what keeps one request from taking the
//! server down; the estimates count the large buffers (per-bar columns, indicators, signals, kept trials).

use super::JobError;
use crate::backtest::BacktestMetrics;
use crate::data::Bars;
use crate::optimize::TrialResult;
use model::spec::experiment::{ExperimentSpec, SearchMethod};
use std::collections::BTreeSet;
use std::sync::OnceLock;

/// The budget when `QE_MAX_JOB_MEMORY` is unset and the machine's memory is unknown.
const FALLBACK_BYTES: u64 = 8 << 30;

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

/// Checks that `QE_MAX_JOB_MEMORY`, when set, is readable (the server refuses to start otherwise).
pub fn check_setting() -> Result<(), String> {
    match std::env::var("QE_MAX_JOB_MEMORY") {
        Ok(v) if !v.trim().is_empty() => parse_bytes(&v)
            .map(|_| ())
            .ok_or_else(|| format!("QE_MAX_JOB_MEMORY: {v:?} is not a size such as 512MiB, 8GiB or 2000000000")),
        _ => Ok(()),
    }
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

/// An estimate of a job's peak allocation and what drives it.
#[derive(Debug, Clone, PartialEq)]
pub struct Estimate {
    pub bytes: u64,
    /// The plan in words, e.g. `527040 bars × 60 EMA periods, 900 signal pairs, 4500 trials`.
    pub plan: String,
    /// The spec field to name when the estimate is over the budget.
    pub field: &'static str,
}

impl Estimate {
    /// Refuses the job when the estimate is above `limit` bytes.
    pub fn check(&self, limit: u64) -> Result<(), JobError> {
        if self.bytes <= limit {
            return Ok(());
        }
        Err(JobError::Spec {
            field: self.field.to_string(),
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

/// The optimiser's peak: per symbol (they run one after another) the per-bar columns, one EMA per distinct
/// period and one signal bit per bar per (fast, slow) pair; over all symbols, every kept trial with its folds.
pub fn optimize(spec: &ExperimentSpec, series: &[Bars]) -> Estimate {
    let s = &spec.strategy.search_space;
    let periods: BTreeSet<usize> = s.ema_fast.iter().chain(&s.ema_slow).copied().collect();
    let pairs = s
        .ema_fast
        .iter()
        .map(|f| s.ema_slow.iter().filter(|l| f < *l).count() as u64)
        .sum::<u64>();
    let trials = match spec.strategy.method {
        SearchMethod::Grid => u64::try_from(s.grid_size()).unwrap_or(u64::MAX),
        SearchMethod::Random | SearchMethod::Tpe => spec.strategy.max_trials as u64,
    };
    let bars = series.iter().map(|b| b.len() as u64).max().unwrap_or(0);
    let all_bars: u64 = series.iter().map(|b| b.len() as u64).sum();
    let folds = spec.strategy.validation.folds.clamp(1, 2_400) as u64;
    let trial = (std::mem::size_of::<TrialResult>() + std::mem::size_of::<Option<BacktestMetrics>>()) as u64;
    let per_symbol = bars
        .saturating_mul(BAR_BYTES + 8 * periods.len() as u64)
        .saturating_add(bars.div_ceil(8).saturating_mul(pairs));
    let kept = trials
        .saturating_mul(series.len() as u64)
        .saturating_mul(trial.saturating_add(folds.saturating_mul(trial / 2)));
    Estimate {
        bytes: per_symbol
            .saturating_add(kept)
            .saturating_add(all_bars.saturating_mul(48)),
        plan: format!(
            "{bars} bars × {} EMA periods, {pairs} signal pairs, {trials} trials × {} symbols × {folds} folds",
            periods.len(),
            series.len()
        ),
        field: "strategy.search_space",
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
        field: if trials > 0 { "compute.max_trials" } else { "data" },
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
    fn the_optimiser_estimate_counts_periods_pairs_and_trials() {
        let series = [bars(1000)];
        let small = optimize(&spec((5, 6), (20, 21)), &series);
        assert!(
            small
                .plan
                .starts_with("1000 bars × 4 EMA periods, 4 signal pairs, 4 trials"),
            "{}",
            small.plan
        );
        // 400 fast × 400 slow periods: ~80,000 pairs of 1000 bits, far more than the small grid.
        let wide = optimize(&spec((1, 400), (1, 400)), &series);
        assert!(
            wide.plan.contains("400 EMA periods, 79800 signal pairs"),
            "{}",
            wide.plan
        );
        assert!(wide.bytes > 79_800 * 125 && wide.bytes > 100 * small.bytes);
    }

    #[test]
    fn a_plan_over_the_budget_is_refused_naming_the_field_and_the_setting() {
        let e = optimize(&spec((1, 400), (1, 400)), &[bars(100_000)]);
        let err = e.check(64 << 20).unwrap_err();
        let JobError::Spec { field, message } = err else {
            panic!("a spec error")
        };
        assert_eq!(field, "strategy.search_space");
        assert!(
            message.contains("QE_MAX_JOB_MEMORY") && message.contains("79800 signal pairs"),
            "{message}"
        );
        assert!(e.check(u64::MAX).is_ok());
    }
}
