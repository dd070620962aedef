//! Requests an attacker or a careless client sends (issue 21), over HTTP against the real binary: each one is a
//! quick 4xx naming the field and the limit, never a panic, an abort or an out-of-memory kill, and the server
//! answers `/healthz` afterwards. Secrets in database URLs never reach the log.

use qe_tests::{qe_bin, reference_data_root, reference_spec, spawn_server, spawn_server_via};
use serde_json::{json, Value};
use std::io::{BufRead, BufReader, Read};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn http() -> reqwest::blocking::Client {
    reqwest::blocking::Client::builder()
        .timeout(Duration::from_secs(120))
        .build()
        .unwrap()
}

/// POSTs `body` to `path` and returns the status, the JSON answer and how long it took.
fn post(base: &str, path: &str, body: &Value) -> (u16, Value, Duration) {
    let started = Instant::now();
    let res = http().post(format!("{base}{path}")).json(body).send().unwrap();
    let status = res.status().as_u16();
    (status, res.json().unwrap(), started.elapsed())
}

fn get(base: &str, path: &str) -> (u16, Value) {
    let res = http().get(format!("{base}{path}")).send().unwrap();
    (res.status().as_u16(), res.json().unwrap())
}

fn assert_alive(base: &str) {
    let (status, body) = get(base, "/healthz");
    assert_eq!((status, body["status"].as_str()), (200, Some("ok")), "{body}");
}

/// The single item of a 422 validation list: its `loc` and `msg`.
fn only_item(body: &Value) -> (Value, String) {
    let items = body["detail"]
        .as_array()
        .unwrap_or_else(|| panic!("not a validation list: {body}"));
    assert_eq!(items.len(), 1, "{body}");
    (items[0]["loc"].clone(), items[0]["msg"].as_str().unwrap().to_string())
}

/// A submit spec over the reference sample with `strategy` keys replaced by `extra`.
fn submit_spec(extra: Value) -> Value {
    let mut spec = reference_spec("submit_local.json");
    for (k, v) in extra.as_object().unwrap() {
        spec["strategy"][k] = v.clone();
    }
    spec
}

#[test]
fn a_billion_trials_is_refused_before_any_allocation() {
    let server = spawn_server(&[], &[]);
    let mut spec = reference_spec("seasonality_optimize.json");
    spec["compute"]["max_trials"] = json!(1_000_000_000);
    let (status, body, took) = post(&server.base, "/seasonality/optimize", &spec);
    assert_eq!(status, 422, "{body}");
    let (loc, msg) = only_item(&body);
    assert_eq!(loc, json!(["body", "compute", "max_trials"]));
    assert!(
        msg.contains("1000000000 trials") && msg.contains("100000 trials per job (QE_MAX_TRIALS)"),
        "{msg}"
    );
    assert!(took < Duration::from_secs(5), "answered in {took:?}");
    assert_alive(&server.base);
}

#[test]
fn a_billion_random_trials_over_wide_ranges_are_refused_before_any_allocation() {
    let server = spawn_server(&[], &[]);
    let wide = json!({"low": 1, "high": 100000});
    let spec = submit_spec(json!({
        "method": "random", "max_trials": 1_000_000_000,
        "search_space": {"ema_fast": wide, "ema_slow": wide, "R": wide, "atr_k": wide}
    }));
    let (status, body, took) = post(&server.base, "/submit", &spec);
    assert_eq!(status, 400, "{body}");
    let detail = body["detail"].as_str().unwrap();
    assert!(
        detail.starts_with("Invalid spec: strategy.max_trials: 1000000000 trials is more than the limit of 100000"),
        "{detail}"
    );
    assert!(took < Duration::from_secs(5), "answered in {took:?}");
    assert_alive(&server.base);
}

