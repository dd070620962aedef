//! The seasonality optimiser's search-space normalisation (reference §2.11), as a pure function.

use super::seasonality::{Combine, SelectMethod};
use super::SpecError;
use crate::dim::Dim;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// One searched parameter: fixed, a categorical choice, or a range (`step` None = continuous / step 1 for ints).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Param<T> {
    Fixed(T),
    Choice(Vec<T>),
    Range { low: T, high: T, step: Option<T> },
}

/// An integer parameter.
pub type IntParam = Param<i64>;
/// A float parameter.
pub type FloatParam = Param<f64>;

/// The normalised search space; `threshold` applies only with method `threshold`, `topk` only with `topk`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SearchSpace {
    pub dims: Param<Vec<Dim>>,
    pub method: Param<SelectMethod>,
    pub combine: Param<Combine>,
    pub ret_horizon: IntParam,
    pub min_samples_bin: IntParam,
    pub threshold: FloatParam,
    pub topk: IntParam,
}

impl Default for SearchSpace {
    /// The space of a spec that sets none: every parameter at the original's default choices or range.
    fn default() -> Self {
        normalize_search_space(&Value::Null).expect("the empty search space normalises to the defaults")
    }
}

const SPACE_PATH: [&str; 2] = ["compute", "search_space"];

/// Normalises `compute.search_space` (every key optional) the way the original did; a single choice or a range
/// with `low == high` becomes [`Param::Fixed`]. Values of the wrong type are errors naming the key.
pub fn normalize_search_space(raw: &Value) -> Result<SearchSpace, SpecError> {
    let empty = serde_json::Map::new();
    let map = match raw {
        Value::Null => &empty,
        Value::Object(m) => m,
        _ => return Err(SpecError::new(SPACE_PATH, "expected an object")),
    };
    let get = |k: &str| map.get(k).filter(|v| !v.is_null());
    let default_dims = vec![vec![Dim::Hour], vec![Dim::Dow], vec![Dim::Hour, Dim::Dow]];
    Ok(SearchSpace {
        dims: dims_param(get("dims"), default_dims)?,
        method: name_param("method", get("method"), &["threshold", "topk"])?,
        combine: name_param("combine", get("combine"), &["and", "or"])?,
        ret_horizon: int_param("ret_horizon", get("ret_horizon"), 1, 3)?,
        min_samples_bin: int_param("min_samples_bin", get("min_samples_bin"), 200, 700)?,
        threshold: float_param("threshold", get("threshold"), 0.52, 0.58)?,
        topk: int_param("topk", get("topk"), 1, 6)?,
    })
}

fn err(key: &str, msg: impl Into<String>) -> SpecError {
    SpecError::new([key], msg).under(SPACE_PATH)
}

/// Turns a list of choices into Fixed when it has exactly one element.
fn choice<T: Clone>(key: &str, values: Vec<T>) -> Result<Param<T>, SpecError> {
    match values.len() {
        0 => Err(err(key, "needs at least one choice")),
        1 => Ok(Param::Fixed(values[0].clone())),
        _ => Ok(Param::Choice(values)),
    }
}

/// The categorical list of a mapping (`values`/`choices`/`options`, or `value` as a single choice).
fn mapping_choices(m: &serde_json::Map<String, Value>) -> Option<Vec<Value>> {
    for k in ["values", "choices", "options"] {
        if let Some(Value::Array(a)) = m.get(k) {
            return Some(a.clone());
        }
    }
    m.get("value").map(|v| vec![v.clone()])
}

fn dims_param(v: Option<&Value>, default: Vec<Vec<Dim>>) -> Result<Param<Vec<Dim>>, SpecError> {
    let items = match v {
        None => return Ok(Param::Choice(default)),
        Some(Value::Array(a)) => a.clone(),
        Some(Value::Object(m)) => {
            mapping_choices(m).ok_or_else(|| err("dims", "mapping needs values/choices/options"))?
        }
        Some(other) => vec![other.clone()],
    };
    if items.is_empty() {
        return Ok(Param::Choice(default));
    }
    let one = |item: &Value| -> Result<Vec<String>, SpecError> {
        match item {
            Value::String(s) => Ok(vec![s.clone()]),
            Value::Array(a) => a
                .iter()
                .map(|d| {
                    d.as_str()
                        .map(str::to_string)
                        .ok_or_else(|| err("dims", "dim names must be strings"))
                })
                .collect(),
            _ => Err(err("dims", "items must be a dim name or a list of dim names")),
        }
    };
    let names = items.iter().map(one).collect::<Result<Vec<_>, _>>()?;
    let lists = names
        .into_iter()
        .map(|list| list.into_iter().map(Dim::try_from).collect::<Result<Vec<_>, _>>())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| err("dims", e))?;
    choice("dims", lists)
}

