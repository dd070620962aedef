//! What a spec sent over HTTP may reach and what answers may show (issue 21): MySQL sources only from the
//! operator's allow-list, no absolute server paths in any answer, 500s generic with a request id that is in the
//! log, and a job's memory budget checked before its search.

use qe_tests::{fresh_mysql_url, qe_bin, reference_spec, spawn_server, spawn_server_at, synth, Api};
use serde_json::{json, Value};
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

/// A stats spec reading `mysql` (keys merged over a table without timeframe column).
fn mysql_stats_spec(mysql: Value) -> Value {
    let mut spec = reference_spec("stats_run_mysql.json");
    let block = spec["data"]["mysql"].as_object_mut().unwrap();
    block.clear();
    block.insert("table".into(), json!("ohlcv"));
    block.insert("timeframe_col".into(), Value::Null);
    block.insert("schema".into(), Value::Null);
    for (k, v) in mysql.as_object().unwrap() {
        block.insert(k.clone(), v.clone());
    }
    spec["data"]["symbols"] = json!(["EURUSD"]);
    spec["data"]["timeframe"] = json!("M1");
    spec["data"]["start"] = json!("2024-01-01 00:00:00");
    spec["data"]["end"] = json!("2024-01-02 23:59:59");
    spec
}

fn detail(body: &Value) -> String {
    body["detail"]
        .as_str()
        .map(str::to_string)
        .unwrap_or_else(|| body.to_string())
}

#[test]
fn a_spec_cannot_point_the_feed_at_the_servers_own_environment() {
    let home = tempfile::tempdir().unwrap();
    let db = format!("sqlite:///{}/secret.db", home.path().display());
    let server = spawn_server_at(home.path(), &[], &[("QE_DB_URL", &db)]);
    let api = Api::new(&server.base);
    let path = std::env::var("PATH").unwrap();
    for var in ["QE_DB_URL", "PATH", "HOME"] {
        let spec = mysql_stats_spec(json!({ "env_var": var }));
        let (status, body) = api.post("/stats/run", &spec);
        let msg = detail(&body);
        assert_eq!(status, 403, "{body}");
        assert!(
            msg.contains("data.mysql.env_var") && msg.contains(&format!("{var:?}")),
            "{msg}"
        );
        assert!(msg.contains("allowed: none"), "{msg}");
        assert!(!msg.contains(&path) && !msg.contains("secret.db"), "{msg}");
        let mut submit = reference_spec("submit_mysql.json");
        submit["data"]["mysql"]["env_var"] = json!(var);
        assert_eq!(api.post("/submit", &submit).0, 403);
        let mut season = reference_spec("seasonality_run_mysql.json");
        season["data"]["mysql"]["env_var"] = json!(var);
        assert_eq!(api.post("/seasonality/run", &season).0, 403);
    }
    let (status, jobs) = api.get("/jobs");
    assert_eq!(
        (status, jobs.as_array().map(Vec::len)),
        (200, Some(0)),
        "nothing was queued: {jobs}"
    );
}

#[test]
fn a_spec_connection_url_is_refused_over_http_unless_the_operator_allows_it() {
    // Port 1 on loopback: nothing listens there, so an allowed URL fails to connect instead of being refused.
    let spec = mysql_stats_spec(json!({ "connection_url": "mysql://root:pw@127.0.0.1:1/test" }));
    let server = spawn_server(&[], &[]);
    let (status, body) = Api::new(&server.base).post("/stats/run", &spec);
    let msg = detail(&body);
    assert_eq!(status, 403, "{body}");
    assert!(
        msg.contains("data.mysql.connection_url") && msg.contains("QE_ALLOW_SPEC_URLS=1"),
        "{msg}"
    );
    assert!(!msg.contains("root:pw"), "{msg}");

    let open = spawn_server(&[], &[("QE_ALLOW_SPEC_URLS", "1")]);
    let (status, body) = Api::new(&open.base).post("/stats/run", &spec);
    assert_ne!(status, 403, "allowed by the operator: {body}");
    assert!(status < 500 || status == 503, "{status} {body}");
}

/// A fresh database holding table `ohlcv` with two days of EURUSD minute bars; returns its URL.
fn marketdata_db() -> Option<String> {
    let url = fresh_mysql_url()?;
    let (auth, rest) = url.strip_prefix("mysql://").unwrap().split_once('@').unwrap();
    let (host_port, db) = rest.split_once('/').unwrap();
    let (host, port) = host_port.split_once(':').unwrap_or((host_port, "3306"));
    let (user, pw) = auth.split_once(':').unwrap_or((auth, ""));
    let mut sql = String::from(
        "CREATE TABLE ohlcv (symbol VARCHAR(16), ts DATETIME, open DOUBLE, high DOUBLE, low DOUBLE, close DOUBLE, \
         volume DOUBLE);\nINSERT INTO ohlcv VALUES ",
    );
    let rows: Vec<String> = (0..2 * 1440)
        .map(|i| {
            let p = 1.1 + 0.001 * ((i * 7919) % 13) as f64;
            let ts = chrono_free_minute(i);
            format!("('EURUSD','{ts}',{p},{},{},{},10)", p + 0.002, p - 0.002, p + 0.001)
        })
        .collect();
    sql += &rows.join(",");
    sql += ";";
    let mut cmd = Command::new("mariadb");
    cmd.args(["-h", host, "-P", port, "-u", user, db]);
    if !pw.is_empty() {
        cmd.arg(format!("-p{pw}"));
    }
    let mut child = cmd.stdin(Stdio::piped()).spawn().unwrap();
    std::io::Write::write_all(child.stdin.as_mut().unwrap(), sql.as_bytes()).unwrap();
    drop(child.stdin.take());
    assert!(child.wait().unwrap().success(), "loading the marketdata table");
    Some(url)
}