#[test]
fn a_grid_over_the_trial_limit_is_refused_without_enumerating_it() {
    let server = spawn_server(&[], &[]);
    let wide = json!({"low": 1, "high": 100000});
    let spec = submit_spec(json!({
        "method": "grid", "search_space": {"ema_fast": wide, "ema_slow": wide, "R": wide, "atr_k": wide}
    }));
    let (status, body, took) = post(&server.base, "/submit", &spec);
    assert_eq!(status, 400, "{body}");
    let detail = body["detail"].as_str().unwrap();
    assert_eq!(
        detail,
        "Invalid spec: strategy.search_space: the grid holds 49999500000000000000 trials, more than the limit of \
         100000 trials per job (QE_MAX_TRIALS)"
    );
    assert!(took < Duration::from_secs(5), "answered in {took:?}");
    assert_alive(&server.base);
}

#[test]
fn a_spec_at_the_trial_limit_still_runs_and_one_trial_more_is_refused() {
    let data = reference_data_root();
    let root = data.path().to_str().unwrap();
    // The flag for the optimiser's 45-point grid (3 fast × 3 slow × 5 R), the variable beside it.
    let server = spawn_server(&["--max-trials", "45"], &[("QE_DATA_ROOT", root)]);
    let (status, body, _) = post(&server.base, "/submit", &reference_spec("submit_local.json"));
    assert_eq!(status, 200, "{body}");
    assert!(body["id"].is_string(), "{body}");
    let four_fast = submit_spec(json!({"search_space": {"ema_fast": [9, 12, 15, 18], "ema_slow": [26, 35, 55]}}));
    let (status, body, _) = post(&server.base, "/submit", &four_fast);
    assert_eq!(status, 400, "{body}");
    assert!(
        body["detail"]
            .as_str()
            .unwrap()
            .contains("the grid holds 60 trials, more than the limit of 45"),
        "{body}"
    );

    let server = spawn_server(&[], &[("QE_DATA_ROOT", root), ("QE_MAX_TRIALS", "4")]);
    let spec = reference_spec("seasonality_optimize.json");
    assert_eq!(spec["compute"]["max_trials"], 4);
    let (status, body, _) = post(&server.base, "/seasonality/optimize", &spec);
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["result"]["n_trials"], 4, "{body}");
    let mut five = spec.clone();
    five["compute"]["max_trials"] = json!(5);
    let (status, body, _) = post(&server.base, "/seasonality/optimize", &five);
    assert_eq!(status, 422, "{body}");
    assert!(only_item(&body).1.contains("limit of 4 trials per job"), "{body}");
}

#[test]
fn walk_forward_months_and_days_of_four_billion_are_refused_naming_the_field() {
    let server = spawn_server(&[], &[]);
    for (key, max) in [("train_months", 2400), ("embargo_days", 73050)] {
        let mut validation = json!({"train_months": 0, "test_months": 1, "folds": 1, "embargo_days": 0});
        validation[key] = json!(4_000_000_000u64);
        let (status, body, _) = post(
            &server.base,
            "/submit",
            &submit_spec(json!({ "validation": validation })),
        );
        assert_eq!(status, 400, "{body}");
        let expected = format!("Invalid spec: strategy.validation.{key}: must be at most {max}");
        assert!(body["detail"].as_str().unwrap().starts_with(&expected), "{body}");

        let mut stats = reference_spec("stats_run.json");
        stats["validation"] = validation.clone();
        let (status, body, _) = post(&server.base, "/stats/run", &stats);
        assert_eq!(status, 422, "{body}");
        let (loc, msg) = only_item(&body);
        assert_eq!(loc, json!(["body", "validation", key]));
        assert!(msg.starts_with(&format!("must be at most {max}")), "{msg}");

        let mut seasonality = reference_spec("seasonality_optimize.json");
        seasonality["validation"] = validation;
        let (status, body, _) = post(&server.base, "/seasonality/run", &seasonality);
        assert_eq!(status, 422, "{body}");
        assert_eq!(only_item(&body).0, json!(["body", "validation", key]));
    }
    assert_alive(&server.base);
}

