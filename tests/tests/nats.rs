//! Jobs on `qe worker`s over a real `nats-server -js` (started per test on a free port): identical results to the
//! in-process executor (optimisations, stats, seasonality runs and optimisations), a worker killed mid-job, a task
//! that always fails, no worker, cancel.

mod cli_support;

use cli_support::qe;
use qe_tests::nats::{NatsServer, Worker};
use qe_tests::{spawn_server, synth, Api, TestServer};
use serde_json::{json, Value};
use std::time::Duration;

const LONG: Duration = Duration::from_secs(240);

/// A grid over the three demo symbols: 6 × 6 EMA pairs × 3 ATR multiples × the default R multiples.
fn spec() -> Value {
    json!({
        "data": {"dataset_path": "demo.csv", "symbols": ["EURUSD", "ES", "BTCUSD"], "start": "2024-01-01", "end": "2024-12-31"},
        "strategy": {
            "filters": {"ema_fast": 9, "ema_slow": 26}, "tpsl": {"atr_k": 2.0},
            "validation": {"train_months": 2, "test_months": 1, "folds": 3, "embargo_days": 0},
            "objective": "sharpe",
            "search_space": {"ema_fast": [4, 6, 9, 12, 16, 20], "ema_slow": [12, 20, 30, 40, 60, 80], "atr_k": [1.5, 2.0, 3.0]}
        }
    })
}

/// A server on its own demo data (160 days of 5-minute bars), with NATS when `nats` is given and then tasks of
/// about `bar_trials` bars × trials (in-process, a symbol's trials are one chunk: another cutting, the same trials).
fn server(nats: Option<&NatsServer>, bar_trials: &str, extra: &[(&str, &str)]) -> TestServer {
    let mut envs = Vec::new();
    if let Some(n) = nats {
        envs.push(("QE_NATS_URL", n.url.as_str()));
        envs.push(("QE_TASK_BAR_TRIALS", bar_trials));
    }
    envs.extend_from_slice(extra);
    let s = spawn_server(&[], &envs);
    synth(s.home.path(), 160);
    s
}

/// Submits `spec` synchronously; returns the job id and its result with the id replaced by `RUN`.
fn run(api: &Api, spec: &Value) -> (String, String) {
    let (code, body) = api.post("/submit", spec);
    assert_eq!(code, 200, "{body}");
    let id = body["id"].as_str().expect("id").to_string();
    (id.clone(), canonical(api, &id))
}

/// The job's result and overfitting report as text, its id replaced by `RUN`.
fn canonical(api: &Api, id: &str) -> String {
    let (_, result) = api.get(&format!("/result/{id}"));
    let (_, overfitting) = api.get(&format!("/runs/{id}/overfitting"));
    assert!(
        result["result"]["trials"].as_array().is_some_and(|t| t.len() > 100),
        "{result}"
    );
    json!({"result": result, "overfitting": overfitting})
        .to_string()
        .replace(id, "RUN")
}

fn tasks(api: &Api, id: &str) -> Vec<Value> {
    let (code, body) = api.get(&format!("/jobs/{id}/tasks"));
    assert_eq!(code, 200, "{body}");
    body.as_array().cloned().unwrap_or_default()
}

fn wait_for_workers(api: &Api, n: usize) {
    api.wait_until("/workers", LONG, |w| w.as_array().is_some_and(|a| a.len() == n));
}

/// A nats-server, a `qe serve` sending its tasks there, and `n` workers `w0…` it has seen.
fn cluster(n: usize) -> (NatsServer, TestServer, Vec<Worker>) {
    let nats = NatsServer::start();
    let s = server(Some(&nats), "400000", &[]);
    let workers: Vec<Worker> = (0..n).map(|k| Worker::start(&nats, &format!("w{k}"), &[])).collect();
    wait_for_workers(&Api::new(&s.base), n);
    (nats, s, workers)
}

