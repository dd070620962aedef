//! The seasonality spec (`POST /seasonality/run`, `/seasonality/optimize`, reference §1.6) with the original's defaults.

use super::{from_value, DataSpec, SpecError};
use serde::{Deserialize, Serialize};

pub use super::seasonality_space::{normalize_search_space, FloatParam, IntParam, Param, SearchSpace};

/// The whole seasonality job: data, profile dimensions, selection, costs, validation and outputs.
/// Unknown keys are ignored anywhere, as the original did.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SeasonalitySpec {
    pub data: DataSpec,
    #[serde(default)]
    pub profile: ProfileSpec,
    #[serde(default)]
    pub signal: SignalSpec,
    #[serde(default)]
    pub compute: ComputeSpec,
    #[serde(default)]
    pub execution: ExecutionSpec,
    #[serde(default)]
    pub risk: RiskSpec,
    #[serde(default)]
    pub tp_sl: TpSlSpec,
    #[serde(default)]
    pub validation: ValidationSpec,
    #[serde(default)]
    pub artifacts: ArtifactsSpec,
    #[serde(default)]
    pub persistence: PersistenceSpec,
    /// How PBO blocks the evaluation period (`overfitting.blocks`, default 16).
    #[serde(default)]
    pub overfitting: super::overfitting::OverfittingSpec,
}

/// What a profile measures per bar: the forward direction (up/down) or the forward return.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum Measure {
    #[default]
    Direction,
    Return,
}

crate::jobs::named_enum!(Measure, "measure", {
    Direction => "direction",
    Return => "return",
});

/// Which calendar dimensions to profile (`by_*`), the measure and the bin size floor.
/// The last five flags and the turn-of-month window are new (issue 6, V2–V5); they default to off.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct ProfileSpec {
    pub by_hour: bool,
    pub by_dow: bool,
    pub by_month: bool,
    pub by_session: bool,
    pub by_month_start: bool,
    pub by_month_end: bool,
    pub by_news_hour: bool,
    pub by_rollover_day: bool,
    pub by_third_friday: bool,
    pub by_week_in_month: bool,
    pub by_day_in_month: bool,
    pub by_month_last_days: bool,
    pub by_quarter: bool,
    pub by_month_flags: bool,
    pub by_trading_day: bool,
    pub by_trading_day_from_end: bool,
    pub by_turn_of_month: bool,
    pub by_weekday_hour: bool,
    pub by_month_year: bool,
    /// Trading days before the month's end that belong to the turn-of-month window.
    pub tom_before: u32,
    /// Trading days after the month's start that belong to the turn-of-month window.
    pub tom_after: u32,
    pub measure: Measure,
    /// Forward horizon in bars; values below 1 act as 1 (see [`ProfileSpec::horizon`]).
    pub ret_horizon: i64,
    pub min_samples_bin: i64,
}

impl Default for ProfileSpec {
    fn default() -> Self {
        Self {
            by_hour: true,
            by_dow: true,
            by_month: false,
            by_session: false,
            by_month_start: false,
            by_month_end: false,
            by_news_hour: false,
            by_rollover_day: false,
            by_third_friday: false,
            by_week_in_month: false,
            by_day_in_month: false,
            by_month_last_days: false,
            by_quarter: false,
            by_month_flags: false,
            by_trading_day: false,
            by_trading_day_from_end: false,
            by_turn_of_month: false,
            by_weekday_hour: false,
            by_month_year: false,
            tom_before: 1,
            tom_after: 3,
            measure: Measure::Direction,
            ret_horizon: 1,
            min_samples_bin: 300,
        }
    }
}

impl ProfileSpec {
    /// The forward horizon actually used: `max(ret_horizon, 1)`.
    pub fn horizon(&self) -> usize {
        self.ret_horizon.max(1) as usize
    }
}

/// How bins are selected.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum SelectMethod {
    #[default]
    Threshold,
    Topk,
}

crate::jobs::named_enum!(SelectMethod, "selection method", {
    Threshold => "threshold",
    Topk => "topk",
});

/// How the masks of several dims are combined into one long signal (`sum` acts as `or`, as in the original).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum Combine {
    #[default]
    And,
    Or,
    Sum,
}

crate::jobs::named_enum!(Combine, "combination", {
    And => "and",
    Or => "or",
    Sum => "sum",
});

/// Bin selection and signal combination.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct SignalSpec {
    pub method: SelectMethod,
    pub threshold: f64,
    pub topk: i64,
    /// Dims to select from; empty = every dim present in the profiles.
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<String>))]
    pub dims: Vec<crate::dim::Dim>,
    pub combine: Combine,
}

impl Default for SignalSpec {
    fn default() -> Self {
        Self {
            method: SelectMethod::Threshold,
            threshold: 0.54,
            topk: 3,
            dims: vec![crate::dim::Dim::Hour, crate::dim::Dim::Dow],
            combine: Combine::And,
        }
    }
}

