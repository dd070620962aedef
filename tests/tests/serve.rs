//! `qe serve` answers health checks and renders the overview with the demo data on the server.

use qe_tests::spawn_server;

#[test]
fn healthz_reports_a_working_database() {
    let server = spawn_server(&[], &[]);
    let health: model::Health = reqwest::blocking::get(format!("{}/healthz", server.base))
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(health.status, "ok");
    assert_eq!(health.database, "ok");
    assert!(
        server.home.path().join("quant.db").exists(),
        "the SQLite file is created under QE_HOME"
    );
}

#[test]
fn overview_is_server_rendered_with_the_seeded_demo_data() {
    let server = spawn_server(&["--seed-demo"], &[]);
    let res = reqwest::blocking::get(format!("{}/", server.base)).unwrap();
    assert_eq!(res.status(), 200);
    let html = res.text().unwrap();
    for symbol in ["EURUSD", "ES", "BTCUSD"] {
        assert!(
            html.contains(&format!("<td class=\"sym\">{symbol}</td>")),
            "{symbol} row missing from the SSR HTML"
        );
    }
    assert!(html.contains("/pkg/quant-engine.js"), "hydration script is referenced");
    assert!(server.home.path().join("data/demo.parquet").exists());
    assert!(server.home.path().join("data/demo.csv").exists());
}

/// GET `path` with `Accept-Encoding`: status, content encoding, content type and the raw body.
fn get_encoded(base: &str, path: &str, encoding: &str) -> (u16, String, String, Vec<u8>) {
    let a = qe_tests::get_raw(base, path, &[("Accept-Encoding", encoding)]);
    (a.status, a.header("content-encoding"), a.header("content-type"), a.body)
}

#[test]
fn answers_are_gzipped_for_clients_that_accept_it_but_event_streams_are_not() {
    let server = spawn_server(&[], &[]);
    qe_tests::synth(server.home.path(), 40);
    for path in ["/openapi.json", "/ui/submit"] {
        let (code, enc, _, plain) = get_encoded(&server.base, path, "identity");
        assert_eq!((code, enc.as_str()), (200, ""), "{path}");
        let (code, enc, _, zipped) = get_encoded(&server.base, path, "gzip, br");
        assert_eq!((code, enc.as_str()), (200, "gzip"), "{path}");
        let mut unzipped = Vec::new();
        std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(&zipped[..]), &mut unzipped).unwrap();
        assert!(
            zipped.len() * 2 < plain.len(),
            "{path}: {} bytes gzipped of {}",
            zipped.len(),
            plain.len()
        );
        if path == "/openapi.json" {
            assert_eq!(unzipped, plain, "the same document");
        } else {
            assert!(String::from_utf8(unzipped).unwrap().contains("</html>"));
        }
    }
    let (code, run) = qe_tests::Api::new(&server.base).post(
        "/submit",
        &serde_json::json!({
            "data": {"dataset_path": "demo.csv", "symbols": ["ES"], "start": "2024-01-01", "end": "2024-02-09"},
            "strategy": {"filters": {"ema_fast": 9, "ema_slow": 26}, "tpsl": {"atr_k": 2.0}, "objective": "sharpe",
                         "search_space": {"ema_fast": [5], "ema_slow": [20]}}
        }),
    );
    assert_eq!(code, 200, "{run}");
    let events = format!("/runs/{}/events", run["id"].as_str().unwrap());
    let (code, enc, ctype, body) = get_encoded(&server.base, &events, "gzip");
    assert_eq!(
        (code, enc.as_str()),
        (200, ""),
        "events are never buffered by compression"
    );
    assert!(ctype.starts_with("text/event-stream"), "{ctype}");
    assert!(String::from_utf8(body).unwrap().contains("event: done"));
}

#[test]
fn unknown_pages_answer_404() {
    let server = spawn_server(&[], &[]);
    let res = reqwest::blocking::get(format!("{}/ui/does-not-exist", server.base)).unwrap();
    assert_eq!(res.status(), 404);
}