/// `2024-01-DD HH:MM:00` of minute `i` from 2024-01-01 00:00.
fn chrono_free_minute(i: usize) -> String {
    format!("2024-01-{:02} {:02}:{:02}:00", 1 + i / 1440, (i / 60) % 24, i % 60)
}

#[test]
fn a_named_source_reaches_the_operators_marketdata_database_and_no_other() {
    let Some(url) = marketdata_db() else {
        eprintln!("QE_TEST_MYSQL_URL unset: the MySQL half of this test did not run");
        return;
    };
    let sources = format!("md={url}");
    let server = spawn_server(&[], &[("QE_MARKETDATA_SOURCES", &sources)]);
    let api = Api::new(&server.base);
    let (status, body) = api.post("/stats/run", &mysql_stats_spec(json!({ "source": "md" })));
    assert_eq!(status, 200, "{body}");
    let (_, stats) = api.get("/stats?symbol=EURUSD&page_size=5");
    assert!(
        stats.as_array().is_some_and(|r| !r.is_empty()),
        "rows from the named source: {stats}"
    );
    // The name also works where the original's specs put a variable name.
    let (status, body) = api.post("/stats/run", &mysql_stats_spec(json!({ "env_var": "md" })));
    assert_eq!(status, 200, "{body}");
    let (status, body) = api.post("/stats/run", &mysql_stats_spec(json!({ "source": "prod" })));
    let msg = detail(&body);
    assert_eq!(status, 403, "{body}");
    assert!(
        msg.contains("data.mysql.source") && msg.contains("\"prod\"") && msg.contains("allowed: md"),
        "{msg}"
    );
    assert!(!msg.contains("mysql://"), "{msg}");
}

/// Every string in `v`, recursively.
fn strings(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::String(s) => out.push(s.clone()),
        Value::Array(a) => a.iter().for_each(|x| strings(x, out)),
        Value::Object(o) => o.values().for_each(|x| strings(x, out)),
        _ => {}
    }
}

fn assert_no_server_path(what: &str, body: &Value, home: &std::path::Path) {
    let home = home.canonicalize().unwrap();
    let mut all = Vec::new();
    strings(body, &mut all);
    for s in all {
        assert!(!s.contains(home.to_str().unwrap()), "{what} shows a server path: {s}");
        assert!(!s.starts_with('/'), "{what} shows an absolute path: {s}");
    }
}

#[test]
fn answers_name_files_relative_to_the_servers_roots() {
    let server = spawn_server(&[], &[]);
    synth(server.home.path(), 40);
    let api = Api::new(&server.base);
    let spec = json!({
        "data": {"dataset_path": "demo.csv", "symbols": ["EURUSD"], "start": "2024-01-01", "end": "2024-02-09"},
        "strategy": {"filters": {"ema_fast": 9, "ema_slow": 26}, "tpsl": {"atr_k": 2.0}, "objective": "sharpe",
            "validation": {"train_months": 0, "test_months": 1, "folds": 1},
            "search_space": {"ema_fast": [5, 8], "ema_slow": [20], "R": [2]}}
    });
    let (status, body) = api.post("/submit", &spec);
    assert_eq!(status, 200, "{body}");
    let id = body["id"].as_str().unwrap().to_string();
    let home = server.home.path();
    for path in [
        format!("/runs/{id}"),
        format!("/result/{id}"),
        format!("/status/{id}"),
        "/runs".into(),
    ] {
        let (status, body) = api.get(&path);
        assert_eq!(status, 200, "{path}: {body}");
        assert_no_server_path(&path, &body, home);
    }
    let (_, run) = api.get(&format!("/runs/{id}"));
    assert_eq!(
        run["run"]["out_dir"],
        json!(id),
        "out_dir relative to the artifacts root: {run}"
    );
    let (_, result) = api.get(&format!("/result/{id}"));
    let trials = result["result"]["trials_path"].as_str().unwrap();
    assert!(
        home.join("artifacts").join(trials).is_file(),
        "{trials} names a file under the artifacts root"
    );
    // Refusals and bad input name the spec's own path, not the server's.
    let mut outside = spec.clone();
    outside["data"]["dataset_path"] = json!(format!("{}/../etc/passwd", home.display()));
    let (status, body) = api.post("/submit", &outside);
    assert_eq!(status, 403, "{body}");
    assert_no_server_path("403", &body, home);
    std::fs::write(
        home.join("bad.csv"),
        "timestamp,open,high,low,close,volume\n2024-01-01,1,0.5,1,1,1\n",
    )
    .unwrap();
    let mut bad = spec.clone();
    bad["data"]["dataset_path"] = json!("bad.csv");
    let (status, body) = api.post("/submit", &bad);
    assert!((400..500).contains(&status), "{status} {body}");
    assert_no_server_path("bad rows", &body, home);
    assert!(detail(&body).contains("bad.csv"), "the file is still named: {body}");
}

