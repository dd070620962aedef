//! The experiment (submit) spec of reference §1.4, with its compatible extensions: searchable `R` and
//! `atr_k`, ranges `{"low","high","step"}`, execution costs, search method, seed and an honoured objective.

use super::{from_value, DataSpec, SpecError};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// A parsed, validated experiment spec.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ExperimentSpec {
    pub data: DataSpec,
    pub strategy: StrategySpec,
    pub execution: ExecutionSpec,
    /// How PBO blocks the evaluation period (`overfitting.blocks`, default 16).
    pub overfitting: super::overfitting::OverfittingSpec,
}

/// The `strategy` block.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StrategySpec {
    /// The original's `filters.ema_fast/ema_slow`: required, not used by the search (the search space is).
    pub filters: Filters,
    /// Default stop multiple when `atr_k` is not searched.
    pub atr_k: f64,
    pub validation: Validation,
    pub objective: Objective,
    pub search_space: SearchSpace,
    pub method: SearchMethod,
    /// Trial budget of `random` and `tpe` (ignored by `grid`).
    pub max_trials: usize,
    pub seed: u64,
}

/// The keys `strategy.filters` accepts, sorted; the only filters this engine knows (`GET /filters/list`).
pub const FILTER_KEYS: [&str; 2] = ["ema_fast", "ema_slow"];

/// `strategy.filters`: exactly the [`FILTER_KEYS`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Filters {
    pub ema_fast: i64,
    pub ema_slow: i64,
}

/// `strategy.validation`: walk-forward settings and the minimum trade count of a selectable trial.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = WalkForward))]
pub struct Validation {
    #[serde(default)]
    pub min_trades: u32,
    #[serde(default)]
    pub train_months: u32,
    #[serde(default = "one")]
    pub test_months: u32,
    #[serde(default = "one")]
    pub folds: u32,
    #[serde(default)]
    pub embargo_days: u32,
}

fn one() -> u32 {
    1
}

/// Costs charged on both legs of every trade, in basis points of the fill price.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = ExecutionCosts))]
pub struct ExecutionSpec {
    #[serde(default)]
    pub slippage_bps: f64,
    #[serde(default)]
    pub commission_bps: f64,
}

/// The metric a search maximises.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Objective {
    Sharpe,
    Sortino,
    Cagr,
    Calmar,
    ProfitFactor,
    Expectancy,
    Sqn,
}

impl Objective {
    /// The objective's metric key (`sharpe`, `profit_factor`, …).
    pub fn key(self) -> &'static str {
        match self {
            Objective::Sharpe => "sharpe",
            Objective::Sortino => "sortino",
            Objective::Cagr => "cagr",
            Objective::Calmar => "calmar",
            Objective::ProfitFactor => "profit_factor",
            Objective::Expectancy => "expectancy",
            Objective::Sqn => "sqn",
        }
    }
}

/// How trials are chosen from the search space.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum SearchMethod {
    Grid,
    Random,
    Tpe,
}

/// The candidate values of each searchable dimension (ranges already expanded, in spec order).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SearchSpace {
    pub ema_fast: Vec<usize>,
    pub ema_slow: Vec<usize>,
    /// Take-profit multiple of the stop distance; 1…5 when absent, as the original.
    pub r: Vec<f64>,
    /// Stop distance in ATRs; `[strategy.tpsl.atr_k]` when absent.
    pub atr_k: Vec<f64>,
    /// True when `atr_k` was given as a dimension (it is then reported in every trial's params).
    pub atr_k_searched: bool,
}

impl SearchSpace {
    /// Number of valid grid points (fast < slow), counted without enumerating them: O(n log n) in the
    /// dimension sizes, saturating at `u128::MAX`.
    pub fn grid_size(&self) -> u128 {
        let mut slow = self.ema_slow.clone();
        slow.sort_unstable();
        let pairs: u128 = self
            .ema_fast
            .iter()
            .map(|f| (slow.len() - slow.partition_point(|s| s <= f)) as u128)
            .sum();
        pairs
            .checked_mul(self.atr_k.len() as u128)
            .and_then(|n| n.checked_mul(self.r.len() as u128))
            .unwrap_or(u128::MAX)
    }
}