#[test]
fn openapi_documents_every_route_of_the_api() {
    let server = spawn_server(&[], &[]);
    let doc: serde_json::Value = reqwest::blocking::get(format!("{}/openapi.json", server.base))
        .unwrap()
        .json()
        .unwrap();
    assert!(
        doc["openapi"].as_str().unwrap().starts_with("3.1"),
        "{}",
        doc["openapi"]
    );
    assert_eq!(doc["info"]["title"], "Quant Engine API");
    let paths = doc["paths"].as_object().unwrap();
    for (method, path) in [
        ("post", "/submit"),
        ("get", "/status/{id}"),
        ("get", "/result/{id}"),
        ("get", "/jobs"),
        ("get", "/jobs/{id}/tasks"),
        ("get", "/workers"),
        ("get", "/runs"),
        ("get", "/runs/{id}"),
        ("get", "/runs/{id}/trials"),
        ("get", "/runs/{id}/trials/{trial}"),
        ("get", "/runs/{id}/trials/{trial}/trades"),
        ("get", "/runs/{id}/artifacts"),
        ("get", "/runs/{id}/artifacts/{name}"),
        ("get", "/runs/{id}/metrics"),
        ("get", "/runs/{id}/events"),
        ("post", "/runs/{id}/cancel"),
        ("post", "/stats/run"),
        ("get", "/stats/result"),
        ("get", "/stats"),
        ("get", "/stats/summary"),
        ("get", "/stats/heatmap"),
        ("get", "/stats/top"),
        ("get", "/stats/conditions"),
        ("get", "/filters/list"),
        ("post", "/seasonality/run"),
        ("post", "/seasonality/optimize"),
        ("get", "/seasonality/profiles"),
        ("get", "/seasonality/runs"),
        ("get", "/seasonality/runs/{id}"),
        ("get", "/healthz"),
    ] {
        assert!(
            paths.get(path).and_then(|p| p.get(method)).is_some(),
            "{method} {path} is not documented"
        );
        // Every documented operation is served (not the dashboard's 404 fallback).
        if method == "get" && !path.contains('{') {
            let status = reqwest::blocking::get(format!("{}{path}", server.base))
                .unwrap()
                .status()
                .as_u16();
            assert!(status == 200 || status == 422, "{path} answered {status}");
        }
    }
    let schemas = doc["components"]["schemas"].as_object().unwrap();
    let trial = &schemas["TrialRow"]["properties"];
    for field in ["trial_number", "params_json", "objective_value", "sharpe", "avg_r"] {
        assert!(trial.get(field).is_some(), "TrialRow.{field} missing from the schema");
    }
    assert_typed_bodies(&doc);
}

/// The job POSTs take their spec's schema (with the `specs/` files as examples), every answer has a schema of its
/// own rather than a bare object (the result documents included); operation ids are unique.
fn assert_typed_bodies(doc: &serde_json::Value) {
    let schemas = &doc["components"]["schemas"];
    for (path, spec, example) in [
        ("/submit", "ExperimentSpec", "submit_local"),
        ("/stats/run", "StatsSpec", "stats_run"),
        ("/seasonality/run", "SeasonalitySpec", "seasonality_run"),
        ("/seasonality/optimize", "SeasonalitySpec", "seasonality_optimize"),
    ] {
        let body = &doc["paths"][path]["post"]["requestBody"]["content"]["application/json"];
        assert_eq!(body["schema"]["$ref"], format!("#/components/schemas/{spec}"), "{path}");
        assert!(
            body["examples"][example]["value"]["data"].is_object(),
            "{path}: example {example}"
        );
        assert!(schemas[spec]["properties"]["data"].is_object(), "{spec}");
    }
    let strategy = &schemas["Strategy"]["properties"];
    assert!(
        strategy["search_space"].is_object() && strategy["objective"].is_object(),
        "{strategy}"
    );
    let bare = |schema: &serde_json::Value| schema["type"] == "object" && schema.get("properties").is_none();
    let mut ids = std::collections::BTreeSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let id = op["operationId"].as_str().unwrap_or_default().to_string();
            assert!(ids.insert(id.clone()), "operationId {id} twice");
            for (mime, content) in op["requestBody"]["content"].as_object().into_iter().flatten() {
                assert!(!bare(&content["schema"]), "{method} {path} takes a bare {mime} object");
            }
            for (status, answer) in op["responses"].as_object().unwrap() {
                for (mime, content) in answer["content"].as_object().into_iter().flatten() {
                    assert!(
                        !bare(&content["schema"]),
                        "{method} {path} {status} {mime} answers a bare object"
                    );
                }
            }
        }
    }
    let status = &doc["paths"]["/status/{id}"]["get"]["responses"]["200"]["content"]["application/json"]["schema"];
    assert_eq!(status["$ref"], "#/components/schemas/StatusAnswer");
    // The result documents are typed down to their metrics.
    for name in [
        "OptimizeResult",
        "StatsResult",
        "SeasonalityResult",
        "SeasonalityOptimizeResult",
    ] {
        assert!(schemas[name].is_object(), "schema {name}");
    }
    assert!(
        schemas["TrialEntry"]["properties"]["metrics"].is_object(),
        "{}",
        schemas["TrialEntry"]
    );
}

