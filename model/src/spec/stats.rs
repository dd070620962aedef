//! The stats spec (`POST /stats/run`, reference §1.5): events × conditions × targets, typed and checked up front.
//!
//! Differences from the original: unknown types and bad params are errors naming the field (the original
//! answered 500); `n_min` (default 300) and `alpha` (default 0.05) are new optional top-level keys.

use super::{from_value, DataSpec, SpecError};
use crate::LocPart;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// A parsed stats spec.
#[derive(Debug, Clone, PartialEq)]
pub struct StatsSpec {
    pub data: DataSpec,
    pub events: Vec<Named<Event>>,
    pub conditions: Vec<Named<Condition>>,
    pub targets: Vec<Named<Target>>,
    pub validation: Option<Validation>,
    pub out_dir: Option<String>,
    pub persistence: Persistence,
    /// Rows with `n < n_min` are `insufficient` (intervals nulled).
    pub n_min: u64,
    /// False discovery rate: `significant = q_value ≤ alpha`.
    pub alpha: f64,
}

/// An event, condition or target with the label it is reported under. (Serde forms are the scale-out wire's, not
/// the spec's: specs are read by [`parse_stats`].)
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Named<T> {
    pub name: String,
    pub kind: T,
}

/// Direction of a bar sequence or a move.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    Up,
    Down,
}

/// Which extreme a breakout breaks: a higher high or a lower low.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Extreme {
    Hh,
    Ll,
}

/// A per-bar boolean event (§2.8).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Event {
    KConsecutive { k: usize, direction: Direction },
    ShockAtr { mult: f64, window: usize },
    BreakoutHhll { lookback: usize, extreme: Extreme },
}

/// A per-bar categorical label (§2.8); level-based conditions are not supported.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Condition {
    HtfTrend {
        tf_multiplier: usize,
        ema_period: usize,
    },
    VolTertile {
        window: usize,
    },
    /// The data's session column (`session_id`/`session`), or UTC-hour buckets when the data has none.
    Session {
        col: String,
    },
}

/// A per-bar outcome (§2.8).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Target {
    UpNextBar,
    ContinuationN { n: usize, direction: Direction },
    TimeToReversal { max_horizon: usize },
}

/// The condition types this engine computes, sorted (the `/stats/conditions` list).
pub const CONDITION_TYPES: [&str; 3] = ["htf_trend", "session", "vol_tertile"];

/// The original's level condition types: they read its levels database, a module this engine has not configured.
pub const LEVEL_CONDITION_TYPES: [&str; 3] = ["distance_to_level", "in_zone_level", "touched_level_since"];

/// Walk-forward settings of the `validation` block (defaults as the submit spec's).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = StatsValidation))]
pub struct Validation {
    #[serde(default)]
    pub min_trades: u64,
    #[serde(default)]
    pub train_months: u32,
    #[serde(default = "one")]
    pub test_months: u32,
    #[serde(default = "one")]
    pub folds: u32,
    #[serde(default)]
    pub embargo_days: u32,
}

/// Where rows are stored: `enabled` resolved from `store_stats_in_db` when null.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Persistence {
    pub enabled: bool,
    pub spec_id: Option<String>,
    pub dataset_id: Option<String>,
}

/// The stats spec as clients send it (reference §1.5), which the server checks and types.
#[derive(Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = StatsSpec))]
pub struct RawSpec {
    data: DataSpec,
    #[serde(default)]
    events: Vec<RawItem>,
    #[serde(default)]
    conditions: Vec<RawItem>,
    #[serde(default)]
    targets: Vec<RawItem>,
    #[serde(default)]
    validation: Option<Validation>,
    #[serde(default)]
    artifacts: Option<RawArtifacts>,
    #[serde(default)]
    persistence: Option<RawPersistence>,
    #[serde(default = "default_n_min")]
    n_min: u64,
    #[serde(default = "default_alpha")]
    alpha: f64,
}

/// An event, condition or target as sent: its label, `type` and `params`.
#[derive(Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = StatsItem))]
pub struct RawItem {
    /// The label rows are reported under.
    name: String,
    /// Events: `k_consecutive`, `shock_atr`, `breakout_hhll`; conditions: `htf_trend`, `vol_tertile`, `session`;
    /// targets: `up_next_bar`, `continuation_n`, `time_to_reversal`.
    #[serde(default, rename = "type")]
    kind: Option<String>,
    /// The type's parameters (`{"k": 3, "direction": "up"}`).
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    params: Option<serde_json::Map<String, Value>>,
}

