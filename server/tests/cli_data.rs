//! End-to-end tests of `qe data inspect` and `qe data convert` through the real binary.

use std::path::Path;
use std::process::{Command, Output};

fn qe(args: &[&str], cwd: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_qe"))
        .args(args)
        .current_dir(cwd)
        .env("QE_HOME", cwd)
        .env_remove("QE_ALLOW_EXTRA_WHERE")
        .env_remove("QE_DATA_ROOT")
        .output()
        .expect("run qe")
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

const CSV: &str = "ts,symbol,open,high,low,close,volume\n\
2024-01-01T00:00:00Z,EURUSD,1.1,1.2,1.0,1.15,10\n\
2024-01-01T00:01:00Z,EURUSD,1.15,1.2,1.1,1.18,11\n\
2024-01-01T00:01:00Z,EURUSD,1.15,1.2,1.1,1.18,11\n\
2024-01-01T00:05:00Z,EURUSD,1.18,1.19,1.17,1.17,12\n\
2024-01-01T00:06:00Z,EURUSD,1.17,1.10,1.16,1.16,13\n\
2024-01-01T00:00:00Z,GBPUSD,1.3,1.4,1.2,1.35,5\n";

#[test]
fn inspect_reports_gaps_duplicates_and_bad_rows_as_text_and_json() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("bars.csv"), CSV).unwrap();
    let out = qe(&["data", "inspect", "bars.csv"], dir.path());
    let t = text(&out);
    assert_eq!(out.status.code(), Some(1), "a bad row fails the gate: {t}");
    assert!(t.contains("EURUSD : 3 bars"), "{t}");
    assert!(t.contains("1 exact duplicates dropped"), "{t}");
    assert!(
        t.contains("line 6, column `high`: high 1.1 is below max(open, close) 1.17"),
        "{t}"
    );
    let out = qe(&["data", "inspect", "bars.csv", "--json"], dir.path());
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON report");
    assert_eq!(v["rows"], 6);
    assert_eq!(v["bars"], 4);
    assert_eq!(v["duplicates"], 1);
    assert_eq!(v["bad_rows"], 1);
    assert_eq!(v["symbols"][0]["symbol"], "EURUSD");
    assert_eq!(v["symbols"][0]["gaps"], 1);
    assert_eq!(v["symbols"][0]["largest_gaps"][0]["missing_bars"], 3);
    assert_eq!(v["symbols"][1]["symbol"], "GBPUSD");
}

#[test]
fn inspect_a_spec_applies_its_filters_and_resolves_under_the_data_root() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("data")).unwrap();
    std::fs::write(dir.path().join("data/bars.csv"), CSV).unwrap();
    let spec = r#"{"data": {"dataset_path": "data/bars.csv", "symbols": ["GBPUSD"], "timeframe": "M1",
        "start": "2024-01-01", "end": "2024-01-01"}, "conditions": []}"#;
    std::fs::write(dir.path().join("spec.json"), spec).unwrap();
    let out = qe(
        &["data", "inspect", "--spec", "spec.json", "--json", "--data-root", "."],
        dir.path(),
    );
    assert!(out.status.success(), "{}", text(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["bars"], 1);
    assert_eq!(v["symbols"].as_array().unwrap().len(), 1);
    let bad = spec.replace("data/bars.csv", "../outside.csv");
    std::fs::write(dir.path().join("spec.json"), bad).unwrap();
    let out = qe(
        &["data", "inspect", "--spec", "spec.json", "--data-root", "."],
        dir.path(),
    );
    assert!(!out.status.success());
    assert!(text(&out).contains("outside the data root"), "{}", text(&out));
}

#[test]
fn convert_round_trips_csv_json_and_parquet() {
    let dir = tempfile::tempdir().unwrap();
    let sample = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../specs/examples/data/eurusd_m1_sample.json"
    );
    for (input, output) in [
        (sample, "a.parquet"),
        ("a.parquet", "b.csv"),
        ("b.csv", "c.json"),
        ("c.json", "d.parquet"),
    ] {
        let out = qe(&["data", "convert", input, output], dir.path());
        assert!(out.status.success(), "{input} → {output}: {}", text(&out));
    }
    let a = qe(&["data", "inspect", "a.parquet", "--json"], dir.path());
    let d = qe(&["data", "inspect", "d.parquet", "--json"], dir.path());
    let (mut a, mut d): (serde_json::Value, serde_json::Value) = (
        serde_json::from_slice(&a.stdout).unwrap(),
        serde_json::from_slice(&d.stdout).unwrap(),
    );
    a["source"] = "x".into();
    d["source"] = "x".into();
    assert_eq!(a, d);
    assert_eq!(a["bars"], 10);
}

#[test]
fn convert_refuses_an_invalid_file_naming_the_line() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("bars.csv"), CSV).unwrap();
    let out = qe(&["data", "convert", "bars.csv", "out.parquet"], dir.path());
    assert!(!out.status.success());
    assert!(text(&out).contains("bars.csv, line 6, column `high`"), "{}", text(&out));
    assert!(!dir.path().join("out.parquet").exists());
}