#[test]
fn seeded_demo_jobs_fill_every_kind_of_result() {
    let server = spawn_server(&["--seed-demo", "--seed-demo-wait"], &[]);
    let get = |path: &str| -> serde_json::Value {
        reqwest::blocking::get(format!("{}{path}", server.base))
            .unwrap()
            .json()
            .unwrap()
    };
    for id in ["demo_optimize", "demo_stats", "demo_seasonality"] {
        assert_eq!(get(&format!("/status/{id}"))["status"], "completed", "{id}");
    }
    let run = get("/runs/demo_optimize");
    assert_eq!(run["run"]["status"], "FINISHED");
    let trials = get("/runs/demo_optimize/trials?page_size=500");
    assert_eq!(trials.as_array().unwrap().len(), 125, "5 × 5 EMA pairs × R 1…5");
    let stats = get("/stats?symbol=BTCUSD&page_size=500");
    assert!(!stats.as_array().unwrap().is_empty());
    // The planted hour-14 effect shows in the stored hour profile of every symbol.
    for symbol in ["EURUSD", "ES", "BTCUSD"] {
        let rows = get(&format!("/seasonality/profiles?symbol={symbol}&dim=hour&page_size=500"));
        let best = rows.as_array().unwrap().iter().max_by(|a, b| {
            a["lift"]
                .as_f64()
                .unwrap_or(f64::MIN)
                .total_cmp(&b["lift"].as_f64().unwrap_or(f64::MIN))
        });
        assert_eq!(best.unwrap()["bin"], 14, "{symbol}");
    }
    // All three symbols carry the same planted hour effect, so their hourly lifts correlate.
    let cmp = get("/seasonality/compare?symbols=EURUSD&symbols=ES&dim=hour");
    assert_eq!(cmp["rows"].as_array().unwrap().len(), 24, "{cmp}");
    assert!(cmp["correlation"].as_f64().unwrap() > 0.3, "{}", cmp["correlation"]);
    let row14 = cmp["wide"].as_array().unwrap().iter().find(|r| r["bin"] == 14).unwrap();
    assert!(
        row14["lift_EURUSD"].as_f64().unwrap() > 0.03 && row14["lift_ES"].as_f64().unwrap() > 0.03,
        "{row14}"
    );
    let m = get("/seasonality/correlation?dim=hour");
    assert_eq!(m["symbols"], serde_json::json!(["BTCUSD", "ES", "EURUSD"]));
    for i in 0..3 {
        assert!((m["matrix"][i][i].as_f64().unwrap() - 1.0).abs() < 1e-9, "{m}");
    }
    let res = reqwest::blocking::get(format!("{}/seasonality/compare?symbols=EURUSD&dim=hour", server.base)).unwrap();
    assert_eq!(res.status(), 422, "exactly two symbols");
}

/// The schema a `$ref` of the document points to.
fn resolve<'a>(doc: &'a serde_json::Value, schema: &'a serde_json::Value) -> &'a serde_json::Value {
    match schema["$ref"].as_str() {
        Some(r) => &doc["components"]["schemas"][r.trim_start_matches("#/components/schemas/")],
        None => schema,
    }
}

