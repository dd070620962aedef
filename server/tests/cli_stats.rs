//! `qe stats run` end to end through the real binary on the original's example spec and on generated data.

use engine::store::Store;
use polars::prelude::{ParquetReader, SerReader};
use serde_json::{json, Value};
use sqlx::Row;
use std::path::Path;
use std::process::{Command, Output};

const REFERENCE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../specs");

fn qe(cwd: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_qe"))
        .args(args)
        .current_dir(cwd)
        .env("QE_HOME", cwd.join("home"))
        .env("QE_LOG", "warn")
        .env_remove("QE_DB_URL")
        .env_remove("DB_DSN")
        .env_remove("QE_ARTIFACTS_DIR")
        .env_remove("QE_DATA_ROOT")
        .output()
        .expect("run qe")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).to_string()
}

/// The original's stats example with its data at the relative path it names.
fn reference_checkout() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("specs/examples/data");
    std::fs::create_dir_all(&data).unwrap();
    std::fs::copy(
        format!("{REFERENCE}/examples/data/eurusd_m1_sample.json"),
        data.join("eurusd_m1_sample.json"),
    )
    .unwrap();
    std::fs::copy(format!("{REFERENCE}/stats_run.json"), dir.path().join("spec.json")).unwrap();
    dir
}

#[tokio::test]
async fn the_reference_spec_prints_columns_and_rows_and_stores_them() {
    let dir = reference_checkout();
    let out = qe(dir.path(), &["stats", "run", "--spec", "spec.json", "--json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let result: Value = serde_json::from_slice(&out.stdout).expect("stdout is JSON");
    let recorded: Value = serde_json::from_slice(
        &std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../tests/fixtures/responses/14_GET_stats_result__after_run.json"
        ))
        .unwrap(),
    )
    .unwrap();
    let original_columns = recorded["result"]["columns"].as_array().unwrap();
    assert_eq!(&result["columns"].as_array().unwrap()[..21], &original_columns[..]);
    let rows = result["rows"].as_array().unwrap();
    assert_eq!(rows.len(), recorded["result"]["rows"].as_array().unwrap().len());
    for r in rows {
        assert!(r["successes"].is_i64(), "successes is always an integer: {r}");
        assert!(r["n"].as_i64().unwrap() >= r["successes"].as_i64().unwrap());
    }
    // persistence.enabled is true in the example: every row lands in market_stats.
    let store = Store::connect(&format!("sqlite:///{}/home/quant.db", dir.path().display()))
        .await
        .unwrap();
    let stored: i64 = sqlx::query("SELECT COUNT(*) FROM market_stats WHERE spec_id = 'demo_stats'")
        .fetch_one(store.pool())
        .await
        .unwrap()
        .try_get(0)
        .unwrap();
    assert_eq!(stored, rows.len() as i64);
    // No artifacts were asked for (artifacts.out_dir is null).
    assert!(!dir.path().join("home/artifacts").exists());
}

#[test]
fn generated_data_gives_a_table_and_the_summary_parquet_where_asked() {
    let dir = tempfile::tempdir().unwrap();
    let synth = qe(dir.path(), &["data", "synth", "--days", "60", "--out", "data"]);
    assert!(synth.status.success(), "{}", stderr(&synth));
    let spec = json!({
        "data": {"dataset_path": "data/demo.parquet", "symbols": ["EURUSD", "BTCUSD"], "timeframe": "5m",
                 "start": "2024-01-01", "end": "2024-02-29"},
        "events": [{"name": "two_up", "type": "k_consecutive", "params": {"k": 2, "direction": "up"}}],
        "conditions": [{"name": "vol", "type": "vol_tertile", "params": {"window": 14}}],
        "targets": [{"name": "up_next_bar"}],
        "artifacts": {"out_dir": "stats_out"},
        "persistence": {"enabled": false}
    });
    std::fs::write(dir.path().join("spec.json"), spec.to_string()).unwrap();
    let out = qe(dir.path(), &["stats", "run", "--spec", "spec.json", "--top", "4"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.starts_with("top 4 of "), "{text}");
    let lines: Vec<&str> = text.lines().collect();
    assert!(
        lines[1].starts_with("symbol") && lines[1].contains("lift_freq"),
        "{text}"
    );
    assert!(lines[2].starts_with("------"), "a rule under the header: {text}");
    assert_eq!(lines.len(), 3 + 4, "{text}");
    // Rows with enough observations come first, each group by descending lift_freq.
    let keyed: Vec<(bool, f64)> = lines[3..]
        .iter()
        .map(|l| {
            let cells: Vec<&str> = l.split_whitespace().collect();
            let lift_at = cells.len() - 4;
            (cells[cells.len() - 1] == "true", cells[lift_at].parse().unwrap())
        })
        .collect();
    for w in keyed.windows(2) {
        assert!(w[0].0 < w[1].0 || (w[0].0 == w[1].0 && w[0].1 >= w[1].1), "{text}");
    }
    let file = std::fs::File::open(dir.path().join("stats_out/stats_summary.parquet")).unwrap();
    let df = ParquetReader::new(file).finish().unwrap();
    let json = qe(dir.path(), &["stats", "run", "--spec", "spec.json", "--json"]);
    let result: Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(df.height(), result["rows"].as_array().unwrap().len());
    assert!(df.height() >= 2, "rows for both symbols");
    assert!(
        !dir.path().join("home/quant.db").exists(),
        "persistence disabled: no database"
    );
}

#[test]
fn an_unknown_event_type_exits_2_naming_the_field() {
    let dir = reference_checkout();
    let mut spec: Value = serde_json::from_slice(&std::fs::read(dir.path().join("spec.json")).unwrap()).unwrap();
    spec["events"][0]["type"] = json!("k_consecutiv");
    std::fs::write(dir.path().join("spec.json"), spec.to_string()).unwrap();
    let out = qe(dir.path(), &["stats", "run", "--spec", "spec.json"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("invalid spec: events[0].type"),
        "{}",
        stderr(&out)
    );
}
