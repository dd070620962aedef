//! The original's recorded requests replayed against a real `qe serve` (SQLite, then MariaDB): status codes,
//! field names, types, paging and ordering as recorded; values where both systems compute the same thing.
//! Deliberate differences (listed in docs/COMPAT.md) are asserted as such.

use qe_tests::{
    approx_contains, approx_eq, fresh_mysql_url, key_order_mismatches, recorded, reference_data_root, reference_spec,
    shape_mismatches, spawn_server, without_keys, Api,
};
use serde_json::{json, Value};

fn assert_shape(number: u32, recorded: &Value, ours: &Value) {
    let bad = shape_mismatches(recorded, ours);
    assert!(
        bad.is_empty(),
        "response {number:02}: shape differs from the original: {bad:?}"
    );
}

/// A result document: the original's shape, and its keys in the original's order (ours may sit between them).
fn assert_document(number: u32, recorded: &Value, ours: &Value) {
    assert_shape(number, recorded, ours);
    let bad = key_order_mismatches(recorded, ours);
    assert!(
        bad.is_empty(),
        "response {number:02}: keys out of the original's order: {bad:?}"
    );
}

/// Rows restricted to the recorded keys, without ids and timestamps, sorted (for order-free comparison).
/// `lift_bayes` is left out: the original's table had no such column and echoed `lift_freq` (COMPAT.md); ours
/// stores the Bayesian lift it computed.
fn comparable(rows: &Value, keys_of: &Value) -> Vec<Value> {
    let keys: Vec<String> = keys_of
        .as_array()
        .and_then(|a| a.first())
        .and_then(Value::as_object)
        .map(|o| {
            o.keys()
                .filter(|k| !["id", "created_at", "lift_bayes"].contains(&k.as_str()))
                .cloned()
                .collect()
        })
        .unwrap_or_default();
    let mut out: Vec<Value> = rows
        .as_array()
        .unwrap()
        .iter()
        .map(|r| Value::Object(keys.iter().map(|k| (k.clone(), r[k].clone())).collect()))
        .collect();
    out.sort_by_key(|v| v.to_string());
    out
}

fn assert_rows_match(number: u32, ours: &Value) {
    let rec = recorded(number);
    let (a, b) = (comparable(&rec, &rec), comparable(ours, &rec));
    assert_eq!(a.len(), b.len(), "response {number:02}: row count");
    for (x, y) in a.iter().zip(&b) {
        assert!(approx_contains(x, y), "response {number:02}: recorded {x} vs ours {y}");
    }
}

