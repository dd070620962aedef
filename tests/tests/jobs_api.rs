//! Jobs over real HTTP: asynchronous submits, server-sent progress, cancellation, a crash in the middle of a job,
//! 50 simultaneous submits, and the protection layers (token, CORS, body limit, data root).

use qe_tests::{fresh_mysql_url, reference_data_root, reference_spec, spawn_server, spawn_server_at, synth};
use serde_json::{json, Value};
use std::io::{BufRead, BufReader};
use std::time::{Duration, Instant};

fn http() -> reqwest::blocking::Client {
    reqwest::blocking::Client::builder()
        .timeout(Duration::from_secs(300))
        .build()
        .unwrap()
}

/// An optimisation over the synthetic EURUSD series with `fast × slow × 5` trials.
fn big_spec(fast: usize, slow: usize) -> Value {
    let fast: Vec<usize> = (0..fast).map(|i| 5 + i).collect();
    let slow: Vec<usize> = (0..slow).map(|i| 30 + 5 * i).collect();
    json!({
        "data": {"dataset_path": "demo.csv", "symbols": ["EURUSD"], "start": "2024-01-01", "end": "2024-12-31"},
        "strategy": {
            "filters": {"ema_fast": 9, "ema_slow": 26}, "tpsl": {"atr_k": 2.0},
            "validation": {"train_months": 2, "test_months": 1, "folds": 3, "embargo_days": 0},
            "objective": "sharpe", "search_space": {"ema_fast": fast, "ema_slow": slow}
        }
    })
}

fn submit_async(c: &reqwest::blocking::Client, base: &str, spec: &Value) -> String {
    let res = c
        .post(format!("{base}/submit"))
        .header("Prefer", "respond-async")
        .json(spec)
        .send()
        .unwrap();
    assert_eq!(res.status(), 202);
    assert!(res.headers().get("location").is_some());
    let body: Value = res.json().unwrap();
    assert_eq!(body["status"], "queued");
    body["id"].as_str().unwrap().to_string()
}

fn status(c: &reqwest::blocking::Client, base: &str, id: &str) -> Value {
    c.get(format!("{base}/status/{id}")).send().unwrap().json().unwrap()
}