/// Largest number of values one range may expand to.
const MAX_RANGE_VALUES: usize = 100_000;

/// Parses an experiment spec. Structural errors reproduce the original's 400 texts (`'strategy'`,
/// `data.start and data.end are required`, …); `to_string()` of the error is the text after `Invalid spec: `.
pub fn parse_experiment(value: Value) -> Result<ExperimentSpec, SpecError> {
    let root = value
        .as_object()
        .ok_or_else(|| SpecError::root("the spec must be a JSON object"))?;
    let data_v = required(root, "data")?;
    let strategy_v = required(root, "strategy")?;
    let data: DataSpec = sub(data_v, &["data"])?;
    if data.start.is_none() || data.end.is_none() {
        return Err(SpecError::root("data.start and data.end are required"));
    }
    if data.source.is_none() && data.file().is_none() && data.mysql.is_none() {
        return Err(SpecError::root(
            "data must provide either dataset_path/path or mysql configuration",
        ));
    }
    let strategy = strategy_v
        .as_object()
        .ok_or_else(|| SpecError::new(["strategy"], "expected an object"))?;
    let filters = python_init::<Filters>(required(strategy, "filters")?, "FiltersSpec", &FILTER_KEYS)?;
    let tpsl = python_init::<TpSl>(required(strategy, "tpsl")?, "TPSLSpec", &["atr_k"])?;
    let validation: Validation = match strategy.get("validation") {
        None | Some(Value::Null) => sub(Value::Object(Map::new()), &["strategy", "validation"])?,
        Some(v) => sub(v.clone(), &["strategy", "validation"])?,
    };
    super::limits::check_validation(
        &["strategy", "validation"],
        validation.train_months.into(),
        validation.test_months.into(),
        validation.folds.into(),
        validation.embargo_days.into(),
    )?;
    let objective: Objective = sub(required(strategy, "objective")?, &["strategy", "objective"]).map_err(|_| {
        SpecError::new(
            ["strategy", "objective"],
            "expected one of sharpe, sortino, cagr, calmar, profit_factor, expectancy, sqn",
        )
    })?;
    let space_v = required(strategy, "search_space")?;
    let space = space_v
        .as_object()
        .ok_or_else(|| SpecError::new(["strategy", "search_space"], "expected an object"))?;
    let dim = |key: &str| -> Result<Option<Vec<f64>>, SpecError> {
        space
            .get(key)
            .filter(|v| !v.is_null())
            .map(|v| dimension(v, key))
            .transpose()
    };
    let (fast, slow, r, atr) = (dim("ema_fast")?, dim("ema_slow")?, dim("R")?, dim("atr_k")?);
    let any_range = ["ema_fast", "ema_slow", "R", "atr_k"]
        .iter()
        .any(|k| space.get(*k).is_some_and(Value::is_object));
    let search_space = SearchSpace {
        ema_fast: periods(fast.unwrap_or_default(), "ema_fast")?,
        ema_slow: periods(slow.unwrap_or_default(), "ema_slow")?,
        r: positive(r.unwrap_or_else(|| vec![1.0, 2.0, 3.0, 4.0, 5.0]), "R")?,
        atr_k_searched: atr.is_some(),
        atr_k: positive(atr.unwrap_or_else(|| vec![tpsl.atr_k]), "atr_k")?,
    };
    let method = match strategy.get("method").filter(|v| !v.is_null()) {
        Some(v) => sub(v.clone(), &["strategy", "method"])?,
        None if any_range => SearchMethod::Random,
        None => SearchMethod::Grid,
    };
    let max_trials = opt_u64(strategy, "max_trials")?.unwrap_or(100) as usize;
    if max_trials == 0 {
        return Err(SpecError::new(["strategy", "max_trials"], "must be at least 1"));
    }
    let seed = opt_u64(strategy, "seed")?.unwrap_or(0);
    let execution: ExecutionSpec = match root.get("execution") {
        Some(v @ Value::Object(_)) => sub(v.clone(), &["execution"])?,
        _ => ExecutionSpec::default(),
    };
    if execution.slippage_bps < 0.0 || execution.commission_bps < 0.0 {
        return Err(SpecError::new(
            ["execution"],
            "slippage_bps and commission_bps must be ≥ 0",
        ));
    }
    let strategy = StrategySpec {
        filters,
        atr_k: tpsl.atr_k,
        validation,
        objective,
        search_space,
        method,
        max_trials,
        seed,
    };
    Ok(ExperimentSpec {
        data,
        strategy,
        execution,
        overfitting: super::overfitting::OverfittingSpec::parse(root.get("overfitting"))?,
    })
}