fn replay(api: &Api) {
    // 12: no stats run yet.
    assert_eq!(api.get("/stats/result"), (200, recorded(12)));

    // 01–03: a submit runs synchronously and its result has the original's shape and trial grid.
    let (status, body) = api.post("/submit", &reference_spec("submit_local.json"));
    assert_eq!(status, 200, "{body}");
    assert_shape(1, &recorded(1), &body);
    let id = body["id"].as_str().unwrap().to_string();
    assert!(id.len() == 32 && id.chars().all(|c| c.is_ascii_hexdigit()), "{id}");
    let (_, st) = api.get(&format!("/status/{id}"));
    assert_eq!(st["status"], recorded(2)["status"]);
    let (status, result) = api.get(&format!("/result/{id}"));
    assert_eq!(status, 200);
    let rec = recorded(3);
    assert_document(3, &rec, &result);
    let grid = |v: &Value| {
        let mut g: Vec<String> = v["result"]["trials"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["params"].to_string())
            .collect();
        g.sort();
        g
    };
    assert_eq!(grid(&result), grid(&rec), "the same 45 parameter sets as the original");

    // 04–06: unknown ids and an invalid spec, byte for byte.
    assert_eq!(api.get("/status/doesnotexist"), (200, recorded(4)));
    assert_eq!(api.get("/result/doesnotexist"), (200, recorded(5)));
    assert_eq!(
        api.post("/submit", &json!({"data": {"symbols": ["EURUSD"]}})),
        (400, recorded(6))
    );

    // 07–11: runs now show the submitted run (the original never wrote them; COMPAT.md), in its row shapes.
    let (_, runs) = api.get("/runs");
    assert_eq!(runs.as_array().unwrap().len(), 1);
    assert_shape(40, &recorded(40)[0], &runs[0]);
    assert_eq!(
        (runs[0]["run_id"].as_str(), runs[0]["status"].as_str()),
        (Some(id.as_str()), Some("FINISHED"))
    );
    assert_eq!(
        api.get("/runs?status=finished&page=1&page_size=20"),
        (200, recorded(8)),
        "status is case-sensitive"
    );
    assert_eq!(api.get("/runs?status=FINISHED").1.as_array().unwrap().len(), 1);
    let (status, run) = api.get(&format!("/runs/{id}"));
    assert_eq!(status, 200);
    assert_shape(42, &recorded(42)["run"], &run["run"]);
    let numbers = |m: &Value| {
        m.as_object()
            .is_some_and(|o| !o.is_empty() && o.values().all(Value::is_number))
    };
    assert!(numbers(&run["metrics"]["aggregated"]), "{}", run["metrics"]);
    assert!(
        run["metrics"]["folds"].as_object().unwrap().values().all(numbers),
        "{}",
        run["metrics"]
    );
    let (_, trials) = api.get(&format!("/runs/{id}/trials?page_size=500"));
    assert_eq!(trials.as_array().unwrap().len(), 45);
    assert_shape(44, &recorded(44)[0], &trials[0]);
    let params: Value = serde_json::from_str(trials[0]["params_json"].as_str().unwrap()).unwrap();
    assert!(params["ema_fast"].is_number() && params["ema_slow"].is_number());
    let objective: Vec<f64> = trials
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|t| t["objective_value"].as_f64())
        .collect();
    assert!(
        objective.windows(2).all(|w| w[0] >= w[1]),
        "ordered by objective_value desc by default"
    );
    let (_, metrics) = api.get(&format!("/runs/{id}/metrics"));
    assert_eq!(metrics, run["metrics"], "the same metrics as /runs/{{id}}");
    // New: the overfitting report, also under /runs/{id}; its PBO is the one in run_metrics.
    let (status, report) = api.get(&format!("/runs/{id}/overfitting"));
    assert_eq!(status, 200, "{report}");
    assert_eq!(report, run["overfitting"]);
    let pbo = &report["symbols"][0]["pbo"];
    assert_eq!(pbo["splits"], 252, "10 bars: 10 blocks, C(10, 5) splits: {pbo}");
    assert_eq!(pbo["pbo"], metrics["aggregated"]["pbo"]);
    assert!((0.0..=1.0).contains(&pbo["pbo"].as_f64().unwrap()));
    assert_eq!(api.get("/runs/does-not-exist/overfitting").0, 404);
    assert!(metrics["aggregated"]
        .as_object()
        .is_some_and(|m| m.contains_key("sharpe")));

    // 13–23: stats.
    let (status, body) = api.post("/stats/run", &reference_spec("stats_run.json"));
    assert_eq!((status, &body["status"]), (200, &recorded(13)["status"]), "{body}");
    let (_, result) = api.get("/stats/result");
    let rec = recorded(14);
    // Shapes differ on purpose (the original's `successes` were booleans: COMPAT.md); the keys keep its order.
    let bad = key_order_mismatches(&rec, &result);
    assert!(bad.is_empty(), "response 14: keys out of the original's order: {bad:?}");
    let (ours, theirs) = (
        result["result"]["columns"].as_array().unwrap(),
        rec["result"]["columns"].as_array().unwrap(),
    );
    assert_eq!(
        &ours[..21],
        &theirs[..],
        "the original's 21 columns first, in its order (ours follow)"
    );
    let keys = theirs.iter().map(|c| c.as_str().unwrap()).collect::<Vec<_>>();
    let project = |rows: &Value| -> Vec<Value> {
        rows.as_array()
            .unwrap()
            .iter()
            .map(|r| Value::Object(keys.iter().map(|k| (k.to_string(), r[*k].clone())).collect()))
            .map(|mut r| {
                // The original sometimes serialised `successes` as a boolean (reference §4.2 BUG); we always
                // answer the integer it meant.
                if let Some(b) = r["successes"].as_bool() {
                    r["successes"] = json!(b as i64);
                }
                r
            })
            .collect()
    };
    let (ours, theirs) = (project(&result["result"]["rows"]), project(&rec["result"]["rows"]));
    assert_eq!(ours.len(), theirs.len());
    for (o, t) in ours.iter().zip(&theirs) {
        assert!(
            approx_eq(o, t),
            "row as the original computed it: recorded {t} vs ours {o}"
        );
    }
    for (n, path) in [
        (15, "/stats"),
        (16, "/stats?symbol=EURUSD&timeframe=M1&target=up_next_bar&page_size=20"),
        (
            17,
            "/stats?symbol=EURUSD&event=k_consecutive&target=up_next_bar&method=bayes&page_size=5",
        ),
        (19, "/stats/top?symbol=EURUSD&timeframe=M1&k=5"),
        (20, "/stats/top?symbol=EURUSD&timeframe=M1&k=5&method=bayes"),
        (21, "/stats/summary?symbol=EURUSD&timeframe=M1"),
        (22, "/stats/summary"),
        (
            23,
            "/stats/heatmap?symbol=EURUSD&timeframe=M1&event=k_consecutive&target=up_next_bar&condition_name=session",
        ),
    ] {
        let (status, rows) = api.get(path);
        assert_eq!(status, 200, "{path}: {rows}");
        if let Some(first) = recorded(n).as_array().and_then(|a| a.first()) {
            assert_shape(n, first, &rows[0]);
        }
        assert_rows_match(n, &rows);
    }
    let (_, ranked) = api.get("/stats");
    let lifts: Vec<f64> = ranked
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["lift_freq"].as_f64().unwrap())
        .collect();
    assert!(
        lifts.windows(2).all(|w| w[0] >= w[1]),
        "sorted by lift_freq desc: {lifts:?}"
    );
    // 18: significant_only works now (the original always answered []): every row is significant.
    let (_, sig) = api.get("/stats?symbol=EURUSD&significant_only=true");
    for r in sig.as_array().unwrap() {
        assert!(
            r["significant"] == json!(true) || r["q_value"].as_f64().is_some_and(|q| q <= 0.05),
            "{r}"
        );
    }
    // 24–26
    let (status, err) = api.get("/stats/heatmap?symbol=EURUSD&timeframe=M1");
    assert_eq!((status, err), (422, recorded(24)));
    let (_, conditions) = api.get("/stats/conditions");
    assert_eq!(
        conditions,
        json!(["htf_trend", "session", "vol_tertile"]),
        "the computable names only (COMPAT.md)"
    );
    for c in conditions.as_array().unwrap() {
        assert!(
            recorded(25).as_array().unwrap().contains(c),
            "{c} is one of the original's names"
        );
    }
    // The original listed 23 filters no spec could apply; the honest list (COMPAT.md) is tests/tests/honest_lists.rs's.
    assert_eq!(api.get("/filters/list"), (200, json!(["ema_fast", "ema_slow"])));

    // 36–38: a second identical run updates rows instead of duplicating them.
    assert_eq!(api.post("/stats/run", &reference_spec("stats_run.json")).0, 200);
    assert_rows_match(37, &api.get("/stats").1);
    assert_rows_match(38, &api.get("/stats/summary?symbol=EURUSD&timeframe=M1").1);

    replay_seasonality(api);

    // Paging validation as FastAPI: page_size above 500 is a 422 naming the parameter.
    let (status, err) = api.get("/runs?page_size=1000");
    assert_eq!(status, 422);
    assert_eq!(err["detail"][0]["loc"], json!(["query", "page_size"]));
    let (status, err) = api.get("/runs/does-not-exist");
    assert_eq!((status, err), (404, recorded(9)));
}