fn wait_for(c: &reqwest::blocking::Client, base: &str, id: &str, pred: impl Fn(&Value) -> bool) -> Value {
    let start = Instant::now();
    loop {
        let s = status(c, base, id);
        if pred(&s) {
            return s;
        }
        assert!(
            start.elapsed() < Duration::from_secs(240),
            "timed out waiting on {id}: {s}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn progress_streams_as_server_sent_events_until_done() {
    let data = tempfile::tempdir().unwrap();
    synth(data.path(), 120);
    let server = spawn_server(&[], &[("QE_DATA_ROOT", data.path().to_str().unwrap())]);
    let c = http();
    let id = submit_async(&c, &server.base, &big_spec(4, 3));
    let res = c.get(format!("{}/runs/{id}/events", server.base)).send().unwrap();
    assert_eq!(res.headers()["content-type"], "text/event-stream");
    let mut events: Vec<(String, Value)> = Vec::new();
    let mut name = String::new();
    for line in BufReader::new(res).lines() {
        let line = line.unwrap();
        if let Some(n) = line.strip_prefix("event: ") {
            name = n.to_string();
        } else if let Some(d) = line.strip_prefix("data: ") {
            events.push((name.clone(), serde_json::from_str(d).unwrap()));
        }
    }
    let (last_name, last) = events.last().expect("at least the done event");
    assert_eq!(
        (last_name.as_str(), last["status"].as_str()),
        ("done", Some("completed")),
        "{events:?}"
    );
    let progress: Vec<f64> = events
        .iter()
        .filter(|(n, _)| n == "progress")
        .map(|(_, d)| d["progress"].as_f64().unwrap())
        .collect();
    assert!(
        progress.iter().any(|p| *p > 0.0 && *p < 1.0),
        "intermediate progress streamed: {progress:?}"
    );
    assert!(
        progress.windows(2).all(|w| w[0] <= w[1] + 1e-9),
        "progress never goes back: {progress:?}"
    );
    // A finished job's stream is its final state at once.
    let again = c
        .get(format!("{}/runs/{id}/events", server.base))
        .send()
        .unwrap()
        .text()
        .unwrap();
    assert!(
        again.contains("event: done") && again.contains("\"completed\""),
        "{again}"
    );
    assert_eq!(
        c.get(format!("{}/runs/nope/events", server.base))
            .send()
            .unwrap()
            .status(),
        404
    );
}

#[test]
fn a_cancelled_job_stops_and_says_so_everywhere() {
    let data = tempfile::tempdir().unwrap();
    synth(data.path(), 366);
    let server = spawn_server(&[], &[("QE_DATA_ROOT", data.path().to_str().unwrap())]);
    let c = http();
    let id = submit_async(&c, &server.base, &big_spec(12, 12));
    wait_for(&c, &server.base, &id, |s| s["status"] == "running");
    let res = c.post(format!("{}/runs/{id}/cancel", server.base)).send().unwrap();
    assert_eq!(res.status(), 202);
    let s = wait_for(&c, &server.base, &id, |s| s["status"] != "running");
    assert_eq!(s["status"], "cancelled");
    let run: Value = c
        .get(format!("{}/runs/{id}", server.base))
        .send()
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(run["run"]["status"], "CANCELLED");
    let again = c.post(format!("{}/runs/{id}/cancel", server.base)).send().unwrap();
    assert_eq!(again.status(), 409);
    assert_eq!(
        c.post(format!("{}/runs/nope/cancel", server.base))
            .send()
            .unwrap()
            .status(),
        404
    );
}

fn get_json(c: &reqwest::blocking::Client, url: String) -> Value {
    c.get(url).send().unwrap().json().unwrap()
}

/// Environment of a server on SQLite (None) or on the given MariaDB database.
fn with_db<'a>(mut envs: Vec<(&'a str, &'a str)>, db: &'a Option<String>) -> Vec<(&'a str, &'a str)> {
    if let Some(url) = db {
        envs.push(("QE_DB_URL", url));
    }
    envs
}

fn crash_mid_job(db: Option<String>) {
    let data = tempfile::tempdir().unwrap();
    synth(data.path(), 366);
    let home = tempfile::tempdir().unwrap();
    let envs = with_db(vec![("QE_DATA_ROOT", data.path().to_str().unwrap())], &db);
    let mut server = spawn_server_at(home.path(), &[], &envs);
    let c = http();
    let done: Value = c
        .post(format!("{}/submit", server.base))
        .json(&big_spec(2, 2))
        .send()
        .unwrap()
        .json()
        .unwrap();
    let done = done["id"].as_str().unwrap().to_string();
    let before = get_json(&c, format!("{}/result/{done}", server.base));
    let trials_before = get_json(&c, format!("{}/runs/{done}/trials", server.base));

    let id = submit_async(&c, &server.base, &big_spec(12, 12));
    wait_for(&c, &server.base, &id, |s| s["status"] == "running");
    server.kill();
    // As if the crash came while the run wrote its artifacts: a half-written file in its folder.
    let artifacts = home.path().join("artifacts");
    std::fs::create_dir_all(artifacts.join(&id)).unwrap();
    std::fs::write(artifacts.join(&id).join("trials.parquet"), b"PAR1 half").unwrap();

    // The first restart runs the job again (its spec is stored), from an empty folder; a second crash in it …
    let mut server = spawn_server_at(home.path(), &[], &envs);
    assert!(
        artifacts.join(format!("{id}.interrupted/trials.parquet")).is_file(),
        "the half run is set aside"
    );
    wait_for(&c, &server.base, &id, |s| s["status"] == "running");
    server.kill();
    // … fails it for good.
    let server = spawn_server_at(home.path(), &[], &envs);
    assert!(
        artifacts.join(&done).join("result.json").is_file(),
        "a completed run's folder stays"
    );
    let s = status(&c, &server.base, &id);
    assert_eq!(
        (s["status"].as_str(), s["reason"].as_str()),
        (Some("failed"), Some("interrupted")),
        "{s}"
    );
    assert_eq!(
        get_json(&c, format!("{}/runs/{id}", server.base))["run"]["status"],
        "FAILED"
    );
    assert_eq!(status(&c, &server.base, &done)["status"], "completed");
    assert_eq!(
        get_json(&c, format!("{}/result/{done}", server.base)),
        before,
        "the completed result is intact"
    );
    assert_eq!(
        get_json(&c, format!("{}/runs/{done}/trials", server.base)),
        trials_before
    );
}

#[test]
fn a_job_crashed_twice_fails_interrupted_and_completed_runs_stay_intact() {
    crash_mid_job(None);
}

#[test]
fn a_job_crashed_twice_on_mariadb_fails_interrupted() {
    if let Some(url) = fresh_mysql_url() {
        crash_mid_job(Some(url));
    }
}

#[test]
fn a_job_a_crash_interrupted_once_runs_again_after_the_restart_and_completes() {
    let data = tempfile::tempdir().unwrap();
    synth(data.path(), 366);
    let home = tempfile::tempdir().unwrap();
    let envs = [("QE_DATA_ROOT", data.path().to_str().unwrap())];
    let mut server = spawn_server_at(home.path(), &[], &envs);
    let c = http();
    let id = submit_async(&c, &server.base, &big_spec(12, 12));
    wait_for(&c, &server.base, &id, |s| s["status"] == "running");
    server.kill();
    let server = spawn_server_at(home.path(), &[], &envs);
    let s = wait_for(&c, &server.base, &id, |s| {
        s["status"] != "running" && s["status"] != "queued"
    });
    assert_eq!(s["status"], "completed", "{s}");
    let run = get_json(&c, format!("{}/runs/{id}", server.base));
    assert_eq!(run["run"]["status"], "FINISHED");
    let result = get_json(&c, format!("{}/result/{id}", server.base));
    assert_eq!(result["result"]["trials"].as_array().map(Vec::len), Some(12 * 12 * 5));
}

fn graceful_stop(grace: &str) -> (Value, std::process::ExitStatus) {
    let data = tempfile::tempdir().unwrap();
    // A year and 720 trials, as the cancel test: still running when SIGTERM arrives, with the faster kernel too.
    synth(data.path(), 366);
    let home = tempfile::tempdir().unwrap();
    let envs = [
        ("QE_DATA_ROOT", data.path().to_str().unwrap()),
        ("QE_SHUTDOWN_GRACE", grace),
    ];
    let mut server = spawn_server_at(home.path(), &[], &envs);
    let c = http();
    let id = submit_async(&c, &server.base, &big_spec(12, 12));
    wait_for(&c, &server.base, &id, |s| s["status"] == "running");
    let exit = server.terminate();
    let server = spawn_server_at(home.path(), &[], &envs);
    (status(&c, &server.base, &id), exit)
}

#[test]
fn sigterm_lets_a_running_job_finish_within_the_grace_period() {
    let (s, exit) = graceful_stop("120");
    assert!(exit.success(), "qe serve exits cleanly: {exit:?}");
    assert_eq!(s["status"], "completed", "{s}");
}

#[test]
fn sigterm_without_grace_cancels_the_job_and_says_so() {
    let (s, exit) = graceful_stop("0");
    assert!(exit.success(), "qe serve exits cleanly: {exit:?}");
    assert!(s["status"] == "cancelled" || s["reason"] == "interrupted", "{s}");
}

fn fifty_submits(db: Option<String>) {
    let data = reference_data_root();
    let root = data.path().to_str().unwrap();
    let envs = with_db(
        vec![("QE_DATA_ROOT", root), ("QE_JOB_WORKERS", "1"), ("QE_JOB_QUEUE", "4")],
        &db,
    );
    let server = spawn_server(&[], &envs);
    let spec = reference_spec("submit_local.json");
    let answers: Vec<(u16, Value)> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..50)
            .map(|_| {
                s.spawn(|| {
                    let res = http()
                        .post(format!("{}/submit", server.base))
                        .json(&spec)
                        .send()
                        .unwrap();
                    (res.status().as_u16(), res.json().unwrap_or(Value::Null))
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let ok: Vec<&str> = answers
        .iter()
        .filter(|(s, _)| *s == 200)
        .map(|(_, b)| b["id"].as_str().unwrap())
        .collect();
    let refused = answers.iter().filter(|(s, _)| *s == 429).count();
    assert_eq!(ok.len() + refused, 50, "only 200 or 429: {answers:?}");
    assert!(
        !ok.is_empty() && refused > 0,
        "the queue limit of 5 was exercised: {} ok, {refused} refused",
        ok.len()
    );
    let mut unique = ok.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), ok.len(), "no id answered twice");
    let jobs: Vec<Value> = http()
        .get(format!("{}/jobs?page_size=500", server.base))
        .send()
        .unwrap()
        .json()
        .unwrap();
    let mut stored: Vec<&str> = jobs.iter().map(|j| j["job_id"].as_str().unwrap()).collect();
    stored.sort();
    assert_eq!(stored, unique, "exactly the accepted jobs are stored");
    assert!(
        jobs.iter().all(|j| j["status"] == "completed"),
        "every accepted job completed"
    );
    let runs: Vec<Value> = http()
        .get(format!("{}/runs?page_size=500", server.base))
        .send()
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(runs.len(), ok.len());
    assert!(runs.iter().all(|r| r["status"] == "FINISHED"));
}

#[test]
fn fifty_simultaneous_submits_all_complete_or_get_429_none_lost_none_duplicated() {
    fifty_submits(None);
}

#[test]
fn fifty_simultaneous_submits_on_mariadb_none_lost_none_duplicated() {
    if let Some(url) = fresh_mysql_url() {
        fifty_submits(Some(url));
    }
}

#[test]
fn a_token_guards_mutations_only() {
    let data = reference_data_root();
    let envs = [
        ("QE_DATA_ROOT", data.path().to_str().unwrap()),
        ("QE_API_TOKEN", "s3cret"),
    ];
    let server = spawn_server(&[], &envs);
    let c = http();
    let spec = reference_spec("stats_run.json");
    let res = c.post(format!("{}/stats/run", server.base)).json(&spec).send().unwrap();
    assert_eq!(res.status(), 401);
    assert_eq!(res.json::<Value>().unwrap(), json!({"detail": "Not authenticated"}));
    let res = c
        .post(format!("{}/stats/run", server.base))
        .bearer_auth("wrong")
        .json(&spec)
        .send()
        .unwrap();
    assert_eq!(res.status(), 401);
    let res = c
        .post(format!("{}/stats/run", server.base))
        .bearer_auth("s3cret")
        .json(&spec)
        .send()
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(
        c.get(format!("{}/stats", server.base)).send().unwrap().status(),
        200,
        "reads stay open"
    );
}

#[test]
fn cors_allows_the_listed_origins_only() {
    let server = spawn_server(
        &[],
        &[("QE_CORS_ORIGINS", "http://localhost:4200, http://example.test")],
    );
    let c = http();
    let res = c
        .request(reqwest::Method::OPTIONS, format!("{}/submit", server.base))
        .header("Origin", "http://localhost:4200")
        .header("Access-Control-Request-Method", "POST")
        .header("Access-Control-Request-Headers", "content-type,prefer")
        .send()
        .unwrap();
    assert_eq!(res.headers()["access-control-allow-origin"], "http://localhost:4200");
    let res = c
        .get(format!("{}/runs", server.base))
        .header("Origin", "http://evil.test")
        .send()
        .unwrap();
    assert!(res.headers().get("access-control-allow-origin").is_none());
}

#[test]
fn bad_requests_get_clear_errors_and_store_nothing() {
    let data = reference_data_root();
    let envs = [
        ("QE_DATA_ROOT", data.path().to_str().unwrap()),
        ("QE_MAX_BODY_BYTES", "4096"),
    ];
    let server = spawn_server(&[], &envs);
    let c = http();
    let post = |path: &str, body: String| {
        let res = c
            .post(format!("{}{path}", server.base))
            .header("content-type", "application/json")
            .body(body)
            .send()
            .unwrap();
        (res.status().as_u16(), res.json::<Value>().unwrap_or(Value::Null))
    };
    let (status, err) = post("/submit", format!("{{\"pad\": \"{}\"}}", "x".repeat(10_000)));
    assert_eq!((status, err), (413, json!({"detail": "Request body too large"})));
    let (status, err) = post("/stats/run", "{not json".into());
    assert_eq!(status, 422);
    assert_eq!(err["detail"][0]["type"], "json_invalid");
    let mut spec = reference_spec("stats_run.json");
    spec["events"][0]["params"]["k"] = json!("two");
    let (status, err) = post("/stats/run", spec.to_string());
    assert_eq!(status, 422, "{err}");
    assert_eq!(
        err["detail"][0]["loc"],
        json!(["body", "events", 0, "params", "k"]),
        "{err}"
    );
    let mut spec = reference_spec("stats_run.json");
    spec["data"]["dataset_path"] = json!("../../../../etc/passwd");
    let (status, err) = post("/stats/run", spec.to_string());
    assert_eq!(status, 403, "{err}");
    let mut spec = reference_spec("submit_local.json");
    spec["data"]["dataset_path"] = json!("specs/examples/data/missing.csv");
    let (status, err) = post("/submit", spec.to_string());
    assert_eq!(status, 422, "a missing data file is the client's error: {err}");
    assert!(err["detail"].as_str().unwrap().contains("missing.csv"), "{err}");
    let res = c.delete(format!("{}/submit", server.base)).send().unwrap();
    assert_eq!(res.status(), 405);
    assert_eq!(res.json::<Value>().unwrap(), json!({"detail": "Method Not Allowed"}));
    let stats: Value = c.get(format!("{}/stats", server.base)).send().unwrap().json().unwrap();
    assert_eq!(stats, json!([]), "nothing was stored");
}

#[test]
fn the_specs_overfitting_blocks_reach_the_pbo_report_and_an_odd_count_is_refused() {
    let data = tempfile::tempdir().unwrap();
    synth(data.path(), 120);
    let server = spawn_server(&[], &[("QE_DATA_ROOT", data.path().to_str().unwrap())]);
    let api = qe_tests::Api::new(&server.base);
    let mut spec = big_spec(3, 3);
    spec["overfitting"] = json!({"blocks": 8});
    let (status, body) = api.post("/submit", &spec);
    assert_eq!(status, 200, "{body}");
    let id = body["id"].as_str().unwrap();
    let (_, report) = api.get(&format!("/runs/{id}/overfitting"));
    let pbo = &report["symbols"][0]["pbo"];
    assert_eq!(
        (pbo["blocks"].as_u64(), pbo["splits"].as_u64()),
        (Some(8), Some(70)),
        "{report}"
    );

    spec["overfitting"] = json!({"blocks": 7});
    let (status, body) = api.post("/submit", &spec);
    assert_eq!(status, 400, "{body}");
    let detail = body["detail"].as_str().unwrap_or_default();
    assert!(
        detail.contains("overfitting.blocks") && detail.contains("got 7"),
        "{body}"
    );
}