/// `artifacts`: where the rows' Parquet file goes.
#[derive(Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = StatsArtifacts))]
pub struct RawArtifacts {
    #[serde(default)]
    out_dir: Option<String>,
}

/// `persistence`: whether rows are stored (`enabled`, or the original's `store_stats_in_db`).
#[derive(Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = StatsPersistence))]
pub struct RawPersistence {
    #[serde(default)]
    enabled: Option<bool>,
    #[serde(default)]
    store_stats_in_db: Option<bool>,
    #[serde(default)]
    spec_id: Option<String>,
    #[serde(default)]
    dataset_id: Option<String>,
}

fn default_session_col() -> String {
    "session_id".into()
}
fn one() -> u32 {
    1
}
fn default_n_min() -> u64 {
    300
}
fn default_alpha() -> f64 {
    0.05
}

/// Parses and checks a stats spec; errors name the field (`events[1].params.k`, `targets[0].type`).
pub fn parse_stats(value: Value) -> Result<StatsSpec, SpecError> {
    let raw: RawSpec = from_value(value)?;
    for (field, present) in [
        ("timeframe", raw.data.timeframe.is_some()),
        ("start", raw.data.start.is_some()),
        ("end", raw.data.end.is_some()),
    ] {
        if !present {
            return Err(SpecError::new(["data", field], "field required"));
        }
    }
    if !(raw.alpha > 0.0 && raw.alpha < 1.0) {
        return Err(SpecError::new(
            ["alpha"],
            format!("must be in (0, 1), got {}", raw.alpha),
        ));
    }
    let persistence = raw.persistence.map_or_else(Persistence::default, |p| Persistence {
        enabled: p.enabled.or(p.store_stats_in_db).unwrap_or(false),
        spec_id: p.spec_id,
        dataset_id: p.dataset_id,
    });
    refuse_level_conditions(&raw.conditions)?;
    if let Some(v) = &raw.validation {
        let m = |x: u32| i64::from(x);
        super::limits::check_validation(
            &["validation"],
            m(v.train_months),
            m(v.test_months),
            m(v.folds),
            m(v.embargo_days),
        )?;
    }
    Ok(StatsSpec {
        data: raw.data,
        events: typed_items("events", raw.events, parse_event)?,
        conditions: typed_items("conditions", raw.conditions, parse_condition)?,
        targets: typed_items("targets", raw.targets, parse_target)?,
        validation: raw.validation,
        out_dir: raw.artifacts.and_then(|a| a.out_dir),
        persistence,
        n_min: raw.n_min,
        alpha: raw.alpha,
    })
}

/// A level condition (its `type`, or `name` without one) is refused naming it: nothing here can compute it.
fn refuse_level_conditions(items: &[RawItem]) -> Result<(), SpecError> {
    for (i, item) in items.iter().enumerate() {
        let kind = item.kind.as_deref().unwrap_or(&item.name);
        if LEVEL_CONDITION_TYPES.contains(&kind) {
            return Err(SpecError::new(
                [LocPart::from("conditions"), i.into(), "type".into()],
                format!("{kind:?} is a level condition: the levels module is not configured in this engine"),
            ));
        }
    }
    Ok(())
}

