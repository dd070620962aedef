//! `qe submit --wait` over real jobs: the leaderboard after an optimisation, stats and seasonality jobs read back
//! through the client commands, the equity plot from the run's artifacts, and Ctrl-C cancelling the job.
//! These need the job bodies (optimize, stats, seasonality) wired into `engine::jobs`.

mod cli_support;

use cli_support::{decode_png, qe, qe_env};
use qe_tests::{qe_bin, reference_data_root, reference_spec, spawn_server};
use serde_json::{json, Value};
use std::path::Path;
use std::time::{Duration, Instant};

fn write_spec(dir: &Path, name: &str, spec: &Value) -> String {
    let path = dir.join(name);
    std::fs::write(&path, spec.to_string()).unwrap();
    path.to_str().unwrap().to_string()
}

#[test]
fn submit_wait_prints_the_leaderboard_and_runs_show_plots_the_equity() {
    let data = reference_data_root();
    let server = spawn_server(&[], &[("QE_DATA_ROOT", data.path().to_str().unwrap())]);
    let api = server.base.as_str();
    let dir = tempfile::tempdir().unwrap();
    let spec = write_spec(dir.path(), "submit.json", &reference_spec("submit_local.json"));

    let out = qe(&["submit", "--spec", &spec, "--wait", "--api", api]);
    assert_eq!(out.code, 0, "{out:?}");
    let lines: Vec<&str> = out.stdout.lines().collect();
    assert!(
        lines[0].starts_with("job ") && lines[0].ends_with(" completed"),
        "{}",
        out.stdout
    );
    let id = lines[0].split_whitespace().nth(1).unwrap().to_string();
    assert!(
        lines[1].contains("params") && lines[1].contains("objective_value"),
        "{}",
        out.stdout
    );
    assert_eq!(lines.len(), 3 + 10, "the top 10 of the 45 trials: {}", out.stdout);

    let json = qe(&["submit", "--spec", &spec, "--wait", "--quiet", "--json", "--api", api]);
    assert_eq!(json.code, 0, "{}", json.stderr);
    let body: Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(body["status"], "completed");
    assert_eq!(body["result"]["trials"].as_array().unwrap().len(), 45);

    let finished = qe(&["runs", "list", "--status", "finished", "--api", api]);
    assert!(finished.stdout.contains(&id), "{}", finished.stdout);

    // Server and client share this machine and its home: the best trial's equity artifacts, named relative to
    // the artifacts root, are readable and drawn.
    let png = dir.path().join("equity.png");
    let home = server.home.path().to_str().unwrap();
    let show = ["runs", "show", &id, "--plot", png.to_str().unwrap(), "--api", api];
    let plot = qe_env(&show, &[("QE_HOME", home)]);
    assert_eq!(plot.code, 0, "{}", plot.stderr);
    assert!(plot.stderr.contains("equity of the best trial"), "{}", plot.stderr);
    let img = decode_png(&std::fs::read(&png).unwrap());
    assert_eq!((img.width, img.height), (1000, 560));
    assert!(img.count((20, 90, 160)) > 300, "the equity line");
}

#[test]
fn stats_and_seasonality_jobs_are_read_back_by_the_client_commands() {
    let data = reference_data_root();
    let server = spawn_server(&[], &[("QE_DATA_ROOT", data.path().to_str().unwrap())]);
    let api = server.base.as_str();
    let dir = tempfile::tempdir().unwrap();

    let stats = write_spec(dir.path(), "stats.json", &reference_spec("stats_run.json"));
    let out = qe(&["submit", "--kind", "stats", "--spec", &stats, "--wait", "--api", api]);
    assert_eq!(out.code, 0, "{out:?}");
    let show = qe(&[
        "stats",
        "show",
        "--symbol",
        "EURUSD",
        "--event",
        "k_consecutive",
        "--target",
        "up_next_bar",
        "--json",
        "--api",
        api,
    ]);
    let rows: Value = serde_json::from_str(&show.stdout).unwrap();
    assert!(!rows.as_array().unwrap().is_empty(), "{}", show.stdout);

    let season = write_spec(dir.path(), "season.json", &reference_spec("seasonality_run.json"));
    let out = qe(&[
        "submit",
        "--kind",
        "seasonality",
        "--spec",
        &season,
        "--wait",
        "--api",
        api,
    ]);
    assert_eq!(out.code, 0, "{out:?}");
    let profiles = qe(&[
        "seasonality",
        "profiles",
        "--symbol",
        "EURUSD",
        "--dim",
        "hour",
        "--json",
        "--api",
        api,
    ]);
    let rows: Value = serde_json::from_str(&profiles.stdout).unwrap();
    assert!(!rows.as_array().unwrap().is_empty(), "{}", profiles.stdout);
    let runs = qe(&["seasonality", "runs", "--api", api]);
    assert!(runs.stdout.contains("completed"), "{}", runs.stdout);
}

#[test]
fn ctrl_c_during_submit_wait_cancels_the_job_and_exits_130() {
    let data = tempfile::tempdir().unwrap();
    qe_tests::synth(data.path(), 120);
    let server = spawn_server(&[], &[("QE_DATA_ROOT", data.path().to_str().unwrap())]);
    let dir = tempfile::tempdir().unwrap();
    let fast: Vec<usize> = (5..25).collect();
    let slow: Vec<usize> = (0..20).map(|i| 30 + 5 * i).collect();
    let spec = json!({
        "data": {"dataset_path": "demo.csv", "symbols": ["EURUSD"], "start": "2024-01-01", "end": "2024-12-31"},
        "strategy": {
            "filters": {"ema_fast": 9, "ema_slow": 26}, "tpsl": {"atr_k": 2.0},
            "validation": {"train_months": 2, "test_months": 1, "folds": 3, "embargo_days": 0},
            "objective": "sharpe", "search_space": {"ema_fast": fast, "ema_slow": slow}
        }
    });
    let spec = write_spec(dir.path(), "big.json", &spec);
    let child = std::process::Command::new(qe_bin())
        .args(["submit", "--spec", &spec, "--wait", "--quiet", "--api", &server.base])
        .env_remove("QE_API_TOKEN")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let http = reqwest::blocking::Client::new();
    let start = Instant::now();
    let running = loop {
        let jobs: Value = http
            .get(format!("{}/jobs", server.base))
            .send()
            .unwrap()
            .json()
            .unwrap();
        if let Some(j) = jobs
            .as_array()
            .and_then(|a| a.first())
            .filter(|j| j["status"] == "running")
        {
            break j["job_id"].as_str().unwrap().to_string();
        }
        assert!(start.elapsed() < Duration::from_secs(60), "the job never ran: {jobs}");
        std::thread::sleep(Duration::from_millis(20));
    };
    let kill = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(130), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cancellation"));
    let start = Instant::now();
    loop {
        let st: Value = http
            .get(format!("{}/status/{running}", server.base))
            .send()
            .unwrap()
            .json()
            .unwrap();
        if st["status"] == "cancelled" {
            break;
        }
        assert!(start.elapsed() < Duration::from_secs(60), "not cancelled: {st}");
        std::thread::sleep(Duration::from_millis(50));
    }
}
