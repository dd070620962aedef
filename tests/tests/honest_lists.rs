//! What the API says the engine supports, checked against what a real `qe serve` does with it: `/filters/list`
//! is exactly the keys `strategy.filters` accepts, a level condition (listed by the original's
//! `/stats/conditions`) is a 4xx naming it, and the levels endpoints answer as the original did without a
//! levels database (recorded response 39).

use qe_tests::{recorded, reference_data_root, reference_spec, spawn_server, Api};
use serde_json::{json, Value};

/// The HTTP status the original answered for recorded response `file` (from the recording's index).
fn recorded_status(file_prefix: &str) -> u16 {
    let path = format!("{}/index.json", qe_tests::RESPONSES);
    let index: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let entry = index
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["file"].as_str().unwrap().starts_with(file_prefix))
        .unwrap_or_else(|| panic!("{file_prefix} not in the index"));
    entry["status"].as_u64().unwrap() as u16
}

fn keys(v: &Value) -> Vec<String> {
    let mut k: Vec<String> = v.as_object().unwrap().keys().cloned().collect();
    k.sort();
    k
}

#[test]
fn every_listed_filter_is_what_strategy_filters_accepts_and_nothing_else() {
    let data = reference_data_root();
    let server = spawn_server(&[], &[("QE_DATA_ROOT", data.path().to_str().unwrap())]);
    let api = Api::new(&server.base);

    let (status, listed) = api.get("/filters/list");
    assert_eq!(status, 200);
    assert_eq!(
        listed,
        json!(model::spec::experiment::FILTER_KEYS),
        "one registry, the spec parser's"
    );
    let listed: Vec<String> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f.as_str().unwrap().into())
        .collect();
    let mut sorted = listed.clone();
    sorted.sort();
    assert_eq!(listed, sorted, "sorted, as the original's list");

    // A spec with exactly the listed filters runs; the original's example spec has exactly these.
    let spec = reference_spec("submit_local.json");
    assert_eq!(keys(&spec["strategy"]["filters"]), listed);
    let (status, body) = api.post("/submit", &spec);
    assert_eq!(status, 200, "{body}");
    let first = body["id"].as_str().unwrap().to_string();

    // Each listed filter is required: without it the spec is refused, naming it.
    for key in &listed {
        let mut s = spec.clone();
        s["strategy"]["filters"].as_object_mut().unwrap().remove(key);
        let (status, body) = api.post("/submit", &s);
        let detail = format!("Invalid spec: FiltersSpec.__init__() missing 1 required positional argument: '{key}'");
        assert_eq!((status, body), (400, json!({ "detail": detail })));
    }
    // None of the original's 23 listed filters is accepted by any spec: each is refused, naming it.
    let originals = recorded(26);
    assert_eq!(originals.as_array().unwrap().len(), 23);
    for name in originals.as_array().unwrap().iter().map(|n| n.as_str().unwrap()) {
        assert!(!listed.iter().any(|l| l == name), "{name} is listed but not accepted");
        let mut s = spec.clone();
        s["strategy"]["filters"][name] = json!(1);
        let (status, body) = api.post("/submit", &s);
        let detail = format!("Invalid spec: FiltersSpec.__init__() got an unexpected keyword argument '{name}'");
        assert_eq!((status, body), (400, json!({ "detail": detail })));
    }

    // What they affect, as COMPAT.md says: nothing of the search (the search space decides the periods), so
    // other values give the same trials and the same best trial.
    let mut other = spec.clone();
    other["strategy"]["filters"] = json!({"ema_fast": 50, "ema_slow": 200});
    let (status, body) = api.post("/submit", &other);
    assert_eq!(status, 200, "{body}");
    let second = body["id"].as_str().unwrap().to_string();
    let (a, b) = (
        api.get(&format!("/result/{first}")).1,
        api.get(&format!("/result/{second}")).1,
    );
    assert!(!a["result"]["trials"].as_array().unwrap().is_empty(), "{a}");
    assert_eq!(a["result"]["trials"], b["result"]["trials"]);
    assert_eq!(a["result"]["best"]["params"], b["result"]["best"]["params"]);
    assert_eq!(a["result"]["best"]["metrics"], b["result"]["best"]["metrics"]);
}

