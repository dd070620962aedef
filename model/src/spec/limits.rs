//! The real ranges of spec numbers and the work budget a spec is checked against before it is queued, so no
//! request can make the server overflow, panic or allocate without bound.

use super::experiment::{ExperimentSpec, SearchMethod};
use super::seasonality::SeasonalitySpec;
use super::SpecError;

/// Default trials one job may run (`QE_MAX_TRIALS`).
pub const DEFAULT_MAX_TRIALS: usize = 100_000;

/// Largest horizon or window in bars (stats parameters, seasonality `ret_horizon`): a million bars, about two
/// years of 1-minute bars, more than any job's data holds in one fold.
pub const MAX_BARS: u64 = 1_000_000;

/// Largest `train_months`, `test_months` and `folds` of a walk-forward block: 2,400 months, 200 years.
pub const MAX_MONTHS: i64 = 2_400;

/// Largest `embargo_days` of a walk-forward block: 73,050 days, 200 years.
pub const MAX_EMBARGO_DAYS: i64 = 73_050;

/// The work budget of one job; a spec over it is refused naming the field and the limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Trials one optimisation may run (`QE_MAX_TRIALS`).
    pub max_trials: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_trials: DEFAULT_MAX_TRIALS,
        }
    }
}

impl Limits {
    /// Refuses an experiment asking for more trials than the limit: `max_trials` of a random or TPE search, the
    /// grid's size (counted, never enumerated) of a grid search.
    pub fn check_experiment(&self, spec: &ExperimentSpec) -> Result<(), SpecError> {
        let s = &spec.strategy;
        match s.method {
            SearchMethod::Grid => {
                let size = s.search_space.grid_size();
                if size > self.max_trials as u128 {
                    return Err(SpecError::new(
                        ["strategy", "search_space"],
                        format!("the grid holds {size} trials, more than {}", self.over()),
                    ));
                }
            }
            SearchMethod::Random | SearchMethod::Tpe => {
                self.check_trials(["strategy", "max_trials"], s.max_trials as u128)?
            }
        }
        Ok(())
    }

    /// Refuses a seasonality optimisation whose `compute.max_trials` is over the limit (a plain run has no trials).
    pub fn check_seasonality(&self, spec: &SeasonalitySpec, optimize: bool) -> Result<(), SpecError> {
        if optimize {
            self.check_trials(["compute", "max_trials"], spec.compute.trials() as u128)?;
        }
        Ok(())
    }

    fn check_trials(&self, field: [&str; 2], trials: u128) -> Result<(), SpecError> {
        if trials > self.max_trials as u128 {
            return Err(SpecError::new(
                field,
                format!("{trials} trials is more than {}", self.over()),
            ));
        }
        Ok(())
    }

    fn over(&self) -> String {
        format!("the limit of {} trials per job (QE_MAX_TRIALS)", self.max_trials)
    }
}

/// Checks a walk-forward block's months, folds and embargo days against their real ranges (the upper bounds
/// only: values below zero keep their meaning); `prefix` is the block's path, e.g. `["strategy", "validation"]`.
pub fn check_validation(
    prefix: &[&str],
    train_months: i64,
    test_months: i64,
    folds: i64,
    embargo_days: i64,
) -> Result<(), SpecError> {
    for (key, value, max, what) in [
        ("train_months", train_months, MAX_MONTHS, "200 years"),
        ("test_months", test_months, MAX_MONTHS, "200 years"),
        ("folds", folds, MAX_MONTHS, "one per month of 200 years"),
        ("embargo_days", embargo_days, MAX_EMBARGO_DAYS, "200 years"),
    ] {
        if value > max {
            return Err(SpecError::new(
                prefix.iter().copied().chain([key]),
                format!("must be at most {max} ({what}), got {value}"),
            ));
        }
    }
    Ok(())
}

