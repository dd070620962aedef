//! `qe seasonality run|optimize` end to end: demo data written by `qe data synth`, a spec file, the binary's
//! output and exit status.

use serde_json::{json, Value};
use std::path::Path;
use std::process::{Command, Output};

fn qe(home: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_qe"));
    cmd.env("QE_HOME", home).env_remove("QE_DB_URL").env_remove("DB_DSN");
    cmd
}

fn synth(home: &Path) -> String {
    let dir = home.join("data");
    let out = qe(home)
        .args(["data", "synth", "--days", "90", "--out", dir.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    dir.join("demo.csv").display().to_string()
}

fn write_spec(home: &Path, name: &str, v: &Value) -> String {
    let p = home.join(name);
    std::fs::write(&p, serde_json::to_string_pretty(v).unwrap()).unwrap();
    p.display().to_string()
}

fn spec(data: &str) -> Value {
    json!({
        "data": {"dataset_path": data, "symbols": ["EURUSD", "ES", "BTCUSD"], "timeframe": "5m",
                 "start": "2024-01-01", "end": "2024-12-31"},
        "profile": {"by_hour": true, "by_dow": true, "min_samples_bin": 300},
        "signal": {"method": "topk", "topk": 1, "dims": ["hour", "dow"], "combine": "and"},
        "compute": {"max_trials": 4, "seed": 3},
        "persistence": {"enabled": true, "spec_id": "cli"}
    })
}

fn json_of(out: &Output) -> Value {
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn run_prints_the_result_object_with_the_planted_bins_selected() {
    let home = tempfile::tempdir().unwrap();
    let data = synth(home.path());
    let f = write_spec(home.path(), "s.json", &spec(&data));
    let v = json_of(
        &qe(home.path())
            .args(["seasonality", "run", "--spec", &f, "--json"])
            .output()
            .unwrap(),
    );
    assert_eq!(v["active_bins"], json!({"hour": [14], "dow": [2]}));
    assert_eq!(v["in_sample"], json!(true));
    assert!(v["best_metrics"]["n_trades"].as_u64().unwrap() > 0);
    assert!(home.path().join("quant.db").exists());
    let text = qe(home.path())
        .args(["seasonality", "run", "--spec", &f])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(text.contains("hour  (selected: [14])"), "{text}");
    assert!(text.contains("stitched"), "{text}");
}

#[test]
fn optimize_is_reproducible_with_its_seed() {
    let home = tempfile::tempdir().unwrap();
    let data = synth(home.path());
    let f = write_spec(home.path(), "s.json", &spec(&data));
    let go = || {
        json_of(
            &qe(home.path())
                .args(["seasonality", "optimize", "--spec", &f, "--json"])
                .output()
                .unwrap(),
        )
    };
    let (a, b) = (go(), go());
    for k in ["best_value", "best_params", "best_metrics", "paths"] {
        assert!(a.get(k).is_some(), "{k} missing: {a}");
    }
    assert_eq!(
        (&a["best_params"], &a["best_value"]),
        (&b["best_params"], &b["best_value"])
    );
    assert!(Path::new(a["paths"]["trials"].as_str().unwrap()).exists());
}

#[test]
fn a_bad_spec_exits_2_naming_the_field_and_a_failed_run_exits_1() {
    let home = tempfile::tempdir().unwrap();
    let mut bad = spec("x.csv");
    bad["signal"]["dims"] = json!(["hour", "minute"]);
    let f = write_spec(home.path(), "bad.json", &bad);
    let out = qe(home.path())
        .args(["seasonality", "run", "--spec", &f])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("signal.dims[1]"));
    let f = write_spec(home.path(), "missing.json", &spec("/nonexistent/bars.csv"));
    let out = qe(home.path())
        .args(["seasonality", "run", "--spec", &f, "--no-store"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stderr).contains("/nonexistent/bars.csv"));
}

#[test]
fn run_draws_the_profile_it_computed() {
    let home = tempfile::tempdir().unwrap();
    let data = synth(home.path());
    let f = write_spec(home.path(), "s.json", &spec(&data));
    let svg = home.path().join("hour.svg");
    let png = home.path().join("dow.png");
    for (path, dim) in [(&svg, "hour"), (&png, "dow")] {
        let out = qe(home.path())
            .args([
                "seasonality",
                "run",
                "--spec",
                &f,
                "--no-store",
                "--plot-symbol",
                "ES",
                "--plot-dim",
                dim,
            ])
            .arg("--plot")
            .arg(path)
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    }
    let text = std::fs::read_to_string(&svg).unwrap();
    assert!(
        text.contains("ES") && text.contains("by hour"),
        "the title names the symbol and dim"
    );
    assert!(text.matches("<rect").count() >= 24, "one bar per hour");
    let bytes = std::fs::read(&png).unwrap();
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n");
    assert!(
        bytes.len() > 5_000,
        "a drawn chart, not an empty image: {} bytes",
        bytes.len()
    );
    let bad = qe(home.path())
        .args([
            "seasonality",
            "run",
            "--spec",
            &f,
            "--no-store",
            "--plot-dim",
            "month",
            "--plot",
        ])
        .arg(&svg)
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2), "a dim the run did not profile");
}