#[test]
fn openapi_documents_every_422_a_get_answers_and_the_bounds_its_handler_enforces() {
    let server = spawn_server(&[], &[]);
    let get = |path: &str| {
        let res = reqwest::blocking::get(format!("{}{path}", server.base)).unwrap();
        let status = res.status().as_u16();
        (status, res.json::<serde_json::Value>().unwrap_or_default())
    };
    // `url(v)` is taken (no 422) for each value `inside` and refused with a 422 for each `outside`.
    let refuses_only_outside = |url: &dyn Fn(String) -> String, inside: [String; 2], outside: [String; 2]| {
        let cases = inside
            .into_iter()
            .map(|v| (v, true))
            .chain(outside.into_iter().map(|v| (v, false)));
        for (v, ok) in cases {
            let (status, body) = get(&url(v.clone()));
            assert_eq!(status == 422, !ok, "GET {} answered {status}: {body}", url(v));
        }
    };
    let (_, doc) = get("/openapi.json");
    let item = &doc["components"]["schemas"]["ValidationItem"];
    let mut required: Vec<&str> = item["required"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    required.sort_unstable();
    assert_eq!(required, ["input", "loc", "msg", "type", "url"], "{item}");
    let list = &doc["components"]["schemas"]["ValidationError"]["properties"]["detail"];
    assert_eq!(list["type"], "array", "detail is a list: {list}");
    assert_eq!(list["items"]["$ref"], "#/components/schemas/ValidationItem");

    // Every GET is sent parameters out of every bound and none of its required ones: those that answer 422 must
    // document it, with a schema their body fits.
    let mut answering_422 = Vec::new();
    for (path, ops) in doc["paths"].as_object().unwrap() {
        let Some(op) = ops.get("get") else { continue };
        let url = format!("{}?page=0&page_size=0&k=0&limit=0&min_n=-1", path.replace("{id}", "x"));
        if path.ends_with("/events") {
            continue;
        }
        let (status, body) = get(&url);
        if status != 422 {
            continue;
        }
        answering_422.push(path.clone());
        let doc422 = &op["responses"]["422"];
        assert!(
            doc422.is_object(),
            "GET {path} answers 422 but does not document it: {body}"
        );
        let schema = resolve(&doc, &doc422["content"]["application/json"]["schema"]);
        let lists = schema == &doc["components"]["schemas"]["ValidationError"]
            || schema["oneOf"]
                .as_array()
                .is_some_and(|o| o.iter().any(|s| s["$ref"] == "#/components/schemas/ValidationError"));
        assert!(lists, "GET {path}: the 422 schema {schema} is not the validation list");
        let items = body["detail"]
            .as_array()
            .unwrap_or_else(|| panic!("GET {path}: {body}"));
        for i in items {
            for key in &required {
                assert!(i.get(*key).is_some(), "GET {path}: {key} missing from {i}");
            }
        }
    }
    assert!(answering_422.len() >= 14, "{answering_422:?}");

    // The documented bounds are the enforced ones: the bound itself is taken, one past it is refused.
    let fixed = |path: &str| match path {
        "/stats/top" => "symbol=X&timeframe=1m&",
        _ => "",
    };
    let (mut checked, mut checked_floats) = (0, Vec::new());
    for (path, ops) in doc["paths"].as_object().unwrap() {
        let Some(params) = ops.get("get").and_then(|op| op["parameters"].as_array()) else {
            continue;
        };
        for p in params {
            let name = p["name"].as_str().unwrap();
            let url = |v: String| format!("{}?{}{name}={v}", path.replace("{id}", "x"), fixed(path));
            if ["max_q", "min_years_same_sign", "alpha"].contains(&name) {
                let bound = |key: &str| {
                    p["schema"][key]
                        .as_f64()
                        .unwrap_or_else(|| panic!("{path} {name}: {p}"))
                };
                let (min, max) = (bound("minimum"), bound("maximum"));
                refuses_only_outside(
                    &url,
                    [min, max].map(|v| v.to_string()),
                    [min - 0.001, max + 0.001].map(|v| v.to_string()),
                );
                checked_floats.push(format!("{path} {name}"));
                continue;
            }
            if !["page", "page_size", "k"].contains(&name) {
                continue;
            }
            let (min, max) = (p["schema"]["minimum"].as_i64(), p["schema"]["maximum"].as_i64());
            let (min, max) = (
                min.unwrap_or_else(|| panic!("{path} {name}: no minimum: {p}")),
                max.unwrap(),
            );
            refuses_only_outside(
                &url,
                [min, max].map(|v| v.to_string()),
                [min - 1, max + 1].map(|v| v.to_string()),
            );
            checked += 1;
        }
    }
    assert_eq!(checked, 15, "page and page_size of seven lists, and k");
    checked_floats.sort();
    assert_eq!(
        checked_floats,
        [
            "/seasonality/profiles max_q",
            "/seasonality/profiles min_years_same_sign",
            "/stats alpha"
        ]
    );
}