/// Checks a horizon or window in bars, the parameter `key`: at least 1 and at most [`MAX_BARS`].
pub fn check_bars(key: &str, value: u64) -> Result<(), SpecError> {
    if value == 0 {
        return Err(SpecError::new([key], "must be at least 1"));
    }
    if value > MAX_BARS {
        return Err(SpecError::new(
            [key],
            format!("must be at most {MAX_BARS} bars, got {value}"),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn experiment(strategy_extra: serde_json::Value) -> ExperimentSpec {
        let mut v = json!({
            "data": {"dataset_path": "a.csv", "start": "2024-01-01", "end": "2024-02-01"},
            "strategy": {"filters": {"ema_fast": 9, "ema_slow": 26}, "tpsl": {"atr_k": 2.0}, "objective": "sharpe",
                         "search_space": {"ema_fast": [9], "ema_slow": [26]}}
        });
        for (k, x) in strategy_extra.as_object().unwrap() {
            v["strategy"][k] = x.clone();
        }
        super::super::experiment::parse_experiment(v).unwrap()
    }

    #[test]
    fn trials_at_the_limit_pass_and_one_more_is_refused_naming_the_field() {
        let limits = Limits { max_trials: 1000 };
        let at = experiment(json!({"method": "random", "max_trials": 1000}));
        assert!(limits.check_experiment(&at).is_ok());
        let over = experiment(json!({"method": "tpe", "max_trials": 1001}));
        let err = limits.check_experiment(&over).unwrap_err();
        assert_eq!(err.field(), "strategy.max_trials");
        assert!(err.message.contains("1000 trials per job (QE_MAX_TRIALS)"), "{err}");
    }

    #[test]
    fn a_grid_is_counted_not_enumerated() {
        // 100,000 values in each of four dimensions: 5·10^19 valid points, counted at once.
        let range = json!({"low": 1, "high": 100000});
        let space = json!({"ema_fast": range, "ema_slow": range, "R": range, "atr_k": range});
        let spec = experiment(json!({"method": "grid", "search_space": space}));
        let err = Limits::default().check_experiment(&spec).unwrap_err();
        assert_eq!(err.field(), "strategy.search_space");
        assert!(err.message.contains("49999500000000000000 trials"), "{err}");
        // The grid of 9 fast × 10 slow periods with the default five R values: 5 · 45 = 225 points.
        let space = json!({"ema_fast": {"low": 1, "high": 9}, "ema_slow": {"low": 1, "high": 10}});
        let spec = experiment(json!({"method": "grid", "search_space": space}));
        assert_eq!(spec.strategy.search_space.grid_size(), 225);
        assert!(Limits { max_trials: 225 }.check_experiment(&spec).is_ok());
        assert!(Limits { max_trials: 224 }.check_experiment(&spec).is_err());
    }

    #[test]
    fn walk_forward_numbers_have_real_ranges() {
        assert!(check_validation(&["v"], MAX_MONTHS, MAX_MONTHS, MAX_MONTHS, MAX_EMBARGO_DAYS).is_ok());
        let err = check_validation(&["strategy", "validation"], 4_000_000_000, 1, 1, 0).unwrap_err();
        assert_eq!(err.field(), "strategy.validation.train_months");
        assert!(err.message.contains("at most 2400"), "{err}");
        let err = check_validation(&["validation"], 0, 1, 1, 4_000_000_000).unwrap_err();
        assert_eq!(err.field(), "validation.embargo_days");
    }

    #[test]
    fn the_parsers_refuse_numbers_outside_their_ranges_naming_the_field() {
        let err = super::super::experiment::parse_experiment({
            let mut v = json!({
                "data": {"dataset_path": "a.csv", "start": "2024-01-01", "end": "2024-02-01"},
                "strategy": {"filters": {"ema_fast": 9, "ema_slow": 26}, "tpsl": {"atr_k": 2.0}, "objective": "sharpe",
                             "search_space": {"ema_fast": [9], "ema_slow": [26]}}
            });
            v["strategy"]["validation"] = json!({"embargo_days": 4_000_000_000u64});
            v
        })
        .unwrap_err();
        assert_eq!(err.field(), "strategy.validation.embargo_days");
        // A range of ±1e308 is refused by its size instead of overflowing the count.
        let mut v = json!({
            "data": {"dataset_path": "a.csv", "start": "2024-01-01", "end": "2024-02-01"},
            "strategy": {"filters": {"ema_fast": 9, "ema_slow": 26}, "tpsl": {"atr_k": 2.0}, "objective": "sharpe",
                         "search_space": {"ema_fast": [9], "ema_slow": [26], "R": {"low": -1e308, "high": 1e308}}}
        });
        let err = super::super::experiment::parse_experiment(v.clone()).unwrap_err();
        assert_eq!(err.field(), "strategy.search_space.R");
        v["strategy"]["search_space"]["R"] = json!({"low": 1, "high": 1e300, "step": 1e-300});
        assert!(super::super::experiment::parse_experiment(v).is_err());

        let stats = |targets: serde_json::Value| {
            super::super::stats::parse_stats(json!({
                "data": {"dataset_path": "x.json", "symbols": ["A"], "timeframe": "M1", "start": "2024-01-01",
                         "end": "2024-01-05"},
                "targets": targets, "validation": {"folds": 3}
            }))
        };
        let err = stats(json!([{"name": "t", "type": "time_to_reversal", "params": {"max_horizon": 1e18 as u64}}]))
            .unwrap_err();
        assert_eq!(err.field(), "targets[0].params.max_horizon");
        assert!(err.message.contains("at most 1000000 bars"), "{err}");
        assert!(stats(json!([{"name": "t", "type": "time_to_reversal", "params": {"max_horizon": MAX_BARS}}])).is_ok());

        let seasonality = |extra: serde_json::Value| {
            let mut v = json!({"data": {"dataset_path": "a.json", "symbols": ["A"], "timeframe": "M1",
                                        "start": "2024-01-01", "end": "2024-01-02"}});
            for (k, x) in extra.as_object().unwrap() {
                v[k] = x.clone();
            }
            super::super::seasonality::parse_seasonality(v)
        };
        assert_eq!(
            seasonality(json!({"validation": {"folds": 5_000_000_000i64}}))
                .unwrap_err()
                .field(),
            "validation.folds"
        );
        assert_eq!(
            seasonality(json!({"profile": {"ret_horizon": 1_000_001}}))
                .unwrap_err()
                .field(),
            "profile.ret_horizon"
        );
        let space = |s: serde_json::Value| seasonality(json!({"compute": {"search_space": s}}));
        let err = space(json!({"ret_horizon": {"low": 1, "high": 2_000_000}})).unwrap_err();
        assert_eq!(err.field(), "compute.search_space.ret_horizon");
        let err = space(json!({"min_samples_bin": {"low": -9e18, "high": 9e18}})).unwrap_err();
        assert_eq!(err.field(), "compute.search_space.min_samples_bin");
        let err = space(json!({"threshold": {"low": -1.7e308, "high": 1.7e308}})).unwrap_err();
        assert_eq!(err.field(), "compute.search_space.threshold");
        assert!(space(json!({"ret_horizon": {"low": 1, "high": MAX_BARS}})).is_ok());
    }

    #[test]
    fn a_seasonality_optimisation_is_checked_against_the_trial_limit() {
        let spec = |trials: i64| {
            super::super::seasonality::parse_seasonality(json!({
                "data": {"dataset_path": "a.json", "symbols": ["A"], "timeframe": "M1", "start": "2024-01-01",
                         "end": "2024-01-02"},
                "compute": {"max_trials": trials}
            }))
            .unwrap()
        };
        let limits = Limits { max_trials: 10 };
        assert!(limits.check_seasonality(&spec(10), true).is_ok());
        assert_eq!(
            limits.check_seasonality(&spec(11), true).unwrap_err().field(),
            "compute.max_trials"
        );
        assert!(
            limits.check_seasonality(&spec(11), false).is_ok(),
            "a plain run has no trials"
        );
    }

    #[test]
    fn bars_are_between_one_and_a_million() {
        assert!(check_bars("k", 1).is_ok() && check_bars("k", MAX_BARS).is_ok());
        assert_eq!(check_bars("k", 0).unwrap_err().message, "must be at least 1");
        assert!(check_bars("k", MAX_BARS + 1)
            .unwrap_err()
            .message
            .contains("at most 1000000 bars"));
    }
}
