//! `qe bench` as a user runs it: the JSON report and the refusal of an unknown benchmark.

use qe_tests::qe_bin;
use std::process::Command;

#[test]
fn bench_json_reports_the_selected_benchmarks_at_the_stated_size() {
    let out = Command::new(qe_bin())
        .args([
            "bench",
            "--json",
            "--only",
            "kernel,load_parquet",
            "--bars",
            "20000",
            "--repeats",
            "1",
        ])
        .env("QE_LOG", "warn")
        .output()
        .expect("run qe bench");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON report");
    let names: Vec<&str> = v["measurements"]
        .as_array()
        .expect("measurements")
        .iter()
        .map(|m| m["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["load_parquet", "kernel"], "run in the fixed order");
    for m in v["measurements"].as_array().unwrap() {
        assert_eq!(m["bars"], 20000);
        assert!(m["median_s"].as_f64().unwrap() > 0.0);
        assert!(m["min_s"].as_f64().unwrap() <= m["median_s"].as_f64().unwrap());
    }
    assert_eq!(v["measurements"][1]["throughput_unit"], "bar-trials/s");
    assert!(v["profile"].as_str().unwrap().contains("opt-level"), "{}", v["profile"]);
}

#[test]
fn an_unknown_benchmark_is_refused_naming_the_known_ones() {
    let out = Command::new(qe_bin())
        .args(["bench", "--only", "kernal"])
        .env("QE_LOG", "warn")
        .output()
        .expect("run qe bench");
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("kernal") && err.contains("load_csv"), "{err}");
}