/// Optimiser settings: trial budget and the search space, as sent and normalised by [`parse_seasonality`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct ComputeSpec {
    pub max_trials: i64,
    /// Per parameter (`dims`, `threshold`, `topk`, `method`, `combine`, …): a value, a list of choices or a range
    /// `{"low", "high", "step"}`.
    #[serde(rename = "search_space")]
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub search_space_sent: serde_json::Map<String, serde_json::Value>,
    /// The normalised search space ([`normalize_search_space`] of the one sent).
    #[serde(skip)]
    pub search_space: SearchSpace,
    /// New: seed of the optimiser's sampler; the same spec and seed give the same trials (default 0).
    pub seed: u64,
}

impl Default for ComputeSpec {
    fn default() -> Self {
        Self {
            max_trials: 30,
            search_space_sent: Default::default(),
            search_space: SearchSpace::default(),
            seed: 0,
        }
    }
}

impl ComputeSpec {
    /// The number of trials to run: `max_trials`, or 30 when it is ≤ 0.
    pub fn trials(&self) -> usize {
        if self.max_trials <= 0 {
            30
        } else {
            self.max_trials as usize
        }
    }
}

/// Costs in basis points, applied on entry and exit.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = SeasonalityExecution))]
#[serde(default)]
pub struct ExecutionSpec {
    pub slippage_bps: f64,
    pub commission_bps: f64,
}

/// Accepted and ignored, as in the original.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct RiskSpec {
    pub max_positions: i64,
    pub max_allocation: f64,
}

impl Default for RiskSpec {
    fn default() -> Self {
        Self {
            max_positions: 1,
            max_allocation: 1.0,
        }
    }
}

/// Stop (ATR multiple) and target (R multiple); null means 1.0.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct TpSlSpec {
    pub stop_loss: Option<f64>,
    pub take_profit: Option<f64>,
}

/// Walk-forward settings; walk-forward only when `folds > 1`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct ValidationSpec {
    pub min_trades: i64,
    pub train_months: i64,
    pub test_months: i64,
    pub folds: i64,
    pub embargo_days: i64,
}

impl Default for ValidationSpec {
    fn default() -> Self {
        Self {
            min_trades: 0,
            train_months: 0,
            test_months: 1,
            folds: 1,
            embargo_days: 0,
        }
    }
}

/// Where artifacts go; none are written for a run when null.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct ArtifactsSpec {
    pub out_dir: Option<String>,
}

/// Whether to write `seasonality_runs`/`seasonality_profiles` rows, and the ids copied into them.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct PersistenceSpec {
    pub enabled: bool,
    pub spec_id: Option<String>,
    pub dataset_id: Option<String>,
}

/// Parses and validates a seasonality spec; every error names the field (HTTP 422).
pub fn parse_seasonality(value: serde_json::Value) -> Result<SeasonalitySpec, SpecError> {
    check_required_data(&value)?;
    let mut spec: SeasonalitySpec = from_value(value)?;
    if !spec.signal.threshold.is_finite() {
        return Err(SpecError::new(["signal", "threshold"], "must be a finite number"));
    }
    let v = &spec.validation;
    super::limits::check_validation(&["validation"], v.train_months, v.test_months, v.folds, v.embargo_days)?;
    if spec.profile.ret_horizon > super::limits::MAX_BARS as i64 {
        return Err(SpecError::new(
            ["profile", "ret_horizon"],
            format!(
                "must be at most {} bars, got {}",
                super::limits::MAX_BARS,
                spec.profile.ret_horizon
            ),
        ));
    }
    spec.compute.search_space =
        normalize_search_space(&serde_json::Value::Object(spec.compute.search_space_sent.clone()))?;
    spec.overfitting.check()?;
    Ok(spec)
}

/// The original's pydantic block requires `symbols`, `timeframe`, `start`, `end`, and start/end as ISO text.
fn check_required_data(value: &serde_json::Value) -> Result<(), SpecError> {
    let data = value
        .get("data")
        .ok_or_else(|| SpecError::new(["data"], "field required"))?;
    if !data.is_object() {
        return Err(SpecError::new(["data"], "expected an object"));
    }
    for key in ["symbols", "timeframe", "start", "end"] {
        if data.get(key).is_none_or(|v| v.is_null()) {
            return Err(SpecError::new(["data", key], "field required"));
        }
    }
    for key in ["start", "end"] {
        match data.get(key) {
            Some(serde_json::Value::String(s)) if iso_date_part(s).is_some() => {}
            Some(serde_json::Value::String(s)) => {
                return Err(SpecError::new(
                    ["data", key],
                    format!("{s:?} is not an ISO date or datetime"),
                ))
            }
            _ => return Err(SpecError::new(["data", key], "expected a date string")),
        }
    }
    Ok(())
}