#[test]
fn inspect_a_spec_with_a_mistyped_field_exits_2_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("bars.csv"), CSV).unwrap();
    let spec =
        r#"{"data": {"dataset_path": "bars.csv", "symbols": "EURUSD", "start": "2024-01-01", "end": "2024-01-02"}}"#;
    std::fs::write(dir.path().join("spec.json"), spec).unwrap();
    let out = qe(&["data", "inspect", "--spec", "spec.json"], dir.path());
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(
        text(&out).contains("spec.json: invalid spec: data.symbols"),
        "{}",
        text(&out)
    );
}

/// A file without bad rows: the same bars as [`CSV`] minus its rule-breaking row (line 6).
fn clean_csv() -> String {
    CSV.lines()
        .enumerate()
        .filter(|(i, _)| *i != 5)
        .map(|(_, l)| format!("{l}\n"))
        .collect()
}

#[test]
fn inspect_exits_0_on_a_clean_file_with_its_full_report() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("clean.csv"), clean_csv()).unwrap();
    let out = qe(&["data", "inspect", "clean.csv"], dir.path());
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let t = text(&out);
    assert!(
        t.contains("bad rows    0") && t.contains("1 exact duplicates dropped"),
        "{t}"
    );
    let out = qe(&["data", "inspect", "clean.csv", "--json"], dir.path());
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!((v["bad_rows"].as_u64(), v["bars"].as_u64()), (Some(0), Some(4)));
    // The same file converts: the loader a job uses accepts what the gate passes.
    let conv = qe(&["data", "convert", "clean.csv", "clean.parquet"], dir.path());
    assert!(conv.status.success(), "{}", text(&conv));
}

#[test]
fn inspect_exits_1_naming_every_bad_line_when_a_job_would_refuse_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let mut csv = clean_csv();
    csv.push_str("2024-01-01T00:07:00Z,EURUSD,1.16,1.17,1.15,abc,14\n"); // line 7: unreadable close
    csv.push_str("2024-01-01T00:08:00Z,EURUSD,1.16,1.17,1.15,1.16,-1\n"); // line 8: negative volume
    std::fs::write(dir.path().join("bad.csv"), csv).unwrap();
    let out = qe(&["data", "inspect", "bad.csv"], dir.path());
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    assert_eq!(out.status.code(), Some(1), "{stdout}{stderr}");
    assert!(
        stdout.contains("bad rows    2"),
        "the full report is still printed: {stdout}"
    );
    assert!(
        stdout.contains("line 7, column `close`") && stdout.contains("line 8, column `volume`"),
        "{stdout}"
    );
    assert!(
        stderr.contains("2 bad rows a job would refuse (first: line 7, column `close`"),
        "{stderr}"
    );
    // What the gate refuses, the job loader refuses too, at the first line the report names.
    let conv = qe(&["data", "convert", "bad.csv", "bad.parquet"], dir.path());
    assert!(!conv.status.success());
    assert!(text(&conv).contains("line 7"), "{}", text(&conv));
    let out = qe(&["data", "inspect", "bad.csv", "--json"], dir.path());
    assert_eq!(out.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("the JSON report on stdout");
    let at: Vec<&str> = v["bad_row_examples"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["at"].as_str().unwrap())
        .collect();
    assert_eq!(at, ["line 7", "line 8"]);
}

#[test]
fn inspect_a_spec_gates_on_its_selection() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("bars.csv"), CSV).unwrap();
    let spec = |symbols: &str, start: &str, end: &str| {
        format!(
            r#"{{"data": {{"dataset_path": "bars.csv", "symbols": {symbols}, "start": "{start}", "end": "{end}"}}}}"#
        )
    };
    // The rule-breaking row (line 6) is EURUSD's: a GBPUSD job never sees it, an EURUSD job refuses it, and a
    // range before the data selects nothing, which a job refuses too.
    let cases = [
        (r#"["GBPUSD"]"#, "2024-01-01", "2024-01-02", 0, ""),
        (
            r#"["EURUSD"]"#,
            "2024-01-01",
            "2024-01-02",
            1,
            "1 bad row a job would refuse (first: line 6, column `high`",
        ),
        (r#"["GBPUSD"]"#, "2023-06-01", "2023-06-02", 1, "no bars selected"),
    ];
    for (symbols, start, end, code, says) in cases {
        std::fs::write(dir.path().join("spec.json"), spec(symbols, start, end)).unwrap();
        let out = qe(
            &["data", "inspect", "--spec", "spec.json", "--data-root", "."],
            dir.path(),
        );
        assert_eq!(out.status.code(), Some(code), "{symbols} {start}: {}", text(&out));
        assert!(String::from_utf8_lossy(&out.stderr).contains(says), "{}", text(&out));
    }
}