/// Turns `{name, type, params}` items into typed ones (`type` falls back to `name`); names must be unique.
fn typed_items<T>(
    list: &str,
    items: Vec<RawItem>,
    parse: fn(&str, Value) -> Option<Result<T, SpecError>>,
) -> Result<Vec<Named<T>>, SpecError> {
    let mut out: Vec<Named<T>> = Vec::with_capacity(items.len());
    for (i, item) in items.into_iter().enumerate() {
        let kind_name = item.kind.unwrap_or_else(|| item.name.clone());
        if out.iter().any(|o| o.name == item.name) {
            return Err(SpecError::new(
                [LocPart::from(list), i.into(), "name".into()],
                format!("duplicate name {:?}", item.name),
            ));
        }
        let params = Value::Object(item.params.unwrap_or_default());
        let kind = match parse(&kind_name, params) {
            None => {
                return Err(SpecError::new(
                    [LocPart::from(list), i.into(), "type".into()],
                    format!("unknown {list} type {kind_name:?}"),
                ))
            }
            Some(Err(e)) => {
                let message = format!("{kind_name}: {}", e.message);
                return Err(SpecError { message, ..e }.under([LocPart::from(list), i.into(), "params".into()]));
            }
            Some(Ok(kind)) => kind,
        };
        out.push(Named { name: item.name, kind });
    }
    Ok(out)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct KParams {
    k: usize,
    direction: Direction,
}
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ShockParams {
    mult: f64,
    window: usize,
}
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct BreakoutParams {
    lookback: usize,
    #[serde(rename = "type")]
    extreme: Extreme,
}
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct HtfParams {
    tf_multiplier: usize,
    ema_period: usize,
}
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WindowParams {
    window: usize,
}
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SessionParams {
    #[serde(default = "default_session_col")]
    col: String,
}
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NoParams {}
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ContinuationParams {
    n: usize,
    direction: Direction,
}
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ReversalParams {
    max_horizon: usize,
}

/// `Err` when a count parameter (bars, periods, a horizon) is below 1 or above [`super::limits::MAX_BARS`].
fn bars_in_range(field: &str, v: usize) -> Result<(), SpecError> {
    super::limits::check_bars(field, v as u64)
}

fn parse_event(kind: &str, params: Value) -> Option<Result<Event, SpecError>> {
    Some(match kind {
        "k_consecutive" => from_value::<KParams>(params).and_then(|p| {
            bars_in_range("k", p.k).map(|_| Event::KConsecutive {
                k: p.k,
                direction: p.direction,
            })
        }),
        "shock_atr" => from_value::<ShockParams>(params).and_then(|p| {
            bars_in_range("window", p.window).map(|_| Event::ShockAtr {
                mult: p.mult,
                window: p.window,
            })
        }),
        "breakout_hhll" => from_value::<BreakoutParams>(params).and_then(|p| {
            bars_in_range("lookback", p.lookback).map(|_| Event::BreakoutHhll {
                lookback: p.lookback,
                extreme: p.extreme,
            })
        }),
        _ => return None,
    })
}

fn parse_condition(kind: &str, params: Value) -> Option<Result<Condition, SpecError>> {
    Some(match kind {
        "htf_trend" => from_value::<HtfParams>(params).and_then(|p| {
            bars_in_range("tf_multiplier", p.tf_multiplier)?;
            bars_in_range("ema_period", p.ema_period)?;
            Ok(Condition::HtfTrend {
                tf_multiplier: p.tf_multiplier,
                ema_period: p.ema_period,
            })
        }),
        "vol_tertile" => from_value::<WindowParams>(params)
            .and_then(|p| bars_in_range("window", p.window).map(|_| Condition::VolTertile { window: p.window })),
        "session" => from_value::<SessionParams>(params).map(|p| Condition::Session { col: p.col }),
        _ => return None,
    })
}

fn parse_target(kind: &str, params: Value) -> Option<Result<Target, SpecError>> {
    Some(match kind {
        "up_next_bar" => from_value::<NoParams>(params).map(|_| Target::UpNextBar),
        "continuation_n" => from_value::<ContinuationParams>(params).and_then(|p| {
            bars_in_range("n", p.n).map(|_| Target::ContinuationN {
                n: p.n,
                direction: p.direction,
            })
        }),
        "time_to_reversal" => from_value::<ReversalParams>(params).and_then(|p| {
            bars_in_range("max_horizon", p.max_horizon).map(|_| Target::TimeToReversal {
                max_horizon: p.max_horizon,
            })
        }),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn base() -> Value {
        json!({"data": {"dataset_path": "x.json", "symbols": ["EURUSD"], "timeframe": "M1",
                        "start": "2024-01-01", "end": "2024-01-05"}})
    }

    fn with(key: &str, items: Value) -> Value {
        let mut v = base();
        v[key] = items;
        v
    }

    #[test]
    fn the_reference_sample_spec_parses_with_the_originals_defaults() {
        let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../specs/stats_run.json")).unwrap();
        let spec = parse_stats(serde_json::from_str(&text).unwrap()).unwrap();
        assert_eq!(
            spec.events[0].kind,
            Event::KConsecutive {
                k: 2,
                direction: Direction::Up
            }
        );
        assert_eq!(
            spec.conditions[0].kind,
            Condition::Session {
                col: "session_id".into()
            }
        );
        assert_eq!(spec.targets[0].kind, Target::UpNextBar);
        assert_eq!(
            spec.targets[1].kind,
            Target::ContinuationN {
                n: 3,
                direction: Direction::Up
            }
        );
        assert!(spec.persistence.enabled);
        assert_eq!(spec.persistence.spec_id.as_deref(), Some("demo_stats"));
        assert_eq!((spec.n_min, spec.alpha), (300, 0.05));
        assert_eq!(spec.validation, None);
    }

    #[test]
    fn store_stats_in_db_is_the_alias_of_a_null_enabled() {
        let mut v = base();
        v["persistence"] = json!({"enabled": null, "store_stats_in_db": true});
        assert!(parse_stats(v.clone()).unwrap().persistence.enabled);
        v["persistence"] = json!({"enabled": false, "store_stats_in_db": true});
        assert!(!parse_stats(v.clone()).unwrap().persistence.enabled);
        v["persistence"] = json!({"spec_id": "s"});
        assert!(!parse_stats(v).unwrap().persistence.enabled);
    }

    #[test]
    fn an_unknown_type_names_the_item() {
        let err = parse_stats(with("conditions", json!([{"name": "lvl", "type": "regime"}]))).unwrap_err();
        assert_eq!(err.field(), "conditions[0].type");
        assert!(err.message.contains("regime"), "{err}");
        let err = parse_stats(with("targets", json!([{"name": "nope"}]))).unwrap_err();
        assert_eq!(err.field(), "targets[0].type");
    }

    #[test]
    fn a_level_condition_says_the_levels_module_is_not_configured() {
        for (i, kind) in LEVEL_CONDITION_TYPES.iter().enumerate() {
            let mut conditions: Vec<Value> = (0..i)
                .map(|k| json!({"name": format!("s{k}"), "type": "session"}))
                .collect();
            conditions.push(json!({"name": "lvl", "type": kind, "params": {"level_type": "PDH"}}));
            let err = parse_stats(with("conditions", json!(conditions))).unwrap_err();
            assert_eq!(err.field(), format!("conditions[{i}].type"));
            assert!(
                err.message.contains(kind) && err.message.contains("levels module is not configured"),
                "{err}"
            );
        }
        // `type` falls back to `name`, so a bare level name is refused the same way.
        let err = parse_stats(with("conditions", json!([{"name": "touched_level_since"}]))).unwrap_err();
        assert!(err.message.contains("levels module"), "{err}");
    }

    #[test]
    fn bad_params_name_the_parameter() {
        let err = parse_stats(with(
            "events",
            json!([{"name": "e", "type": "k_consecutive", "params": {"k": "x", "direction": "up"}}]),
        ))
        .unwrap_err();
        assert_eq!(err.field(), "events[0].params.k");
        assert_eq!(
            err.path,
            [LocPart::from("events"), 0.into(), "params".into(), "k".into()]
        );
        let err = parse_stats(with(
            "events",
            json!([{"name": "e", "type": "k_consecutive", "params": {"k": 2}}]),
        ))
        .unwrap_err();
        assert!(
            err.field().starts_with("events[0].params") && err.message.contains("direction"),
            "{err}"
        );
        let err = parse_stats(with(
            "events",
            json!([{"name": "b", "type": "breakout_hhll", "params": {"lookback": 5, "type": "xx"}}]),
        ))
        .unwrap_err();
        assert_eq!(err.field(), "events[0].params.type");
        let err = parse_stats(with(
            "targets",
            json!([{"name": "t", "type": "time_to_reversal", "params": {"max_horizon": 0}}]),
        ))
        .unwrap_err();
        assert_eq!(err.field(), "targets[0].params.max_horizon");
    }

    #[test]
    fn breakout_reads_its_type_parameter_and_validation_gets_defaults() {
        let mut v = with(
            "events",
            json!([{"name": "b", "type": "breakout_hhll", "params": {"lookback": 20, "type": "ll"}}]),
        );
        v["validation"] = json!({"train_months": 2, "scheme": "walk_forward"});
        v["n_min"] = json!(50);
        let spec = parse_stats(v).unwrap();
        assert_eq!(
            spec.events[0].kind,
            Event::BreakoutHhll {
                lookback: 20,
                extreme: Extreme::Ll
            }
        );
        let val = spec.validation.unwrap();
        assert_eq!(
            (val.train_months, val.test_months, val.folds, val.embargo_days),
            (2, 1, 1, 0)
        );
        assert_eq!(spec.n_min, 50);
    }

    #[test]
    fn missing_data_fields_and_duplicate_names_are_rejected() {
        let err = parse_stats(json!({"data": {"symbols": [], "timeframe": "M1", "start": "2024-01-01"}})).unwrap_err();
        assert_eq!(err.field(), "data.end");
        let two = json!([{"name": "u", "type": "up_next_bar"}, {"name": "u", "type": "up_next_bar"}]);
        assert_eq!(
            parse_stats(with("targets", two)).unwrap_err().field(),
            "targets[1].name"
        );
    }
}