#[test]
fn one_and_three_workers_give_the_in_process_result_bit_for_bit() {
    let local = server(None, "400000", &[]);
    let (_, expected) = run(&Api::new(&local.base), &spec());
    assert_eq!(Api::new(&local.base).get("/workers").1, json!([]));

    for n in [1, 3] {
        let (_nats, s, _workers) = cluster(n);
        let api = Api::new(&s.base);
        let (id, got) = run(&api, &spec());
        assert!(
            got == expected,
            "{n} worker(s): the result differs from the in-process one"
        );
        let tasks = tasks(&api, &id);
        // About 400,000 bars × trials per task: several tasks per symbol.
        assert!(tasks.len() >= 6, "{} tasks", tasks.len());
        assert!(tasks.iter().all(|t| t["status"] == "done"), "{tasks:?}");
        let trials: u64 = tasks.iter().map(|t| t["trials"].as_u64().unwrap()).sum();
        let (_, result) = api.get(&format!("/result/{id}"));
        let symbols = result["result"]["symbols"].as_array().unwrap();
        let stored: usize = symbols.iter().map(|s| s["trials"].as_array().unwrap().len()).sum();
        assert_eq!(
            (symbols.len(), trials as usize),
            (3, stored),
            "every trial ran in exactly one task"
        );
        let mut by: Vec<&str> = tasks.iter().map(|t| t["worker"].as_str().unwrap()).collect();
        by.sort();
        by.dedup();
        if n == 3 {
            assert!(by.len() >= 2, "the tasks were shared: {by:?}");
        } else {
            assert_eq!(by, ["w0"]);
        }
        let shown = qe(&["tasks", &id, "--api", &s.base]);
        assert!(
            shown.code == 0 && shown.stdout.contains("done") && shown.stdout.contains(by[0]),
            "{shown:?}"
        );
        let live = qe(&["workers", "--api", &s.base]);
        assert!(
            live.code == 0 && (0..n).all(|k| live.stdout.contains(&format!("w{k}"))),
            "{live:?}"
        );
    }
}

#[test]
fn a_worker_killed_mid_job_has_its_task_redelivered_and_the_result_is_unchanged() {
    let local = server(None, "100000", &[]);
    let (_, expected) = run(&Api::new(&local.base), &spec());

    let nats = NatsServer::start();
    let worker_env = [("QE_NATS_ACK_WAIT", "2")];
    let s = server(Some(&nats), "100000", &worker_env);
    let api = Api::new(&s.base);
    let mut doomed = Worker::start(&nats, "doomed", &[]);
    wait_for_workers(&api, 1);
    let id = api.submit_async("/submit", &spec());
    // Wait until the worker has finished some tasks and runs another, freeze it there (a task it has already
    // answered is recorded within the pause), and kill it only while the board still shows it holding a task:
    // killed between two tasks, nothing would be left to deliver again.
    loop {
        api.wait_until(&format!("/jobs/{id}/tasks"), LONG, |t| {
            let t = t.as_array().cloned().unwrap_or_default();
            t.iter().filter(|t| t["status"] == "done").count() >= 2 && t.iter().any(|t| t["status"] == "running")
        });
        doomed.pause();
        std::thread::sleep(std::time::Duration::from_secs(2));
        let held = tasks(&api, &id)
            .iter()
            .any(|t| t["status"] == "running" && t["worker"] == "doomed");
        if held {
            break;
        }
        doomed.resume();
    }
    doomed.kill();
    let _rescuer = Worker::start(&nats, "rescuer", &[]);
    api.wait_until(&format!("/status/{id}"), LONG, |s| s["status"] == "completed");
    let tasks = tasks(&api, &id);
    assert!(tasks.iter().all(|t| t["status"] == "done"), "{tasks:?}");
    assert!(
        tasks
            .iter()
            .any(|t| t["attempts"].as_u64() >= Some(2) && t["worker"] == "rescuer"),
        "the killed worker's task was delivered again: {tasks:?}"
    );
    assert!(
        canonical(&api, &id) == expected,
        "the result differs from the in-process one"
    );
}

#[test]
fn a_task_that_fails_on_every_delivery_fails_its_job_with_the_error() {
    let nats = NatsServer::start();
    let s = server(Some(&nats), "100000000", &[("QE_NATS_MAX_DELIVER", "2")]);
    let api = Api::new(&s.base);
    let id = api.submit_async("/submit", &spec());
    api.wait_until(&format!("/jobs/{id}/tasks"), LONG, |t| {
        t.as_array().is_some_and(|a| !a.is_empty())
    });
    // Every delivery of every task now fails: the series is gone from the object store.
    delete_every_series(&nats.url);
    let _worker = Worker::start(&nats, "w", &[]);
    let end = api.wait_until(&format!("/status/{id}"), LONG, |s| s["status"] == "failed");
    let error = end["error"].as_str().unwrap_or("");
    assert!(
        error.contains("not in the object store") && error.contains("attempt 2"),
        "{end}"
    );
    // The first task to use up its deliveries fails the job; the others are withdrawn (or failed as well).
    let tasks = tasks(&api, &id);
    let failed: Vec<&Value> = tasks.iter().filter(|t| t["status"] == "failed").collect();
    assert!(!failed.is_empty(), "{tasks:?}");
    assert!(
        failed
            .iter()
            .any(|t| t["attempts"] == 2 && t["error"].as_str().is_some_and(|e| error.contains(e))),
        "{tasks:?}"
    );
    assert!(
        tasks
            .iter()
            .all(|t| t["status"] == "failed" || t["status"] == "cancelled"),
        "{tasks:?}"
    );
    assert!((api.get("/healthz").0) == 200);
}