/// 27–35: seasonality run and optimise, then the stored runs and profiles.
fn replay_seasonality(api: &Api) {
    let (status, run) = api.post("/seasonality/run", &reference_spec("seasonality_run.json"));
    assert_eq!(status, 200, "{run}");
    assert_document(27, &recorded(27), &run);
    let (status, opt) = api.post("/seasonality/optimize", &reference_spec("seasonality_optimize.json"));
    assert_eq!(status, 200, "{opt}");
    assert_document(28, &recorded(28), &opt);

    let (_, runs) = api.get("/seasonality/runs");
    assert!(!runs.as_array().unwrap().is_empty());
    for r in runs.as_array().unwrap() {
        assert_eq!(r["status"], "completed");
        if r["spec_id"] == "demo_seasonality_run" {
            assert_shape(29, &recorded(29)[0], r);
        } else {
            // One row per optimisation (the original wrote one per trial); its summary keeps `best_metrics`.
            let summary_keys = ["rules_counts", "active_bins", "artifacts", "folds", "rules_metadata"];
            assert_shape(29, &without_keys(&recorded(29)[1], &summary_keys), r);
            assert!(r["best_summary"]["best_metrics"]["sharpe"].is_number(), "{r}");
        }
    }
    let (_, readme) = api.get("/seasonality/runs?spec_id=demo_seasonality_run&page_size=5");
    assert_eq!(readme.as_array().unwrap().len(), recorded(30).as_array().unwrap().len());
    let id = readme[0]["run_id"].as_str().unwrap();
    let (status, one) = api.get(&format!("/seasonality/runs/{id}"));
    assert_eq!(status, 200);
    assert_shape(31, &recorded(31), &one);
    assert_eq!(api.get("/seasonality/runs/doesnotexist"), (404, recorded(32)));

    // The run's profiles (hour 0 and Monday on the recorded bars) as the original computed them.
    let (_, all) = api.get("/seasonality/profiles");
    assert_shape(33, &recorded(33)[0], &all[0]);
    let of_run = |v: &Value| -> Value {
        Value::Array(
            v.as_array()
                .unwrap()
                .iter()
                .filter(|r| r["spec_id"] == "demo_seasonality_run")
                .cloned()
                .collect(),
        )
    };
    let (ours, theirs) = (of_run(&all), of_run(&recorded(33)));
    let (a, b) = (comparable(&theirs, &theirs), comparable(&ours, &theirs));
    assert_eq!(a.len(), b.len(), "response 33: the run's profile rows");
    for (x, y) in a.iter().zip(&b) {
        assert!(approx_contains(x, y), "response 33: recorded {x} vs ours {y}");
    }
    let (_, readme) = api.get("/seasonality/profiles?symbol=EURUSD&spec_id=demo_seasonality_run&page_size=5");
    assert_rows_match(34, &readme);
    let (status, filtered) =
        api.get("/seasonality/profiles?symbol=EURUSD&dim=hour&metrics=run_len_up_mean&metrics=p_breakout_up");
    assert_eq!(status, 200);
    for r in filtered.as_array().unwrap() {
        assert!(
            !r["metrics"]["run_len_up_mean"].is_null() && !r["metrics"]["p_breakout_up"].is_null(),
            "{r}"
        );
    }
    seasonality_significance_and_trials(api, &opt);
}

