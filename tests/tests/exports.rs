//! Downloads of the read endpoints (`format=csv|parquet`, `Accept`) hold exactly the JSON rows, and a run's
//! artifacts are served from its own directory only.

use polars::prelude::*;
use qe_tests::{get_raw, spawn_server, synth, Api, TestServer};
use serde_json::{json, Value};
use std::io::Cursor;

fn server() -> TestServer {
    let s = spawn_server(&[], &[]);
    synth(s.home.path(), 120);
    s
}

/// Raw GET: status, content type, content disposition and body.
fn fetch(base: &str, path: &str, accept: Option<&str>) -> (u16, String, String, Vec<u8>) {
    let headers: Vec<(&str, &str)> = accept.map(|a| ("Accept", a)).into_iter().collect();
    let a = get_raw(base, path, &headers);
    (
        a.status,
        a.header("content-type"),
        a.header("content-disposition"),
        a.body,
    )
}

/// Each JSON row flattened to dotted keys, as the downloads are.
fn flat(row: &Value, prefix: &str, out: &mut Vec<(String, Value)>) {
    match row {
        Value::Object(m) => {
            for (k, v) in m {
                let key = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                flat(v, &key, out);
            }
        }
        v => out.push((prefix.to_string(), v.clone())),
    }
}

/// The downloaded table equals the JSON rows: same row count, and each row's every (dotted) key has the same value
/// (numbers exactly, text as text, null as an empty cell or a null).
fn assert_same(what: &str, rows: &[Value], df: &DataFrame) {
    assert_eq!(df.height(), rows.len(), "{what}: row count");
    for (i, row) in rows.iter().enumerate() {
        let mut cells = Vec::new();
        flat(row, "", &mut cells);
        for (key, want) in cells {
            let col = df.column(&key).unwrap_or_else(|_| panic!("{what}: no column {key}"));
            let got = col.get(i).unwrap();
            let same = match (&want, &got) {
                (Value::Null, AnyValue::Null) => true,
                (Value::Null, AnyValue::String(s)) => s.is_empty(),
                (Value::Number(n), AnyValue::Int64(v)) => n.as_i64() == Some(*v),
                (Value::Number(n), AnyValue::Float64(v)) => close(n.as_f64(), Some(*v)),
                (Value::Number(n), AnyValue::String(s)) => close(n.as_f64(), s.parse::<f64>().ok()),
                (Value::Bool(b), AnyValue::Boolean(v)) => b == v,
                (Value::Bool(b), AnyValue::String(s)) => b.to_string() == *s,
                (Value::String(w), AnyValue::String(s)) => w == s,
                (Value::Array(_), AnyValue::String(s)) => serde_json::from_str::<Value>(s).ok() == Some(want.clone()),
                _ => false,
            };
            assert!(same, "{what}: row {i} column {key}: JSON {want} against {got:?}");
        }
    }
}

/// Equal up to the last bit or two: serde_json, which reads the JSON answer here, rounds some 17-digit numbers to a
/// neighbouring float (without its `float_roundtrip` feature); the CSV text is read with Rust's exact parser.
fn close(a: Option<f64>, b: Option<f64>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => a == b || (a - b).abs() <= 4.0 * f64::EPSILON * a.abs().max(b.abs()),
        _ => false,
    }
}

/// Reads CSV bytes with every column as text (no type guessing).
fn csv(bytes: Vec<u8>) -> DataFrame {
    CsvReadOptions::default()
        .with_infer_schema_length(Some(0))
        .into_reader_with_file_handle(Cursor::new(bytes))
        .finish()
        .expect("CSV")
}

fn parquet(bytes: Vec<u8>) -> DataFrame {
    ParquetReader::new(Cursor::new(bytes)).finish().expect("Parquet")
}