/// A categorical parameter whose names are `allowed` (the default when absent), read as `T`.
fn name_param<T: DeserializeOwned + Clone>(
    key: &str,
    v: Option<&Value>,
    allowed: &[&str],
) -> Result<Param<T>, SpecError> {
    let items = match v {
        None => allowed.iter().map(|s| Value::from(*s)).collect(),
        Some(Value::Array(a)) => a.clone(),
        Some(Value::Object(m)) => mapping_choices(m).ok_or_else(|| err(key, "mapping needs values/choices/options"))?,
        Some(other) => vec![other.clone()],
    };
    let values = items
        .iter()
        .map(|x| match x.as_str() {
            Some(s) if allowed.contains(&s) => serde_json::from_value(x.clone()).map_err(|e| err(key, e.to_string())),
            _ => Err(err(key, format!("{x} is not one of {allowed:?}"))),
        })
        .collect::<Result<Vec<_>, _>>()?;
    choice(key, values)
}

/// Largest magnitude of an integer in the search space, so ranges and steps never overflow (`ret_horizon` is
/// further capped at [`super::limits::MAX_BARS`]).
const MAX_INT: i64 = 1_000_000_000;

fn as_int(key: &str, v: &Value) -> Result<i64, SpecError> {
    let max = if key == "ret_horizon" {
        super::limits::MAX_BARS as i64
    } else {
        MAX_INT
    };
    match v.as_f64() {
        Some(f) if f.fract() == 0.0 && f.is_finite() => {
            let i = f as i64;
            if !(-MAX_INT..=max).contains(&i) {
                return Err(err(key, format!("{v} is outside {}…{max}", -MAX_INT)));
            }
            Ok(i)
        }
        _ => Err(err(key, format!("{v} is not an integer"))),
    }
}

fn as_float(key: &str, v: &Value) -> Result<f64, SpecError> {
    v.as_f64().ok_or_else(|| err(key, format!("{v} is not a number")))
}

/// `low`/`high` with `min`/`max` aliases, each falling back to the default bound.
fn bound<'a>(m: &'a serde_json::Map<String, Value>, name: &str, alias: &str) -> Option<&'a Value> {
    m.get(name).or_else(|| m.get(alias)).filter(|v| !v.is_null())
}

fn int_param(key: &str, v: Option<&Value>, low: i64, high: i64) -> Result<IntParam, SpecError> {
    let range = |lo: i64, hi: i64, step: Option<i64>| -> Result<IntParam, SpecError> {
        if lo > hi {
            return Err(err(key, format!("low {lo} is above high {hi}")));
        }
        Ok(if lo == hi {
            Param::Fixed(lo)
        } else {
            Param::Range {
                low: lo,
                high: hi,
                step: step.filter(|s| *s > 0),
            }
        })
    };
    match v {
        None => range(low, high, None),
        Some(Value::Object(m)) => match mapping_choices(m) {
            Some(items) => choice(key, items.iter().map(|x| as_int(key, x)).collect::<Result<_, _>>()?),
            None => {
                let lo = bound(m, "low", "min")
                    .map(|x| as_int(key, x))
                    .transpose()?
                    .unwrap_or(low);
                let hi = bound(m, "high", "max")
                    .map(|x| as_int(key, x))
                    .transpose()?
                    .unwrap_or(high);
                let step = m
                    .get("step")
                    .filter(|s| !s.is_null())
                    .map(|s| as_int(key, s))
                    .transpose()?;
                range(lo, hi, step)
            }
        },
        Some(Value::Array(a)) => choice(key, a.iter().map(|x| as_int(key, x)).collect::<Result<_, _>>()?),
        Some(scalar) => Ok(Param::Fixed(as_int(key, scalar)?)),
    }
}