#[test]
fn a_time_to_reversal_horizon_of_1e18_is_refused_naming_the_field() {
    let server = spawn_server(&[], &[]);
    for horizon in [json!(1_000_000_000_000_000_000u64), json!(1e18)] {
        let mut spec = reference_spec("stats_run.json");
        spec["targets"] = json!([{"name": "ttr", "type": "time_to_reversal", "params": {"max_horizon": horizon}}]);
        let (status, body, _) = post(&server.base, "/stats/run", &spec);
        assert_eq!(status, 422, "{body}");
        let (loc, msg) = only_item(&body);
        assert_eq!(loc, json!(["body", "targets", 0, "params", "max_horizon"]));
        assert!(msg.starts_with("time_to_reversal: "), "{msg}");
    }
    let mut spec = reference_spec("stats_run.json");
    spec["targets"] = json!([{"name": "ttr", "type": "time_to_reversal", "params": {"max_horizon": 1_000_001}}]);
    let (_, body, _) = post(&server.base, "/stats/run", &spec);
    assert_eq!(
        only_item(&body).1,
        "time_to_reversal: must be at most 1000000 bars, got 1000001"
    );
    assert_alive(&server.base);
}

#[test]
fn a_page_past_a_million_is_a_422_naming_page_on_every_paged_list() {
    let server = spawn_server(&[], &[]);
    let lists = [
        "/jobs",
        "/runs",
        "/runs/nope/trials",
        "/stats",
        "/seasonality/profiles",
        "/seasonality/runs",
    ];
    for path in lists {
        let (status, body) = get(&server.base, &format!("{path}?page=9223372036854775807"));
        assert_eq!(status, 422, "{path}: {body}");
        let item = &body["detail"][0];
        assert_eq!(item["loc"], json!(["query", "page"]), "{path}: {body}");
        assert_eq!(item["type"], "less_than_equal", "{path}: {body}");
        assert_eq!(
            item["msg"], "Input should be less than or equal to 1000000",
            "{path}: {body}"
        );
        let (status, body) = get(&server.base, &format!("{path}?page=1000000&page_size=500"));
        assert_eq!((status, body.clone()), (200, json!([])), "{path}: {body}");
    }
    assert_alive(&server.base);
}

/// Runs `qe serve` with `db_url` and `QE_LOG=info` until its start-up ends (the ready line or an exit) and
/// returns everything it printed.
fn start_up_output(db_url: &str, cwd: &std::path::Path) -> String {
    let mut child = Command::new(qe_bin())
        .args(["serve", "--addr", "127.0.0.1:0"])
        .current_dir(cwd)
        .env("QE_HOME", cwd)
        .env("QE_DATA_ROOT", cwd)
        .env("QE_DB_URL", db_url)
        .env("QE_LOG", "info")
        .env_remove("DB_DSN")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut seen = String::new();
    let mut line = String::new();
    while stderr.read_line(&mut line).unwrap() > 0 {
        seen.push_str(&line);
        if line.contains("qe serve ready") {
            break;
        }
        line.clear();
    }
    let _ = child.kill();
    let _ = child.wait();
    let mut stdout = String::new();
    child.stdout.take().unwrap().read_to_string(&mut stdout).unwrap();
    seen + &stdout
}

#[test]
fn a_database_password_never_reaches_the_log() {
    let dir = tempfile::tempdir().unwrap();
    // A mistyped scheme: the start-up error names the URL, password hidden.
    let out = start_up_output("postgres://admin:s3cret@db.example/qe", dir.path());
    assert!(out.contains("postgres://admin:***@db.example/qe"), "{out}");
    assert!(!out.contains("s3cret"), "{out}");
    // The ready line prints the database URL: user information is redacted whatever the scheme (a SQLite path
    // that looks like `user:password@` stands in for a MySQL server here).
    let out = start_up_output("sqlite:///admin:s3cret@localhost/quant.db", dir.path());
    assert!(
        out.contains("qe serve ready") && out.contains("sqlite:///admin:***@localhost/quant.db"),
        "{out}"
    );
    assert!(!out.contains("s3cret"), "{out}");
}

/// POSTs `spec` as the raw body with these headers and answers the status.
fn post_raw(base: &str, path: &str, body: &str, headers: &[(&str, &str)]) -> u16 {
    let mut req = http().post(format!("{base}{path}")).body(body.to_string());
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    req.send().unwrap().status().as_u16()
}