/// JSON rows of `path` (one page of at most 500), and the same rows as CSV and as Parquet.
fn check_downloads(s: &TestServer, path: &str, name: &str) -> usize {
    let sep = if path.contains('?') { '&' } else { '?' };
    let (code, rows) = Api::new(&s.base).get(&format!("{path}{sep}page_size=500"));
    assert_eq!(code, 200, "{path}: {rows}");
    let rows = rows.as_array().cloned().unwrap_or_default();
    assert!(!rows.is_empty(), "{path} has rows");

    let (code, ctype, disposition, body) = fetch(&s.base, &format!("{path}{sep}format=csv"), None);
    assert_eq!(code, 200, "{}", String::from_utf8_lossy(&body));
    assert!(ctype.starts_with("text/csv"), "{ctype}");
    assert!(disposition.contains(&format!("{name}.csv")), "{disposition}");
    assert_same(&format!("{path} as CSV"), &rows, &csv(body));

    let (code, ctype, disposition, body) = fetch(&s.base, path, Some("application/vnd.apache.parquet"));
    assert_eq!(code, 200);
    assert_eq!(ctype, "application/vnd.apache.parquet");
    assert!(disposition.contains(&format!("{name}.parquet")), "{disposition}");
    assert_same(&format!("{path} as Parquet"), &rows, &parquet(body));

    // JSON stays the default, whatever else the client accepts.
    let (_, ctype, _, _) = fetch(&s.base, path, Some("application/json, text/plain"));
    assert!(ctype.starts_with("application/json"), "{ctype}");
    rows.len()
}

#[test]
fn trials_stats_and_profiles_download_as_the_json_rows() {
    let s = server();
    let api = Api::new(&s.base);
    let (code, run) = api.post(
        "/submit",
        &json!({
            "data": {"dataset_path": "demo.csv", "symbols": ["EURUSD"], "start": "2024-01-01", "end": "2024-12-31"},
            "strategy": {"filters": {"ema_fast": 9, "ema_slow": 26}, "tpsl": {"atr_k": 2.0},
                         "validation": {"train_months": 1, "test_months": 1, "folds": 2}, "objective": "sharpe",
                         "search_space": {"ema_fast": [5, 9, 12], "ema_slow": [20, 30], "atr_k": [1.5, 2.0]}}
        }),
    );
    assert_eq!(code, 200, "{run}");
    let id = run["id"].as_str().unwrap();
    let trials = check_downloads(&s, &format!("/runs/{id}/trials"), &format!("trials_{id}"));
    // The download carries each trial's parameters as columns too.
    let (_, _, _, body) = fetch(&s.base, &format!("/runs/{id}/trials?format=csv"), None);
    let df = csv(body);
    assert_eq!(df.height(), trials);
    let fast = df.column("params.ema_fast").expect("params.ema_fast");
    assert!(fast.str().unwrap().iter().all(|v| matches!(v, Some("5" | "9" | "12"))));

    let (code, body) = api.post(
        "/stats/run",
        &json!({
            "data": {"dataset_path": "demo.csv", "symbols": ["EURUSD", "ES"], "timeframe": "5m", "start": "2024-01-01", "end": "2024-12-31"},
            "events": [{"name": "k_consecutive", "params": {"k": 3, "direction": "up"}}],
            "conditions": [{"name": "session", "params": {"col": "session_id"}}],
            "targets": [{"name": "up_next_bar"}],
            "persistence": {"enabled": true, "spec_id": "exports", "dataset_id": "demo"}
        }),
    );
    assert_eq!(code, 200, "{body}");
    check_downloads(&s, "/stats?symbol=ES", "stats");
    // The dashboard's filters are the API's too: one condition value, and sufficient rows only.
    let (_, all) = api.get("/stats?symbol=ES&page_size=500");
    let all = all.as_array().unwrap();
    let value = all[0]["condition_value"].as_str().unwrap();
    let (_, one) = api.get(&format!("/stats?symbol=ES&page_size=500&condition_value={value}"));
    let one = one.as_array().unwrap();
    let expected = all.iter().filter(|r| r["condition_value"] == value).count();
    assert!(one.len() == expected && one.iter().all(|r| r["condition_value"] == value));
    let (_, enough) = api.get("/stats?symbol=ES&page_size=500&sufficient_only=true");
    let enough = enough.as_array().unwrap();
    let expected = all.iter().filter(|r| r["insufficient"] != true).count();
    assert!(enough.len() == expected && enough.iter().all(|r| r["insufficient"] != true));

    let (code, body) = api.post(
        "/seasonality/run",
        &json!({
            "data": {"dataset_path": "demo.csv", "symbols": ["EURUSD"], "timeframe": "5m", "start": "2024-01-01", "end": "2024-12-31"},
            "profile": {"by_hour": true, "by_dow": true, "measure": "direction", "min_samples_bin": 30},
            "signal": {"method": "threshold", "threshold": 0.52, "dims": ["hour"], "combine": "and"},
            "persistence": {"enabled": true, "spec_id": "exports", "dataset_id": "demo"}
        }),
    );
    assert_eq!(code, 200, "{body}");
    let profiles = check_downloads(&s, "/seasonality/profiles?dim=hour", "seasonality_profiles");
    assert_eq!(profiles, 24, "one row per hour");

    // A bad format is a 422 naming the parameter, not a file.
    let (code, body) = api.get("/stats?format=xlsx");
    assert_eq!(code, 422, "{body}");
    assert!(body.to_string().contains("format"), "{body}");
}