#[test]
fn a_stats_spec_with_a_level_condition_is_a_422_naming_it() {
    let data = reference_data_root();
    let server = spawn_server(&[], &[("QE_DATA_ROOT", data.path().to_str().unwrap())]);
    let api = Api::new(&server.base);

    // Listed: only what a stats job computes; every name is one the original listed too.
    let (status, conditions) = api.get("/stats/conditions");
    assert_eq!(
        (status, &conditions),
        (200, &json!(model::spec::stats::CONDITION_TYPES))
    );
    let original = recorded(25);
    for c in conditions.as_array().unwrap() {
        assert!(original.as_array().unwrap().contains(c), "{c}");
    }
    // Each listed condition runs in a stats job.
    for (name, params) in [
        ("session", json!({"col": "session_id"})),
        ("htf_trend", json!({"tf_multiplier": 2, "ema_period": 3})),
        ("vol_tertile", json!({"window": 3})),
    ] {
        assert!(conditions.as_array().unwrap().contains(&json!(name)));
        let mut spec = reference_spec("stats_run.json");
        spec["conditions"] = json!([{"name": name, "params": params}]);
        spec["persistence"]["enabled"] = json!(false);
        let (status, body) = api.post("/stats/run", &spec);
        assert_eq!(status, 200, "{name}: {body}");
    }

    for (i, level) in model::spec::stats::LEVEL_CONDITION_TYPES.iter().enumerate() {
        assert!(
            original.as_array().unwrap().contains(&json!(level)),
            "{level} is one of the original's"
        );
        assert!(
            !conditions.as_array().unwrap().contains(&json!(level)),
            "{level} is not listed"
        );
        let mut spec = reference_spec("stats_run.json");
        let mut items = vec![json!({"name": "session", "params": {"col": "session_id"}})];
        items.truncate(i.min(1));
        items.push(json!({"name": "near", "type": level, "params": {"level_type": "PDH"}}));
        let at = items.len() - 1;
        spec["conditions"] = json!(items);
        let (status, body) = api.post("/stats/run", &spec);
        assert_eq!(status, 422, "{level}: {body}");
        let item = &body["detail"][0];
        assert_eq!(item["loc"], json!(["body", "conditions", at, "type"]), "{body}");
        let msg = item["msg"].as_str().unwrap();
        assert!(
            msg.contains(level) && msg.contains("levels module is not configured"),
            "{msg}"
        );
    }
    // Refused before anything ran: the three good jobs are the only ones recorded.
    let (_, jobs) = api.get("/jobs?kind=stats");
    let statuses: Vec<&Value> = jobs.as_array().unwrap().iter().map(|j| &j["status"]).collect();
    assert_eq!(statuses, [&json!("completed"); 3], "{jobs}");
}

#[test]
fn levels_endpoints_answer_as_the_original_without_a_levels_database() {
    let server = spawn_server(&[], &[]);
    let api = Api::new(&server.base);
    let expected = (recorded_status("39_"), recorded(39));
    assert_eq!(expected.0, 500);
    assert_eq!(api.get("/levels?symbol=EURUSD"), expected, "the recorded request");
    for path in [
        "/levels?symbol=EURUSD&level_type=PDH&from=2024-01-01T00:00:00Z&to=2024-02-01&limit=1000",
        "/levels/active?symbol=EURUSD&level_type=PDH&level_type=PDL&limit=10000",
        "/levels/search?symbol=EURUSD&type=pdh,pdl&limit=5",
        "/levels/nearest?symbol=EURUSD&price=1.1&window=50&limit=200",
    ] {
        assert_eq!(api.get(path), expected, "{path}");
    }
    let spec = json!({"data": {"dataset_path": "x.csv"}, "symbols": ["EURUSD"], "targets": [{"type": "PDH"}]});
    for path in ["/levels/build", "/levels/fill"] {
        assert_eq!(api.post(path, &spec), expected, "{path}");
    }

    // Query validation comes first, as FastAPI's: 422 naming the parameter.
    for (path, loc, kind) in [
        ("/levels", "symbol", "missing"),
        ("/levels?symbol=EURUSD&limit=0", "limit", "greater_than_equal"),
        ("/levels?symbol=EURUSD&limit=1001", "limit", "less_than_equal"),
        ("/levels/active?symbol=EURUSD&limit=10001", "limit", "less_than_equal"),
        ("/levels/search?symbol=EURUSD&limit=many", "limit", "int_parsing"),
        ("/levels/nearest?symbol=EURUSD", "price", "missing"),
        ("/levels/nearest?symbol=EURUSD&price=high", "price", "float_parsing"),
        (
            "/levels/nearest?symbol=EURUSD&price=1.1&limit=201",
            "limit",
            "less_than_equal",
        ),
    ] {
        let (status, body) = api.get(path);
        assert_eq!(status, 422, "{path}: {body}");
        assert_eq!(body["detail"][0]["loc"], json!(["query", loc]), "{path}: {body}");
        assert_eq!(body["detail"][0]["type"], kind, "{path}: {body}");
    }

    // Documented in the OpenAPI document with the answer they give.
    let (_, doc) = api.get("/openapi.json");
    for (method, path) in [
        ("get", "/levels"),
        ("get", "/levels/active"),
        ("get", "/levels/search"),
        ("get", "/levels/nearest"),
        ("post", "/levels/build"),
        ("post", "/levels/fill"),
    ] {
        let op = &doc["paths"][path][method];
        assert!(op.is_object(), "{method} {path} is not documented");
        assert!(op["responses"]["500"]["description"]
            .as_str()
            .unwrap()
            .contains("MySQL URL not configured"));
    }
}