/// Deletes every object of the `qe_series` bucket (a test's own NATS server).
fn delete_every_series(url: &str) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        use futures_util::StreamExt;
        let client = async_nats::connect(url).await.unwrap();
        let js = async_nats::jetstream::new(client);
        let store = js.get_object_store("qe_series").await.unwrap();
        let mut list = store.list().await.unwrap();
        let mut names = Vec::new();
        while let Some(info) = list.next().await {
            names.push(info.unwrap().name);
        }
        assert!(!names.is_empty(), "the server stored the series");
        for name in names {
            store.delete(&name).await.unwrap();
        }
    });
}

#[test]
fn without_workers_the_job_waits_computing_nothing_and_cancel_withdraws_its_tasks() {
    let nats = NatsServer::start();
    let s = server(Some(&nats), "400000", &[]);
    let api = Api::new(&s.base);
    let id = api.submit_async("/submit", &spec());
    let waiting = api.wait_until(&format!("/status/{id}"), LONG, |s| {
        s["message"].as_str().is_some_and(|m| m.contains("waiting for workers"))
    });
    std::thread::sleep(Duration::from_secs(2));
    let still = api.get(&format!("/status/{id}")).1;
    assert_eq!(still["status"], "running", "{waiting} then {still}");
    assert_eq!(still["progress"], waiting["progress"], "nothing was computed");
    assert!(tasks(&api, &id).iter().all(|t| t["status"] == "queued"));

    let (code, _) = api.post(&format!("/runs/{id}/cancel"), &json!({}));
    assert_eq!(code, 202);
    api.wait_until(&format!("/status/{id}"), LONG, |s| s["status"] == "cancelled");
    assert!(tasks(&api, &id).iter().all(|t| t["status"] == "cancelled"));
    // A worker arriving now finds nothing of the cancelled job to run.
    let _late = Worker::start(&nats, "late", &[]);
    wait_for_workers(&api, 1);
    std::thread::sleep(Duration::from_secs(3));
    let workers = api.get("/workers").1;
    assert_eq!(workers[0]["tasks_done"], 0, "{workers}");
    assert_eq!(workers[0]["running"], json!([]), "{workers}");
}

#[test]
fn sigterm_lets_a_worker_finish_its_task_and_leave() {
    let nats = NatsServer::start();
    let s = server(Some(&nats), "400000", &[]);
    let api = Api::new(&s.base);
    let mut w = Worker::start(&nats, "leaving", &[]);
    wait_for_workers(&api, 1);
    let id = api.submit_async("/submit", &spec());
    api.wait_until(&format!("/jobs/{id}/tasks"), LONG, |t| {
        t.as_array().is_some_and(|a| a.iter().any(|t| t["status"] == "running"))
    });
    assert!(w.terminate().success(), "the worker exits 0 on SIGTERM");
    api.wait_until("/workers", Duration::from_secs(5), |w| w == &json!([]));
    let after = tasks(&api, &id);
    assert!(
        after.iter().all(|t| t["status"] != "running"),
        "the running task was finished (or handed back), none left running: {after:?}"
    );
    let _next = Worker::start(&nats, "next", &[]);
    api.wait_until(&format!("/status/{id}"), LONG, |s| s["status"] == "completed");
}

/// Stats over the three demo symbols: three folds each, a session condition (the series' session column travels
/// with it) and a train-fitted vol tertile.
fn stats_spec() -> Value {
    json!({
        "data": {"dataset_path": "demo.csv", "symbols": ["EURUSD", "ES", "BTCUSD"], "timeframe": "5m", "start": "2024-01-01", "end": "2024-12-31"},
        "events": [
            {"name": "k_consecutive", "params": {"k": 3, "direction": "up"}},
            {"name": "shock_atr", "params": {"mult": 2.0, "window": 14}}
        ],
        "conditions": [
            {"name": "session", "params": {"col": "session_id"}},
            {"name": "vol_tertile", "params": {"window": 14}}
        ],
        "targets": [
            {"name": "up_next_bar"},
            {"name": "time_to_reversal", "params": {"max_horizon": 12}}
        ],
        "validation": {"train_months": 1, "test_months": 1, "folds": 3},
        "persistence": {"enabled": false}
    })
}