#[test]
fn cross_site_posts_are_refused_before_any_job_is_queued() {
    let data = reference_data_root();
    let server = spawn_server(&[], &[("QE_DATA_ROOT", data.path().to_str().unwrap())]);
    let base = server.base.as_str();
    let spec = reference_spec("stats_run.json").to_string();
    let async_ = ("Prefer", "respond-async");
    // What a web page on another site can send without a CORS preflight: text, form and multipart bodies.
    for content_type in [
        "text/plain",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
    ] {
        let status = post_raw(base, "/stats/run", &spec, &[("Content-Type", content_type), async_]);
        assert_eq!(status, 415, "{content_type}");
    }
    assert_eq!(
        post_raw(base, "/submit", &spec, &[async_]),
        415,
        "a body without a content type"
    );
    // JSON from another site's page (a preflighted fetch the server never allowed).
    let foreign = [
        ("Content-Type", "application/json"),
        ("Origin", "http://evil.test"),
        async_,
    ];
    assert_eq!(post_raw(base, "/stats/run", &spec, &foreign), 403);
    let (_, jobs) = get(base, "/jobs");
    assert_eq!(jobs, json!([]), "nothing was queued");
    // The dashboard's own origin, a client without Origin, and JSON with a charset still work.
    let own = [
        ("Content-Type", "application/json; charset=utf-8"),
        ("Origin", base),
        async_,
    ];
    assert_eq!(post_raw(base, "/stats/run", &spec, &own), 202);
    assert_eq!(
        post_raw(
            base,
            "/stats/run",
            &spec,
            &[("Content-Type", "application/json"), async_]
        ),
        202
    );
    assert_eq!(
        post_raw(base, "/runs/no-such-run/cancel", "", &[]),
        404,
        "a bodiless POST needs no type"
    );
}

#[test]
fn bearer_clients_may_post_from_any_origin_but_the_body_must_be_json() {
    let data = reference_data_root();
    let envs = [
        ("QE_DATA_ROOT", data.path().to_str().unwrap()),
        ("QE_API_TOKEN", "t0ken"),
    ];
    let server = spawn_server(&[], &envs);
    let base = server.base.as_str();
    let spec = reference_spec("stats_run.json").to_string();
    let bearer = ("Authorization", "Bearer t0ken");
    let json_from_afar = [
        ("Content-Type", "application/json"),
        ("Origin", "http://tools.example"),
        bearer,
        ("Prefer", "respond-async"),
    ];
    assert_eq!(post_raw(base, "/stats/run", &spec, &json_from_afar), 202);
    assert_eq!(
        post_raw(base, "/stats/run", &spec, &[("Content-Type", "text/plain"), bearer]),
        415
    );
}

/// A stats spec over `file` (relative to the data root) with the reference spec's events and targets.
fn stats_over(file: &str) -> Value {
    let mut spec = reference_spec("stats_run.json");
    spec["data"] = json!({"dataset_path": file, "timeframe": "M1", "start": "2024-01-01", "end": "2024-12-31"});
    spec
}

/// Writes a bar CSV of `rows` one-minute rows (quoted timestamps when `quoted`, which polars must read), then
/// `tail` as its last line.
fn write_bars(path: &std::path::Path, rows: usize, quoted: bool, tail: &str) {
    use std::io::Write;
    let mut f = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    writeln!(f, "ts,open,high,low,close,volume").unwrap();
    for i in 0..rows {
        let ts = 1_704_067_200 + i as u64 * 60;
        if quoted {
            writeln!(f, "\"{ts}\",1.1,1.2,1.0,1.15,{i}").unwrap();
        } else {
            writeln!(f, "{ts},1.1,1.2,1.0,1.15,{i}").unwrap();
        }
    }
    writeln!(f, "{tail}").unwrap();
}