fn float_param(key: &str, v: Option<&Value>, low: f64, high: f64) -> Result<FloatParam, SpecError> {
    let range = |lo: f64, hi: f64, step: Option<f64>| -> Result<FloatParam, SpecError> {
        if lo > hi {
            return Err(err(key, format!("low {lo} is above high {hi}")));
        }
        if !(hi - lo).is_finite() {
            return Err(err(key, format!("the range {lo}…{hi} is too wide to sample")));
        }
        Ok(if lo == hi {
            Param::Fixed(lo)
        } else {
            Param::Range {
                low: lo,
                high: hi,
                step,
            }
        })
    };
    match v {
        None => range(low, high, None),
        Some(Value::Object(m)) => match mapping_choices(m) {
            Some(items) => choice(key, items.iter().map(|x| as_float(key, x)).collect::<Result<_, _>>()?),
            None => {
                let lo = bound(m, "low", "min")
                    .map(|x| as_float(key, x))
                    .transpose()?
                    .unwrap_or(low);
                let hi = bound(m, "high", "max")
                    .map(|x| as_float(key, x))
                    .transpose()?
                    .unwrap_or(high);
                let step = m
                    .get("step")
                    .filter(|s| !s.is_null())
                    .map(|s| as_float(key, s))
                    .transpose()?;
                range(lo, hi, step)
            }
        },
        Some(Value::Array(a)) => choice(key, a.iter().map(|x| as_float(key, x)).collect::<Result<_, _>>()?),
        Some(scalar) => Ok(Param::Fixed(as_float(key, scalar)?)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn s(x: &str) -> Dim {
        Dim::from_name(x).unwrap()
    }

    #[test]
    fn an_empty_space_gets_every_default() {
        let sp = normalize_search_space(&json!({})).unwrap();
        assert_eq!(sp, SearchSpace::default());
        assert_eq!(
            sp.dims,
            Param::Choice(vec![vec![s("hour")], vec![s("dow")], vec![s("hour"), s("dow")]])
        );
        assert_eq!(
            sp.method,
            Param::Choice(vec![SelectMethod::Threshold, SelectMethod::Topk])
        );
        assert_eq!(sp.combine, Param::Choice(vec![Combine::And, Combine::Or]));
        assert_eq!(
            sp.ret_horizon,
            Param::Range {
                low: 1,
                high: 3,
                step: None
            }
        );
        assert_eq!(
            sp.min_samples_bin,
            Param::Range {
                low: 200,
                high: 700,
                step: None
            }
        );
        assert_eq!(
            sp.threshold,
            Param::Range {
                low: 0.52,
                high: 0.58,
                step: None
            }
        );
        assert_eq!(
            sp.topk,
            Param::Range {
                low: 1,
                high: 6,
                step: None
            }
        );
    }

    #[test]
    fn the_reference_optimize_space_normalises_to_fixed_and_choices() {
        let text = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../specs/seasonality_optimize.json"
        ))
        .unwrap();
        let v: Value = serde_json::from_str(&text).unwrap();
        let sp = normalize_search_space(&v["compute"]["search_space"]).unwrap();
        assert_eq!(sp.dims, Param::Choice(vec![vec![s("hour")], vec![s("dow")]]));
        assert_eq!(sp.method, Param::Fixed(SelectMethod::Threshold));
        assert_eq!(sp.combine, Param::Fixed(Combine::And));
        assert_eq!(sp.threshold, Param::Choice(vec![0.52, 0.55, 0.58]));
        assert_eq!(sp.ret_horizon, Param::Fixed(1));
        assert_eq!(sp.min_samples_bin, Param::Choice(vec![2, 3]));
    }

    #[test]
    fn string_items_become_single_dim_lists_and_value_is_one_choice() {
        let sp = normalize_search_space(&json!({"dims": ["hour", ["dow", "month"]]})).unwrap();
        assert_eq!(
            sp.dims,
            Param::Choice(vec![vec![s("hour")], vec![s("dow"), s("month")]])
        );
        let sp = normalize_search_space(&json!({"dims": {"value": ["quarter"]}})).unwrap();
        assert_eq!(sp.dims, Param::Fixed(vec![s("quarter")]));
    }

    #[test]
    fn ranges_take_aliases_defaults_and_steps() {
        let sp = normalize_search_space(&json!({
            "ret_horizon": {"min": 2}, "min_samples_bin": {"low": 100, "high": 500, "step": 50},
            "topk": {"low": 2, "high": 2}, "threshold": {"low": 0.5, "max": 0.6, "step": 0.01}
        }))
        .unwrap();
        assert_eq!(
            sp.ret_horizon,
            Param::Range {
                low: 2,
                high: 3,
                step: None
            }
        );
        assert_eq!(
            sp.min_samples_bin,
            Param::Range {
                low: 100,
                high: 500,
                step: Some(50)
            }
        );
        assert_eq!(sp.topk, Param::Fixed(2));
        assert_eq!(
            sp.threshold,
            Param::Range {
                low: 0.5,
                high: 0.6,
                step: Some(0.01)
            }
        );
    }

    #[test]
    fn scalars_are_fixed_and_a_zero_int_step_is_dropped() {
        let sp = normalize_search_space(
            &json!({"topk": 4, "threshold": 0.56, "ret_horizon": {"low": 1, "high": 5, "step": 0}}),
        )
        .unwrap();
        assert_eq!(sp.topk, Param::Fixed(4));
        assert_eq!(sp.threshold, Param::Fixed(0.56));
        assert_eq!(
            sp.ret_horizon,
            Param::Range {
                low: 1,
                high: 5,
                step: None
            }
        );
    }

    #[test]
    fn wrong_types_name_the_key() {
        let e = normalize_search_space(&json!({"topk": "many"})).unwrap_err();
        assert_eq!(e.field(), "compute.search_space.topk");
        let e = normalize_search_space(&json!({"method": ["best"]})).unwrap_err();
        assert_eq!(e.field(), "compute.search_space.method");
        let e = normalize_search_space(&json!({"dims": [["minute"]]})).unwrap_err();
        assert_eq!(e.field(), "compute.search_space.dims");
        let e = normalize_search_space(&json!({"min_samples_bin": {"low": 9, "high": 3}})).unwrap_err();
        assert_eq!(e.field(), "compute.search_space.min_samples_bin");
    }
}