/// `strategy.tpsl`: the stop distance in ATRs when `atr_k` is not searched.
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct TpSl {
    pub atr_k: f64,
}

/// The experiment spec as clients send it (reference §1.4); unknown keys are ignored. The server reads it field by
/// field with the original's error texts; this type describes its shape (`/openapi.json`).
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = ExperimentSpec))]
pub struct ExperimentRequest {
    pub data: DataSpec,
    pub strategy: StrategyRequest,
    #[serde(default)]
    pub execution: Option<ExecutionSpec>,
    #[serde(default)]
    pub overfitting: Option<super::overfitting::OverfittingSpec>,
}

/// `strategy` as sent: the signal's filters, stop, validation, objective and search.
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = Strategy))]
pub struct StrategyRequest {
    pub filters: Filters,
    pub tpsl: TpSl,
    #[serde(default)]
    pub validation: Option<Validation>,
    pub objective: Objective,
    pub search_space: SearchSpaceRequest,
    /// `grid` by default; `random` when a dimension is a range.
    #[serde(default)]
    pub method: Option<SearchMethod>,
    /// Trial budget of `random` and `tpe` (default 100).
    #[serde(default)]
    pub max_trials: Option<u64>,
    #[serde(default)]
    pub seed: Option<u64>,
}

/// `strategy.search_space` as sent: each dimension a list of values or a range.
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = ExperimentSearchSpace))]
pub struct SearchSpaceRequest {
    /// Fast EMA periods (integers ≥ 1).
    #[serde(default)]
    pub ema_fast: Option<Dimension>,
    /// Slow EMA periods (integers ≥ 1; pairs with fast ≥ slow are skipped).
    #[serde(default)]
    pub ema_slow: Option<Dimension>,
    /// Take-profit multiples of the stop distance (default 1…5).
    #[serde(default, rename = "R")]
    pub r: Option<Dimension>,
    /// Stop distances in ATRs (default `[strategy.tpsl.atr_k]`).
    #[serde(default)]
    pub atr_k: Option<Dimension>,
}

/// A searched dimension: a list of numbers, or a range whose `high` is included (`step` 1 when absent).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(untagged)]
pub enum Dimension {
    Values(Vec<f64>),
    Range {
        low: f64,
        high: f64,
        #[serde(default)]
        step: Option<f64>,
    },
}

/// A required key; missing → the original's KeyError text (`'strategy'`).
fn required(obj: &Map<String, Value>, key: &str) -> Result<Value, SpecError> {
    obj.get(key).cloned().ok_or_else(|| SpecError::root(format!("'{key}'")))
}

/// Deserialises a sub-object, prefixing the error path with `prefix`.
fn sub<T: serde::de::DeserializeOwned>(v: Value, prefix: &[&str]) -> Result<T, SpecError> {
    from_value(v).map_err(|e| e.under(prefix.iter().copied()))
}