#[test]
fn a_csv_line_over_the_limit_is_refused_naming_the_line() {
    let data = tempfile::tempdir().unwrap();
    // A 64 MiB line after three bars: refused while lines are counted, before any parser reads it.
    let long = format!("1704067500,{},1.2,1.0,1.15,1", "9".repeat(64 << 20));
    write_bars(&data.path().join("long.csv"), 3, false, &long);
    let server = spawn_server(&[], &[("QE_DATA_ROOT", data.path().to_str().unwrap())]);
    let (status, body, took) = post(&server.base, "/stats/run", &stats_over("long.csv"));
    assert_eq!(status, 422, "{body}");
    let detail = body["detail"].as_str().unwrap();
    let expected = format!(
        "line 5: the line is {} bytes long, more than the limit of 1048576 bytes (QE_MAX_LINE_BYTES)",
        long.len()
    );
    assert!(detail.contains("long.csv") && detail.ends_with(&expected), "{detail}");
    assert!(took < Duration::from_secs(10), "answered in {took:?}");
    assert_alive(&server.base);

    // The limit is the operator's; a file polars reads (quoted cells) is held to it as well.
    let line = format!("\"1704067500\",1.1,1.2,1.0,1.15,{}", "1".repeat(200));
    write_bars(&data.path().join("quoted.csv"), 3, true, &line);
    let envs = [
        ("QE_DATA_ROOT", data.path().to_str().unwrap()),
        ("QE_MAX_LINE_BYTES", "100"),
    ];
    let server = spawn_server(&[], &envs);
    let (status, body, _) = post(&server.base, "/stats/run", &stats_over("quoted.csv"));
    assert_eq!(status, 422, "{body}");
    let detail = body["detail"].as_str().unwrap();
    assert!(
        detail.ends_with("line 5: the line is 230 bytes long, more than the limit of 100 bytes (QE_MAX_LINE_BYTES)"),
        "{detail}"
    );
}

#[test]
fn a_cancel_during_loading_ends_the_job_cancelled() {
    let data = tempfile::tempdir().unwrap();
    // Quoted cells leave the file to polars' reader, which takes seconds on it; the last line is bad, so a load
    // that ran to its end would fail the job.
    write_bars(
        &data.path().join("slow.csv"),
        1_500_000,
        true,
        "\"1794067200\",1.1,oops,1.0,1.15,1",
    );
    let server = spawn_server(&[], &[("QE_DATA_ROOT", data.path().to_str().unwrap())]);
    let c = http();
    let res = c
        .post(format!("{}/stats/run", server.base))
        .header("Prefer", "respond-async")
        .json(&stats_over("slow.csv"))
        .send()
        .unwrap();
    assert_eq!(res.status(), 202);
    let id = res.json::<Value>().unwrap()["id"].as_str().unwrap().to_string();
    let status = |c: &reqwest::blocking::Client| -> Value {
        c.get(format!("{}/status/{id}", server.base))
            .send()
            .unwrap()
            .json()
            .unwrap()
    };
    let started = Instant::now();
    while status(&c)["message"] != "loading data" {
        assert!(started.elapsed() < Duration::from_secs(30), "{}", status(&c));
        std::thread::sleep(Duration::from_millis(10));
    }
    let res = c.post(format!("{}/runs/{id}/cancel", server.base)).send().unwrap();
    assert_eq!(res.status(), 202, "the job was still loading");
    let cancelled = Instant::now();
    let end = loop {
        let s = status(&c);
        if s["status"] != "running" && s["status"] != "queued" {
            break s;
        }
        assert!(cancelled.elapsed() < Duration::from_secs(60), "{s}");
        std::thread::sleep(Duration::from_millis(50));
    };
    assert_eq!(end["status"], "cancelled", "{end}");
    assert_eq!(end["error"], "cancelled on request", "{end}");
    assert_alive(&server.base);
}