/// A seasonality run over two folds of the three demo symbols, pooled profiles on four dims.
fn seasonality_spec() -> Value {
    json!({
        "data": {"dataset_path": "demo.csv", "symbols": ["EURUSD", "ES", "BTCUSD"], "timeframe": "5m", "start": "2024-01-01", "end": "2024-12-31"},
        "profile": {"by_hour": true, "by_dow": true, "by_session": true, "by_weekday_hour": true,
                    "measure": "direction", "ret_horizon": 1, "min_samples_bin": 30},
        "signal": {"method": "threshold", "threshold": 0.52, "dims": ["hour"], "combine": "and"},
        "tp_sl": {"stop_loss": 1.5, "take_profit": 1.5},
        "validation": {"train_months": 2, "test_months": 1, "folds": 2},
        "persistence": {"enabled": false}
    })
}

/// The seasonality optimiser on the same data: two horizons, so each fold is profiled twice.
fn seasonality_optimize_spec() -> Value {
    let mut spec = seasonality_spec();
    spec["compute"] = json!({
        "max_trials": 8,
        "search_space": {
            "dims": [["hour"], ["dow"]],
            "method": ["threshold"],
            "combine": ["and"],
            "threshold": {"values": [0.52, 0.55]},
            "ret_horizon": {"values": [1, 3]},
            "min_samples_bin": {"values": [30]}
        }
    });
    spec
}

/// `body` as text with the server's home directory and every run id (32 hex digits) replaced.
fn without_ids(body: &Value, home: &std::path::Path) -> String {
    let text = body.to_string().replace(&home.display().to_string(), "HOME");
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        let run = chars[i..].iter().take_while(|c| c.is_ascii_hexdigit()).count();
        if run == 32 && (i == 0 || !chars[i - 1].is_ascii_alphanumeric()) {
            out.push_str("RUN");
        } else {
            out.extend(&chars[i..i + run.max(1)]);
        }
        i += run.max(1);
    }
    out
}

/// The results of the stats, seasonality run and seasonality optimise specs on `s` (`GET /result/{id}`), and each
/// job's tasks.
fn research_answers(s: &TestServer) -> (Vec<String>, Vec<Vec<Value>>) {
    let api = Api::new(&s.base);
    let mut answers = Vec::new();
    let mut job_tasks = Vec::new();
    for (path, kind, spec) in [
        ("/stats/run", "stats", stats_spec()),
        ("/seasonality/run", "seasonality", seasonality_spec()),
        (
            "/seasonality/optimize",
            "seasonality_optimize",
            seasonality_optimize_spec(),
        ),
    ] {
        let (code, body) = api.post(path, &spec);
        assert_eq!(code, 200, "{path}: {body}");
        let (_, jobs) = api.get(&format!("/jobs?kind={kind}"));
        let jobs = jobs.as_array().cloned().unwrap_or_default();
        assert_eq!(jobs.len(), 1, "{kind}: {jobs:?}");
        let id = jobs[0]["job_id"].as_str().unwrap();
        job_tasks.push(tasks(&api, id));
        let (code, result) = api.get(&format!("/result/{id}"));
        assert_eq!(code, 200, "{kind}: {result}");
        answers.push(without_ids(&result, s.home.path()));
    }
    (answers, job_tasks)
}

#[test]
fn stats_and_seasonality_on_one_and_three_workers_answer_as_in_process() {
    let local = server(None, "400000", &[]);
    let (expected, local_tasks) = research_answers(&local);
    assert!(
        expected[0].contains("\"q_value\"") && expected[0].contains("\"fold\":2"),
        "{}",
        expected[0]
    );
    assert!(
        local_tasks.iter().all(|t| t.is_empty()),
        "in-process jobs have no tasks"
    );
    for n in [1, 3] {
        let (_nats, s, _workers) = cluster(n);
        let (got, job_tasks) = research_answers(&s);
        for (k, what) in ["stats", "seasonality run", "seasonality optimise"].iter().enumerate() {
            assert!(
                got[k] == expected[k],
                "{n} worker(s): the {what} answer differs from the in-process one"
            );
            let t = &job_tasks[k];
            assert!(
                !t.is_empty() && t.iter().all(|t| t["status"] == "done" && t["unit"] == "folds"),
                "{what}: {t:?}"
            );
        }
        // Stats: one task per symbol (its three folds); profiles: one per (fold, horizon, symbol).
        assert_eq!(job_tasks[0].len(), 3, "{:?}", job_tasks[0]);
        assert_eq!(job_tasks[1].len(), 2 * 3, "{:?}", job_tasks[1]);
        assert_eq!(job_tasks[2].len(), 2 * 2 * 3, "{:?}", job_tasks[2]);
        if n == 3 {
            let mut by: Vec<&str> = job_tasks
                .iter()
                .flatten()
                .map(|t| t["worker"].as_str().unwrap())
                .collect();
            by.sort();
            by.dedup();
            assert!(by.len() >= 2, "the tasks were shared: {by:?}");
        }
    }
}