#[test]
fn a_server_failure_answers_a_generic_500_with_a_request_id_that_is_in_the_log() {
    let home = tempfile::tempdir().unwrap();
    synth(home.path(), 40);
    // The artifacts "directory" is a file: every run fails writing its artifacts, a server-side failure.
    let blocker = home.path().join("artifacts-are-a-file");
    std::fs::write(&blocker, "not a folder").unwrap();
    let log = home.path().join("server.log");
    let mut child = Command::new(qe_bin())
        .args(["serve", "--addr", "127.0.0.1:0"])
        .env("QE_HOME", home.path())
        .env("QE_DATA_ROOT", home.path())
        .env("QE_ARTIFACTS_DIR", &blocker)
        .env("QE_LOG", "warn")
        .env_remove("QE_DB_URL")
        .env_remove("QE_API_TOKEN")
        .stdout(Stdio::piped())
        .stderr(std::fs::File::create(&log).unwrap())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let base = line.trim().strip_prefix("listening on ").unwrap().to_string();
    let spec = json!({
        "data": {"dataset_path": "demo.csv", "symbols": ["EURUSD"], "start": "2024-01-01", "end": "2024-02-09"},
        "strategy": {"filters": {"ema_fast": 9, "ema_slow": 26}, "tpsl": {"atr_k": 2.0}, "objective": "sharpe", "validation": {"train_months": 0, "test_months": 1, "folds": 1},
            "search_space": {"ema_fast": [5], "ema_slow": [20], "R": [2]}}
    });
    let (status, body) = Api::new(&base).post("/submit", &spec);
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(status, 500, "{body}");
    let id = body["request_id"].as_str().expect("a request id").to_string();
    assert_eq!(id.len(), 32, "{body}");
    let msg = detail(&body);
    assert!(
        msg.contains(&id) && !msg.contains("artifacts-are-a-file"),
        "generic: {msg}"
    );
    let logged = std::fs::read_to_string(&log).unwrap();
    let line = logged
        .lines()
        .find(|l| l.contains(&id))
        .unwrap_or_else(|| panic!("{id} not in:\n{logged}"));
    assert!(line.contains("artifacts-are-a-file"), "the log has the cause: {line}");
}

#[test]
fn a_plan_over_the_memory_budget_is_refused_before_the_search() {
    let server = spawn_server(&[], &[("QE_MAX_JOB_MEMORY", "64MiB")]);
    synth(server.home.path(), 40);
    let api = Api::new(&server.base);
    // A grid of 300 fast × 300 slow periods: ~45,000 signal pairs over 11,520 bars and as many trials, over 64 MiB;
    // far under the trial limit.
    let spec = json!({
        "data": {"dataset_path": "demo.csv", "symbols": ["EURUSD"], "start": "2024-01-01", "end": "2024-02-09"},
        "strategy": {"method": "grid", "filters": {"ema_fast": 9, "ema_slow": 26}, "tpsl": {"atr_k": 2.0}, "objective": "sharpe", "validation": {"train_months": 0, "test_months": 1, "folds": 1},
            "search_space": {"ema_fast": {"low": 2, "high": 301}, "ema_slow": {"low": 3, "high": 302}, "R": [2]}}
    });
    let (status, body) = api.post("/submit", &spec);
    let msg = detail(&body);
    assert_eq!(status, 422, "{body}");
    assert!(
        msg.contains("QE_MAX_JOB_MEMORY") && msg.contains("64 MiB") && msg.contains("signal pairs"),
        "{msg}"
    );
    // The same search over a budget that fits runs.
    let small = spawn_server(&[], &[("QE_MAX_JOB_MEMORY", "8GiB")]);
    synth(small.home.path(), 40);
    let mut narrow = spec.clone();
    narrow["strategy"]["search_space"] = json!({"ema_fast": [5, 8], "ema_slow": [20], "R": [2]});
    assert_eq!(Api::new(&small.base).post("/submit", &narrow).0, 200);
}

#[test]
fn a_bad_memory_setting_stops_the_server_at_start_naming_it() {
    let home = tempfile::tempdir().unwrap();
    let out = Command::new(qe_bin())
        .args(["serve", "--addr", "127.0.0.1:0"])
        .env("QE_HOME", home.path())
        .env("QE_MAX_JOB_MEMORY", "lots")
        .env_remove("QE_DB_URL")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("QE_MAX_JOB_MEMORY") && err.contains("\"lots\""), "{err}");
}