#[test]
fn under_a_4_gib_address_space_every_hostile_request_is_refused_and_the_server_lives() {
    let data = tempfile::tempdir().unwrap();
    // The 256 MB line.
    let long = format!("1704067500,{},1.2,1.0,1.15,1", "9".repeat(256 << 20));
    write_bars(&data.path().join("long.csv"), 3, false, &long);
    drop(long);
    let wrapper = ["prlimit", "--as=4294967296", "--"];
    let server = spawn_server_via(&wrapper, &[], &[("QE_DATA_ROOT", data.path().to_str().unwrap())]);
    let base = server.base.as_str();
    let wide = json!({"low": 1, "high": 100000});
    let mut billion = reference_spec("seasonality_optimize.json");
    billion["compute"]["max_trials"] = json!(1_000_000_000);
    let random = submit_spec(json!({
        "method": "random", "max_trials": 1_000_000_000,
        "search_space": {"ema_fast": wide, "ema_slow": wide, "R": wide, "atr_k": wide}
    }));
    let months = json!({"train_months": 4_000_000_000u64, "test_months": 1, "folds": 1, "embargo_days": 0});
    let mut stats_months = reference_spec("stats_run.json");
    stats_months["validation"] = months.clone();
    let mut horizon = reference_spec("stats_run.json");
    horizon["targets"] = json!([{"name": "ttr", "type": "time_to_reversal", "params": {"max_horizon": 1e18}}]);
    // /submit answers spec errors 400 as the original did; every other refusal is a 422.
    for (path, body, expected) in [
        ("/seasonality/optimize", billion, 422),
        ("/submit", random, 400),
        ("/submit", submit_spec(json!({ "validation": months })), 400),
        ("/stats/run", stats_months, 422),
        ("/stats/run", horizon, 422),
        ("/stats/run", stats_over("long.csv"), 422),
    ] {
        let (status, answer, took) = post(base, path, &body);
        assert_eq!(status, expected, "{path}: {answer}");
        assert!(took < Duration::from_secs(20), "{path} answered in {took:?}");
        assert_alive(base);
    }
    for path in ["/jobs", "/runs", "/stats", "/seasonality/profiles", "/seasonality/runs"] {
        let (status, body) = get(base, &format!("{path}?page=9223372036854775807&page_size=500"));
        assert_eq!(status, 422, "{path}: {body}");
    }
    assert_alive(base);
}

/// The bars `spec` selects from the reference sample, counted from the file itself: rows of its symbol from
/// `start` to `end` (ISO texts, compared as such).
fn sample_bars(data: &std::path::Path, spec: &Value) -> u64 {
    let d = &spec["data"];
    let text = std::fs::read_to_string(data.join(d["dataset_path"].as_str().unwrap())).unwrap();
    let rows: Vec<Value> = serde_json::from_str(&text).unwrap();
    let day = |v: &Value| v.as_str().unwrap()[..19].to_string();
    let (start, end) = (day(&d["start"]), day(&d["end"]));
    let symbol = &d["symbols"][0];
    rows.iter()
        .filter(|r| &r["symbol"] == symbol && (start.as_str()..=end.as_str()).contains(&&day(&r["timestamp"])[..]))
        .count() as u64
}

#[test]
fn bars_times_trials_over_the_work_budget_is_refused_naming_the_field_and_at_it_the_job_runs() {
    let data = reference_data_root();
    let root = data.path().to_str().unwrap();
    let spec = reference_spec("seasonality_optimize.json");
    let work = sample_bars(data.path(), &spec) * spec["compute"]["max_trials"].as_u64().unwrap();
    assert_eq!(work, 40, "10 bars × 4 trials");
    let at = spawn_server(&[], &[("QE_DATA_ROOT", root), ("QE_MAX_BAR_TRIALS", &work.to_string())]);
    let (status, body, _) = post(&at.base, "/seasonality/optimize", &spec);
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["result"]["n_trials"], 4, "{body}");

    let under = spawn_server(
        &[],
        &[("QE_DATA_ROOT", root), ("QE_MAX_BAR_TRIALS", &(work - 1).to_string())],
    );
    let (status, body, _) = post(&under.base, "/seasonality/optimize", &spec);
    assert_eq!(status, 422, "{body}");
    let msg = body["detail"].as_str().unwrap_or_default();
    assert!(
        msg.contains("compute.max_trials")
            && msg.contains(&format!("would run {work} bar-trials"))
            && msg.contains(&format!("more than the {} a job may run (QE_MAX_BAR_TRIALS)", work - 1)),
        "{body}"
    );
    // The optimiser's grid is budgeted the same way, naming its search space.
    let (status, body, _) = post(&under.base, "/submit", &reference_spec("submit_local.json"));
    assert_eq!(status, 422, "{body}");
    let msg = body["detail"].as_str().unwrap_or_default();
    assert!(
        msg.contains("strategy.search_space") && msg.contains("QE_MAX_BAR_TRIALS"),
        "{body}"
    );
    assert_alive(&under.base);
}