/// New endpoints and keys (issue 25) after [`replay_seasonality`]: the optimisation's trials, the run's per-year
/// cells, and the profiles' significance figures with their filters.
fn seasonality_significance_and_trials(api: &Api, opt: &Value) {
    let (_, runs) = api.get("/seasonality/runs");
    let id_of = |optimised: bool| {
        let runs = runs.as_array().unwrap();
        let r = runs
            .iter()
            .find(|r| (r["spec_id"] != "demo_seasonality_run") == optimised)
            .unwrap();
        r["run_id"].as_str().unwrap().to_string()
    };
    let (opt_id, run_id) = (id_of(true), id_of(false));
    let n = opt["result"]["n_trials"].as_u64().unwrap();
    let (status, trials) = api.get(&format!("/seasonality/runs/{opt_id}/trials"));
    assert_eq!(status, 200, "{trials}");
    let trials = trials.as_array().unwrap().clone();
    assert_eq!(trials.len() as u64, n, "{trials:?}");
    let numbers: Vec<u64> = trials.iter().map(|t| t["trial_number"].as_u64().unwrap()).collect();
    assert!(numbers.windows(2).all(|w| w[0] < w[1]), "{numbers:?}");
    assert!(
        trials
            .iter()
            .all(|t| t["params"]["dims"].is_array() && t["metrics"].is_object()),
        "{trials:?}"
    );
    // The result's best is the trial with the highest objective.
    let best = trials
        .iter()
        .max_by(|a, b| a["objective"].as_f64().partial_cmp(&b["objective"].as_f64()).unwrap())
        .unwrap();
    assert_eq!(
        best["objective"].as_f64(),
        opt["result"]["best_value"].as_f64(),
        "{best}"
    );
    let (_, page2) = api.get(&format!("/seasonality/runs/{opt_id}/trials?page=2&page_size=2"));
    assert_eq!(page2.as_array().unwrap()[..], trials[2..4.min(trials.len())]);
    assert_eq!(api.get("/seasonality/runs/doesnotexist/trials"), (200, json!([])));

    // The run's per-year cells: every bar lies in 2024, so each stored hour bin has one cell of its own size.
    let (_, hours) = api.get("/seasonality/profiles?symbol=EURUSD&dim=hour&page_size=500");
    let (status, years) = api.get(&format!("/seasonality/years?run_id={run_id}&symbol=EURUSD&dim=hour"));
    assert_eq!(status, 200, "{years}");
    let years = years.as_array().unwrap();
    assert!(!years.is_empty());
    for y in years {
        assert_eq!(
            (y["year"].as_i64(), y["dim"].as_str()),
            (Some(2024), Some("hour")),
            "{y}"
        );
        let profile = hours
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["spec_id"] == "demo_seasonality_run" && p["bin"] == y["bin"])
            .unwrap_or_else(|| panic!("no stored profile for {y}"));
        assert_eq!(y["n"], profile["n"], "{y} vs {profile}");
    }
    let (status, missing) = api.get("/seasonality/years?symbol=EURUSD");
    assert_eq!(status, 422, "{missing}");
    let locs: Vec<&Value> = missing["detail"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| &d["loc"][1])
        .collect();
    assert_eq!(locs, [&json!("run_id"), &json!("dim")], "{missing}");

    // Significance on every row, and the filters keep exactly the rows an independent filter keeps.
    let (_, all) = api.get("/seasonality/profiles?page_size=500");
    let all = all.as_array().unwrap();
    for key in ["t_stat", "p_value", "q_value", "years_same_sign"] {
        assert!(all.iter().all(|r| r.get(key).is_some()), "{key} missing");
    }
    assert!(all.iter().any(|r| r["q_value"].is_number()), "some bin has a q-value");
    let ids = |rows: &[Value]| -> Vec<i64> { rows.iter().map(|r| r["id"].as_i64().unwrap()).collect() };
    for (param, key, keep) in [
        ("max_q=0.5", "q_value", (|x: f64| x <= 0.5) as fn(f64) -> bool),
        ("min_years_same_sign=0.5", "years_same_sign", |x: f64| x >= 0.5),
    ] {
        let (_, got) = api.get(&format!("/seasonality/profiles?{param}&page_size=500"));
        let want: Vec<Value> = all
            .iter()
            .filter(|r| r[key].as_f64().is_some_and(keep))
            .cloned()
            .collect();
        assert_eq!(ids(got.as_array().unwrap()), ids(&want), "{param}");
    }
    let (status, body) = api.get("/seasonality/profiles?max_q=2");
    assert_eq!(status, 422, "{body}");
}

#[test]
fn recorded_requests_replay_on_sqlite() {
    let data = reference_data_root();
    let root = data.path().to_str().unwrap();
    let server = spawn_server(&[], &[("QE_DATA_ROOT", root)]);
    replay(&Api::new(&server.base));
}

#[test]
fn recorded_requests_replay_on_mariadb() {
    let Some(url) = fresh_mysql_url() else { return };
    let data = reference_data_root();
    let root = data.path().to_str().unwrap();
    let server = spawn_server(&[], &[("QE_DATA_ROOT", root), ("QE_DB_URL", &url)]);
    replay(&Api::new(&server.base));
}