#[test]
fn a_runs_artifacts_are_listed_and_served_from_its_directory_only() {
    let s = server();
    let api = Api::new(&s.base);
    let (code, run) = api.post(
        "/submit",
        &json!({
            "data": {"dataset_path": "demo.csv", "symbols": ["ES"], "start": "2024-01-01", "end": "2024-12-31"},
            "strategy": {"filters": {"ema_fast": 9, "ema_slow": 26}, "tpsl": {"atr_k": 2.0}, "objective": "sharpe",
                         "search_space": {"ema_fast": [5, 9], "ema_slow": [20, 30]}}
        }),
    );
    assert_eq!(code, 200, "{run}");
    let id = run["id"].as_str().unwrap();
    let (code, list) = api.get(&format!("/runs/{id}/artifacts"));
    assert_eq!(code, 200, "{list}");
    let names: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["name"].as_str().unwrap())
        .collect();
    assert!(names.contains(&"trials.parquet"), "{names:?}");
    let (code, ctype, disposition, body) = fetch(&s.base, &format!("/runs/{id}/artifacts/trials.parquet"), None);
    assert_eq!((code, ctype.as_str()), (200, "application/vnd.apache.parquet"));
    assert!(disposition.contains("trials.parquet"));
    let on_disk = std::fs::read(s.home.path().join("artifacts").join(id).join("trials.parquet")).unwrap();
    assert_eq!(body, on_disk, "the file's own bytes");
    let (_, trials) = api.get(&format!("/runs/{id}/trials?page_size=500"));
    assert_eq!(
        parquet(body).height(),
        trials.as_array().unwrap().len(),
        "a row per trial"
    );
    let listed = list
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["name"] == "trials.parquet")
        .unwrap();
    assert_eq!(listed["bytes"].as_u64(), Some(on_disk.len() as u64));

    // Anything but a plain name of a file in that run's directory is not found.
    std::fs::write(s.home.path().join("secret.txt"), "no").unwrap();
    for path in [
        format!("/runs/{id}/artifacts/..%2F..%2Fsecret.txt"),
        format!("/runs/{id}/artifacts/..%2Fsecret.txt"),
        format!("/runs/{id}/artifacts/.hidden"),
        format!("/runs/{id}/artifacts/missing.parquet"),
        "/runs/not-a-run/artifacts/trials.parquet".to_string(),
        "/runs/0123456789abcdef0123456789abcdef/artifacts".to_string(),
    ] {
        let (code, _, _, body) = fetch(&s.base, &path, None);
        assert_eq!(code, 404, "{path}: {}", String::from_utf8_lossy(&body));
    }
}