#[test]
fn with_every_budget_raised_past_the_machine_a_failed_allocation_fails_the_job_and_the_server_lives() {
    let data = reference_data_root();
    let root = data.path().to_str().unwrap();
    // Trials, memory (1 EiB) and work limits past any machine, so nothing refuses the billion trials up front:
    // their allocation (112 GiB) fails for real under the 4 GiB address space.
    let wrapper = ["prlimit", "--as=4294967296", "--"];
    let envs = [
        ("QE_DATA_ROOT", root),
        ("QE_MAX_TRIALS", "1000000000000"),
        ("QE_MAX_JOB_MEMORY", "1048576TiB"),
        ("QE_MAX_BAR_TRIALS", "1e30"),
    ];
    let server = spawn_server_via(&wrapper, &[], &envs);
    let mut billion = reference_spec("seasonality_optimize.json");
    billion["compute"]["max_trials"] = json!(1_000_000_000);
    let (status, body, took) = post(&server.base, "/seasonality/optimize", &billion);
    assert_eq!(status, 422, "{body}");
    let msg = body["detail"].as_str().unwrap_or_default();
    assert!(
        msg.starts_with("out of memory: the sampled seasonality trials needed") && msg.contains("GiB"),
        "{body}"
    );
    assert!(took < Duration::from_secs(20), "answered in {took:?}");
    assert_alive(&server.base);
    // The server goes on running jobs.
    let (status, body, _) = post(
        &server.base,
        "/seasonality/optimize",
        &reference_spec("seasonality_optimize.json"),
    );
    assert_eq!(status, 200, "{body}");
}

/// The demo days [`long_search`] reads.
const LONG_DAYS: u32 = 366;

/// A grid of about 4·10⁹ bar-trials (≈ 5,000 valid EMA pairs × 8 R over 105,000 bars of `demo.csv`), seconds long
/// even on a fast machine, so that a test can act while it runs.
fn long_search() -> Value {
    json!({
        "data": {"dataset_path": "demo.csv", "symbols": ["EURUSD"], "start": "2024-01-01", "end": "2024-12-31"},
        "strategy": {"filters": {"ema_fast": 9, "ema_slow": 26}, "tpsl": {"atr_k": 2.0}, "objective": "sharpe",
            "method": "grid", "validation": {"train_months": 0, "test_months": 12, "folds": 1},
            "search_space": {"ema_fast": {"low": 2, "high": 101}, "ema_slow": {"low": 3, "high": 102},
                "R": [1, 1.5, 2, 2.5, 3, 3.5, 4, 5]}}
    })
}

/// True once a job's message shows its trials running.
fn searching(status: &Value) -> bool {
    status["message"].as_str().is_some_and(|m| m.contains("trial"))
}

/// The memory the optimiser's estimate gives `spec`, in MiB, read from the refusal of a server whose budget is
/// 1 MiB (`the job would need about 92 MiB (…)`).
fn estimated_mib(spec: &Value) -> f64 {
    let probe = spawn_server(&[], &[("QE_MAX_JOB_MEMORY", "1MiB")]);
    qe_tests::synth(probe.home.path(), LONG_DAYS);
    let (status, body, _) = post(&probe.base, "/submit", spec);
    assert_eq!(status, 422, "{body}");
    let msg = body["detail"].as_str().unwrap_or_default();
    let about = msg.split("need about ").nth(1).unwrap_or_else(|| panic!("{msg}"));
    let mut words = about.split_whitespace();
    let n: f64 = words.next().unwrap().parse().unwrap();
    match words.next().unwrap() {
        "MiB" => n,
        "GiB" => n * 1024.0,
        unit => panic!("{unit} in {msg}"),
    }
}

