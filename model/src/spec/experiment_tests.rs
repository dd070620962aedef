use super::*;
use serde_json::json;

const SPECS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../specs");
const RESPONSES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/fixtures/responses");

fn read_json(path: String) -> Value {
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))).expect("json")
}

fn minimal() -> Value {
    json!({
        "data": {"dataset_path": "a.csv", "start": "2024-01-01", "end": "2024-02-01"},
        "strategy": {"filters": {"ema_fast": 9, "ema_slow": 26}, "tpsl": {"atr_k": 2.0}, "objective": "sharpe",
                     "search_space": {"ema_fast": [9], "ema_slow": [26]}}
    })
}

#[test]
fn the_originals_local_example_parses_with_its_defaults() {
    let spec = parse_experiment(read_json(format!("{SPECS}/submit_local.json"))).unwrap();
    assert_eq!(spec.strategy.search_space.ema_fast, vec![9, 12, 15]);
    assert_eq!(spec.strategy.search_space.ema_slow, vec![26, 35, 55]);
    assert_eq!(spec.strategy.search_space.r, vec![1.0, 2.0, 3.0, 4.0, 5.0]);
    assert_eq!(spec.strategy.search_space.atr_k, vec![2.0]);
    assert!(!spec.strategy.search_space.atr_k_searched);
    assert_eq!(spec.strategy.method, SearchMethod::Grid);
    assert_eq!(spec.strategy.objective, Objective::Sharpe);
    assert_eq!(spec.strategy.validation.min_trades, 0);
    assert_eq!(spec.execution, ExecutionSpec::default());
    assert_eq!(spec.data.file(), Some("specs/examples/data/eurusd_m1_sample.json"));
}

#[test]
fn the_originals_mysql_example_parses() {
    let spec = parse_experiment(read_json(format!("{SPECS}/submit_mysql.json"))).unwrap();
    assert!(spec.data.mysql.is_some());
    assert_eq!(spec.data.symbols, vec!["APTUSDT".to_string()]);
}

#[test]
fn a_spec_without_strategy_gives_the_recorded_400_text() {
    let recorded = read_json(format!("{RESPONSES}/06_POST_submit__invalid_spec.json"));
    let err = parse_experiment(json!({"data": {"symbols": ["EURUSD"]}})).unwrap_err();
    assert_eq!(format!("Invalid spec: {err}"), recorded["detail"].as_str().unwrap());
}

#[test]
fn missing_dates_and_sources_give_the_originals_texts() {
    let mut v = minimal();
    v["data"].as_object_mut().unwrap().remove("end");
    assert_eq!(
        parse_experiment(v).unwrap_err().to_string(),
        "data.start and data.end are required"
    );
    let mut v = minimal();
    v["data"]["dataset_path"] = Value::Null;
    assert_eq!(
        parse_experiment(v).unwrap_err().to_string(),
        "data must provide either dataset_path/path or mysql configuration"
    );
    let mut v = minimal();
    v.as_object_mut().unwrap().remove("data");
    assert_eq!(parse_experiment(v).unwrap_err().to_string(), "'data'");
}

#[test]
fn filters_must_hold_exactly_the_two_periods() {
    let mut v = minimal();
    v["strategy"]["filters"]["foo"] = json!(1);
    assert_eq!(
        parse_experiment(v).unwrap_err().to_string(),
        "FiltersSpec.__init__() got an unexpected keyword argument 'foo'"
    );
    let mut v = minimal();
    v["strategy"]["filters"].as_object_mut().unwrap().remove("ema_slow");
    assert_eq!(
        parse_experiment(v).unwrap_err().to_string(),
        "FiltersSpec.__init__() missing 1 required positional argument: 'ema_slow'"
    );
}

#[test]
fn ranges_r_atr_k_costs_and_method_extend_the_spec() {
    let mut v = minimal();
    v["strategy"]["search_space"] = json!({
        "ema_fast": {"low": 5, "high": 9, "step": 2}, "ema_slow": [20, 30], "R": [1.5, 2.5], "atr_k": {"low": 1, "high": 2, "step": 0.5}
    });
    v["strategy"]["method"] = json!("tpe");
    v["strategy"]["max_trials"] = json!(40);
    v["strategy"]["seed"] = json!(7);
    v["strategy"]["objective"] = json!("profit_factor");
    v["strategy"]["validation"] = json!({"min_trades": 5, "train_months": 2, "folds": 3});
    v["execution"] = json!({"slippage_bps": 1.0, "commission_bps": 0.5});
    let spec = parse_experiment(v).unwrap();
    let s = &spec.strategy;
    assert_eq!(s.search_space.ema_fast, vec![5, 7, 9]);
    assert_eq!(s.search_space.r, vec![1.5, 2.5]);
    assert_eq!(s.search_space.atr_k, vec![1.0, 1.5, 2.0]);
    assert!(s.search_space.atr_k_searched);
    assert_eq!(
        (s.method, s.max_trials, s.seed, s.objective),
        (SearchMethod::Tpe, 40, 7, Objective::ProfitFactor)
    );
    assert_eq!(
        (
            s.validation.min_trades,
            s.validation.train_months,
            s.validation.test_months
        ),
        (5, 2, 1)
    );
    assert_eq!(
        spec.execution,
        ExecutionSpec {
            slippage_bps: 1.0,
            commission_bps: 0.5
        }
    );
}

#[test]
fn a_range_without_method_defaults_to_random_search() {
    let mut v = minimal();
    v["strategy"]["search_space"]["ema_fast"] = json!({"low": 5, "high": 60});
    assert_eq!(parse_experiment(v).unwrap().strategy.method, SearchMethod::Random);
}

#[test]
fn bad_values_name_their_field() {
    let mut v = minimal();
    v["strategy"]["search_space"]["ema_fast"] = json!([9.5]);
    assert_eq!(
        parse_experiment(v).unwrap_err().field(),
        "strategy.search_space.ema_fast"
    );
    let mut v = minimal();
    v["strategy"]["search_space"]["R"] = json!({"low": 3, "high": 1});
    assert_eq!(parse_experiment(v).unwrap_err().field(), "strategy.search_space.R");
    let mut v = minimal();
    v["strategy"]["objective"] = json!("max_money");
    assert_eq!(parse_experiment(v).unwrap_err().field(), "strategy.objective");
    let mut v = minimal();
    v["strategy"]["validation"] = json!({"folds": "three"});
    assert_eq!(parse_experiment(v).unwrap_err().field(), "strategy.validation.folds");
}
