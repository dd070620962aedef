//! The example specs of `specs/` come with the binary: a server started as a newcomer would, in an empty folder
//! with `--seed-demo`, offers every one on the submit page and runs every file-based one unchanged; `qe examples`
//! lists, prints and writes them.

use qe_tests::{qe_bin, spawn_server_in, SPECS};
use serde_json::Value;
use std::process::Command;

/// The `specs/*.json` files as (name, text), by name.
fn spec_files() -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = std::fs::read_dir(SPECS)
        .expect("specs/")
        .flatten()
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().strip_suffix(".json")?.to_string();
            Some((name, std::fs::read_to_string(e.path()).ok()?))
        })
        .collect();
    out.sort();
    out
}

/// Where a spec of this file name is posted (the original's naming: `stats…`, `seasonality_optimize…`, …).
fn endpoint(name: &str) -> &'static str {
    if name.starts_with("stats") {
        "/stats/run"
    } else if name.starts_with("seasonality_optimize") {
        "/seasonality/optimize"
    } else if name.starts_with("seasonality") {
        "/seasonality/run"
    } else {
        "/submit"
    }
}

fn client() -> reqwest::blocking::Client {
    reqwest::blocking::Client::builder()
        .timeout(std::time::Duration::from_secs(600))
        .build()
        .unwrap()
}

/// Posts an example's text as it is to its kind's endpoint; answers the status and the body's text.
fn post_unchanged(base: &str, name: &str, text: &str) -> (u16, String) {
    let res = client()
        .post(format!("{base}{}", endpoint(name)))
        .header("content-type", "application/json")
        .body(text.to_string())
        .send()
        .unwrap();
    (res.status().as_u16(), res.text().unwrap())
}

#[test]
fn every_file_example_runs_unchanged_on_the_demo_data_from_an_empty_folder() {
    let folder = tempfile::tempdir().unwrap();
    let server = spawn_server_in(folder.path(), &["--seed-demo", "--seed-demo-wait"], &[]);
    assert!(
        folder.path().join("specs/examples/data/eurusd_m1_sample.json").exists(),
        "the original's sample bars are written where its specs read them"
    );
    assert!(folder.path().join(".qe/data/demo.parquet").exists());
    let files = spec_files();
    assert!(files.len() >= 12, "{} specs", files.len());

    let page = client()
        .get(format!("{}/ui/submit", server.base))
        .send()
        .unwrap()
        .text()
        .unwrap();
    for (name, _) in &files {
        assert!(
            page.contains(&format!("data-example=\"{name}\"")),
            "{name} is not offered on the submit page"
        );
    }

    let mut ran = 0;
    // MySQL examples need a marketdata database, `"source": "binance"` ones the network: neither is here.
    for (name, text) in files
        .iter()
        .filter(|(_, t)| !t.contains("\"mysql\"") && !t.contains("\"source\": \"binance\""))
    {
        let (status, body) = post_unchanged(&server.base, name, text);
        let body: Value = serde_json::from_str(&body).unwrap_or(Value::Null);
        assert_eq!(status, 200, "{name}: {body}");
        match endpoint(name) {
            "/submit" => {
                let id = body["id"].as_str().unwrap_or_else(|| panic!("{name}: {body}"));
                let st: Value = client()
                    .get(format!("{}/status/{id}", server.base))
                    .send()
                    .unwrap()
                    .json()
                    .unwrap();
                assert_eq!(st["status"], "completed", "{name}: {st}");
                let trials: Value = client()
                    .get(format!("{}/runs/{id}/trials", server.base))
                    .send()
                    .unwrap()
                    .json()
                    .unwrap();
                assert!(!trials.as_array().unwrap().is_empty(), "{name} has trials");
            }
            "/stats/run" => assert_eq!(body["status"], "completed", "{name}: {body}"),
            _ => assert!(body["result"].is_object(), "{name}: {body}"),
        }
        ran += 1;
    }
    assert!(ran >= 8, "only {ran} file examples ran");

    let submitted = Command::new(qe_bin())
        .args([
            "submit",
            "--example",
            "optimize_demo",
            "--wait",
            "--quiet",
            "--api",
            &server.base,
        ])
        .env_remove("QE_API_TOKEN")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&submitted.stdout);
    assert!(
        submitted.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&submitted.stderr)
    );
    assert!(
        stdout.contains("completed") && stdout.contains("ema_fast"),
        "the leaderboard follows: {stdout}"
    );
}

#[test]
fn a_mysql_example_without_a_marketdata_source_is_refused_with_a_clear_error() {
    let folder = tempfile::tempdir().unwrap();
    let server = spawn_server_in(folder.path(), &[], &[]);
    for (name, text) in spec_files().iter().filter(|(_, t)| t.contains("\"mysql\"")) {
        let (status, body) = post_unchanged(&server.base, name, text);
        assert!((400..500).contains(&status), "{name}: {status} {body}");
        assert!(body.contains("QE_MARKETDATA_MYSQL_URL"), "{name}: {body}");
    }
}

fn qe(args: &[&str], cwd: &std::path::Path) -> std::process::Output {
    Command::new(qe_bin())
        .args(args)
        .current_dir(cwd)
        .env_remove("QE_SPECS_DIR")
        .output()
        .expect("run qe")
}

#[test]
fn qe_examples_lists_prints_and_writes_the_built_in_specs() {
    let dir = tempfile::tempdir().unwrap();
    let list = qe(&["examples", "--json"], dir.path());
    assert!(list.status.success(), "{}", String::from_utf8_lossy(&list.stderr));
    let listed: Vec<Value> = serde_json::from_slice(&list.stdout).unwrap();
    let files = spec_files();
    let names: Vec<&str> = listed.iter().map(|e| e["name"].as_str().unwrap()).collect();
    let expected: Vec<&str> = files.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, expected);
    for e in &listed {
        let name = e["name"].as_str().unwrap();
        assert_eq!(e["endpoint"], endpoint(name), "{name}");
        assert_eq!(e["needs_mysql"], name.ends_with("_mysql"), "{name}");
    }

    let shown = qe(&["examples", "stats_run"], dir.path());
    assert!(shown.status.success());
    let stats_run = &files.iter().find(|(n, _)| n == "stats_run").unwrap().1;
    assert_eq!(String::from_utf8(shown.stdout).unwrap(), *stats_run);

    let out = dir.path().join("mine");
    assert!(qe(&["examples", "--write", out.to_str().unwrap()], dir.path())
        .status
        .success());
    for (name, text) in &files {
        assert_eq!(
            &std::fs::read_to_string(out.join(format!("{name}.json"))).unwrap(),
            text,
            "{name}"
        );
    }

    let missing = qe(&["examples", "no_such_example"], dir.path());
    assert_eq!(missing.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&missing.stderr).contains("submit_local"),
        "the error lists the names"
    );
}

#[test]
fn a_users_specs_folder_adds_to_the_built_in_examples() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("my_sweep.json"), r#"{"data": {}}"#).unwrap();
    let out = Command::new(qe_bin())
        .args(["examples", "--json"])
        .env("QE_SPECS_DIR", dir.path())
        .output()
        .unwrap();
    let listed: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(listed.len(), spec_files().len() + 1);
    assert!(listed.iter().any(|e| e["name"] == "my_sweep"));
}