#[test]
fn jobs_that_fit_the_memory_budget_alone_but_not_together_run_one_after_the_other() {
    let spec = long_search();
    let one = estimated_mib(&spec);
    // One and a half estimates: one fits (the estimate is rounded to the MiB), two do not.
    let budget = format!("{}MiB", (one * 1.5).round());
    let server = spawn_server(&[], &[("QE_MAX_JOB_MEMORY", &budget), ("QE_JOB_WORKERS", "2")]);
    qe_tests::synth(server.home.path(), LONG_DAYS);
    let api = qe_tests::Api::new(&server.base);
    let status = |id: &str| format!("/status/{id}");
    let long = Duration::from_secs(120);
    let first = api.submit_async("/submit", &spec);
    api.wait_until(&status(&first), long, searching);
    let second = api.submit_async("/submit", &spec);
    let waiting = api.wait_until(&status(&second), long, |s| {
        s["message"]
            .as_str()
            .is_some_and(|m| m.starts_with("waiting for memory"))
    });
    assert_eq!(waiting["status"], "running", "{waiting}");
    let msg = waiting["message"].as_str().unwrap();
    assert!(
        msg.contains(&format!("of the {budget}").replace("MiB", " MiB")),
        "{msg}"
    );
    let (_, first_now) = api.get(&status(&first));
    assert_eq!(
        first_now["status"], "running",
        "the second waits only while the first runs: {first_now}"
    );
    let cancel = |id: &str| {
        let res = http().post(format!("{}/runs/{id}/cancel", server.base)).send().unwrap();
        assert!(res.status().is_success(), "{}", res.status());
        api.wait_until(&status(id), long, |s| s["status"] == "cancelled");
    };
    // Once the first ends (cancelled here, to keep the test short), its memory is free and the second runs.
    cancel(&first);
    api.wait_until(&status(&second), long, searching);
    cancel(&second);
}

#[test]
fn a_finished_job_says_done_and_a_price_of_1e308_is_refused_naming_its_line() {
    let data = tempfile::tempdir().unwrap();
    write_bars(
        &data.path().join("plain.csv"),
        50,
        false,
        "1704070200,1.1,1.2,1.0,1.15,1",
    );
    write_bars(
        &data.path().join("huge.csv"),
        50,
        false,
        "1704070200,1.1,1e308,1.0,1.15,1",
    );
    let server = spawn_server(&[], &[("QE_DATA_ROOT", data.path().to_str().unwrap())]);
    let api = qe_tests::Api::new(&server.base);
    let id = api.submit_async("/stats/run", &stats_over("plain.csv"));
    let end = api.wait_until(&format!("/status/{id}"), Duration::from_secs(60), |s| {
        s["status"] != "queued" && s["status"] != "running"
    });
    assert_eq!(
        (end["status"].as_str(), end["message"].as_str()),
        (Some("completed"), Some("done")),
        "{end}"
    );

    let (status, body, _) = post(&server.base, "/stats/run", &stats_over("huge.csv"));
    assert_eq!(status, 422, "{body}");
    let msg = body["detail"].as_str().unwrap_or_default();
    // The header is line 1 and the 50 rows lines 2…51: the huge high is on line 52.
    assert!(
        msg.contains("line 52") && msg.contains("1e308") && msg.contains("1e15"),
        "{body}"
    );
    assert_alive(&server.base);
}

#[test]
fn a_job_the_shutdown_grace_cuts_short_says_so_after_the_restart() {
    let data = tempfile::tempdir().unwrap();
    qe_tests::synth(data.path(), LONG_DAYS);
    let root = data.path().to_str().unwrap();
    let envs = [("QE_DATA_ROOT", root), ("QE_SHUTDOWN_GRACE", "0")];
    let home = tempfile::tempdir().unwrap();
    let mut server = qe_tests::spawn_server_at(home.path(), &[], &envs);
    let api = qe_tests::Api::new(&server.base);
    let spec = long_search();
    let id = api.submit_async("/submit", &spec);
    api.wait_until(&format!("/status/{id}"), Duration::from_secs(60), searching);
    assert!(server.terminate().success(), "qe serve exits 0 on SIGTERM");
    let again = qe_tests::spawn_server_at(home.path(), &[], &envs);
    let (_, end) = qe_tests::Api::new(&again.base).get(&format!("/status/{id}"));
    assert_eq!(end["status"], "cancelled", "{end}");
    assert_eq!(
        end["error"], "cancelled: the server shut down before the job finished (QE_SHUTDOWN_GRACE)",
        "{end}"
    );
}