/// Mimics a Python dataclass constructor: unknown or missing keyword arguments give its TypeError text.
fn python_init<T: serde::de::DeserializeOwned>(v: Value, class: &str, fields: &[&str]) -> Result<T, SpecError> {
    let obj = v
        .as_object()
        .ok_or_else(|| SpecError::root(format!("{class}.__init__() argument after ** must be a mapping")))?;
    if let Some(extra) = obj.keys().find(|k| !fields.contains(&k.as_str())) {
        return Err(SpecError::root(format!(
            "{class}.__init__() got an unexpected keyword argument '{extra}'"
        )));
    }
    let missing: Vec<String> = fields
        .iter()
        .filter(|f| !obj.contains_key(**f))
        .map(|f| format!("'{f}'"))
        .collect();
    if !missing.is_empty() {
        let s = if missing.len() == 1 { "" } else { "s" };
        let names = match missing.len() {
            1 => missing[0].clone(),
            _ => format!(
                "{} and {}",
                missing[..missing.len() - 1].join(", "),
                missing[missing.len() - 1]
            ),
        };
        return Err(SpecError::root(format!(
            "{class}.__init__() missing {} required positional argument{s}: {names}",
            missing.len()
        )));
    }
    let block = if class == "FiltersSpec" { "filters" } else { "tpsl" };
    sub(v, &["strategy", block])
}

/// The path of a search-space key: `strategy.search_space.<key>`.
fn space_key(key: &str) -> [&str; 3] {
    ["strategy", "search_space", key]
}

/// A dimension of search-space `key`: a list of numbers or a range `{"low","high","step"}` (step 1 when absent,
/// `high` included).
fn dimension(v: &Value, key: &str) -> Result<Vec<f64>, SpecError> {
    let field = space_key(key);
    match v {
        Value::Array(items) => items
            .iter()
            .enumerate()
            .map(|(i, x)| {
                x.as_f64()
                    .ok_or_else(|| SpecError::new([i], "expected a number").under(field))
            })
            .collect(),
        Value::Object(o) => {
            let num = |k: &str| o.get(k).and_then(Value::as_f64);
            let (Some(low), Some(high)) = (num("low"), num("high")) else {
                return Err(SpecError::new(field, "a range needs numeric \"low\" and \"high\""));
            };
            let step = num("step").unwrap_or(1.0);
            if step.is_nan() || step <= 0.0 || high < low {
                return Err(SpecError::new(field, "a range needs step > 0 and high ≥ low"));
            }
            // Counted in floating point first: a span like ±1e308 must be refused, not overflow a usize.
            let steps = ((high - low) / step + 1e-9).floor();
            if steps.is_nan() || steps >= MAX_RANGE_VALUES as f64 {
                return Err(SpecError::new(
                    field,
                    format!("the range expands to more than {MAX_RANGE_VALUES} values"),
                ));
            }
            Ok((0..=steps as usize).map(|i| low + i as f64 * step).collect())
        }
        _ => Err(SpecError::new(
            field,
            "expected a list of numbers or {\"low\", \"high\", \"step\"}",
        )),
    }
}

fn periods(values: Vec<f64>, key: &str) -> Result<Vec<usize>, SpecError> {
    values
        .into_iter()
        .map(|v| {
            if v >= 1.0 && v.fract() == 0.0 {
                Ok(v as usize)
            } else {
                Err(SpecError::new(
                    space_key(key),
                    format!("EMA periods are integers ≥ 1, got {v}"),
                ))
            }
        })
        .collect()
}

fn positive(values: Vec<f64>, key: &str) -> Result<Vec<f64>, SpecError> {
    let field = space_key(key);
    match values.iter().find(|v| !v.is_finite() || **v < 0.0) {
        Some(v) => Err(SpecError::new(field, format!("values must be finite and ≥ 0, got {v}"))),
        None if values.is_empty() => Err(SpecError::new(field, "needs at least one value")),
        None => Ok(values),
    }
}

fn opt_u64(obj: &Map<String, Value>, key: &str) -> Result<Option<u64>, SpecError> {
    match obj.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => v
            .as_u64()
            .map(Some)
            .ok_or_else(|| SpecError::new(["strategy", key], "expected a non-negative integer")),
    }
}

#[cfg(test)]
#[path = "experiment_tests.rs"]
mod tests;