/// The `YYYY-MM-DD` part of an ISO date/datetime, or None when the text does not start with a valid date.
pub fn iso_date_part(text: &str) -> Option<&str> {
    let d = text.trim().get(..10)?;
    let b = d.as_bytes();
    let digits = |r: std::ops::Range<usize>| r.into_iter().all(|i| b[i].is_ascii_digit());
    if !(digits(0..4) && b[4] == b'-' && digits(5..7) && b[7] == b'-' && digits(8..10)) {
        return None;
    }
    let month: u32 = d[5..7].parse().ok()?;
    let day: u32 = d[8..10].parse().ok()?;
    let rest = &text.trim()[10..];
    let rest_ok = rest.is_empty() || rest.starts_with('T') || rest.starts_with(' ');
    ((1..=12).contains(&month) && (1..=31).contains(&day) && rest_ok).then_some(d)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn minimal() -> serde_json::Value {
        json!({"data": {"dataset_path": "a.json", "symbols": ["EURUSD"], "timeframe": "M1",
                        "start": "2024-01-01", "end": "2024-01-02T00:00:00Z"}})
    }

    #[test]
    fn a_minimal_spec_gets_the_original_defaults() {
        let s = parse_seasonality(minimal()).unwrap();
        assert!(s.profile.by_hour && s.profile.by_dow && !s.profile.by_month && !s.profile.by_quarter);
        assert_eq!(s.profile.measure, Measure::Direction);
        assert_eq!((s.profile.ret_horizon, s.profile.min_samples_bin), (1, 300));
        assert_eq!(
            (s.signal.method, s.signal.threshold, s.signal.topk),
            (SelectMethod::Threshold, 0.54, 3)
        );
        assert_eq!(s.signal.dims, vec![crate::dim::Dim::Hour, crate::dim::Dim::Dow]);
        assert_eq!(s.signal.combine, Combine::And);
        assert_eq!(s.compute.trials(), 30);
        assert_eq!((s.validation.test_months, s.validation.folds), (1, 1));
        assert_eq!(
            s.tp_sl,
            TpSlSpec {
                stop_loss: None,
                take_profit: None
            }
        );
        assert!(!s.persistence.enabled && s.artifacts.out_dir.is_none());
    }

    #[test]
    fn the_reference_run_spec_parses_with_its_values() {
        let text =
            std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../specs/seasonality_run.json")).unwrap();
        let s = parse_seasonality(serde_json::from_str(&text).unwrap()).unwrap();
        assert_eq!(s.profile.min_samples_bin, 2);
        assert_eq!(s.signal.threshold, 0.55);
        assert_eq!(
            s.execution,
            ExecutionSpec {
                slippage_bps: 0.5,
                commission_bps: 0.2
            }
        );
        assert_eq!(s.tp_sl.stop_loss, Some(1.5));
        assert_eq!(s.persistence.spec_id.as_deref(), Some("demo_seasonality_run"));
    }

    #[test]
    fn a_bad_measure_names_profile_measure() {
        let mut v = minimal();
        v["profile"] = json!({"measure": "volatility"});
        assert_eq!(parse_seasonality(v).unwrap_err().field(), "profile.measure");
    }

    #[test]
    fn an_unknown_signal_dim_names_its_index() {
        let mut v = minimal();
        v["signal"] = json!({"dims": ["hour", "minute"]});
        assert_eq!(parse_seasonality(v).unwrap_err().field(), "signal.dims[1]");
    }

    #[test]
    fn bad_combine_and_method_name_their_fields() {
        let mut v = minimal();
        v["signal"] = json!({"combine": "xor"});
        assert_eq!(parse_seasonality(v).unwrap_err().field(), "signal.combine");
        let mut v = minimal();
        v["signal"] = json!({"method": "best"});
        assert_eq!(parse_seasonality(v).unwrap_err().field(), "signal.method");
    }

    #[test]
    fn missing_or_numeric_dates_are_rejected_by_field() {
        let mut v = minimal();
        v["data"].as_object_mut().unwrap().remove("timeframe");
        assert_eq!(parse_seasonality(v).unwrap_err().field(), "data.timeframe");
        let mut v = minimal();
        v["data"]["start"] = json!(20240101);
        assert_eq!(parse_seasonality(v).unwrap_err().field(), "data.start");
        let mut v = minimal();
        v["data"]["end"] = json!("yesterday");
        assert_eq!(parse_seasonality(v).unwrap_err().field(), "data.end");
    }

    #[test]
    fn unknown_keys_are_ignored_and_horizon_floors_at_one() {
        let mut v = minimal();
        v["execution"] = json!({"fee_bps": 3});
        v["profile"] = json!({"ret_horizon": -4, "colour": "red"});
        let s = parse_seasonality(v).unwrap();
        assert_eq!(s.profile.horizon(), 1);
        assert_eq!(s.execution.commission_bps, 0.0);
    }

    #[test]
    fn iso_date_part_accepts_the_original_formats() {
        assert_eq!(iso_date_part("2024-01-01T00:09:00Z"), Some("2024-01-01"));
        assert_eq!(iso_date_part("2024-01-01 10:00:00"), Some("2024-01-01"));
        assert_eq!(iso_date_part("2024-13-01"), None);
        assert_eq!(iso_date_part("2024-01-01x"), None);
    }
}
