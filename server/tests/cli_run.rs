//! `qe run` end to end through the real binary: the original's example spec, generated data, SQLite and
//! MariaDB, bad specs and failing runs.

use engine::store::Store;
use polars::prelude::{ParquetReader, SerReader};
use serde_json::{json, Value};
use sqlx::Row;
use std::path::{Path, PathBuf};
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

/// A working directory laid out as the original's checkout: the example spec's relative
/// `specs/examples/data/eurusd_m1_sample.json` resolves under it.
fn reference_checkout() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("specs/examples/data");
    std::fs::create_dir_all(&data).unwrap();
    std::fs::copy(
        format!("{REFERENCE}/examples/data/eurusd_m1_sample.json"),
        data.join("eurusd_m1_sample.json"),
    )
    .unwrap();
    std::fs::copy(format!("{REFERENCE}/submit_local.json"), dir.path().join("spec.json")).unwrap();
    dir
}

fn parquet_rows(path: &Path) -> usize {
    let file = std::fs::File::open(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    ParquetReader::new(file).finish().unwrap().height()
}

async fn count(store: &Store, sql: &str, run_id: &str) -> i64 {
    sqlx::query(sql)
        .bind(run_id)
        .fetch_one(store.pool())
        .await
        .unwrap()
        .try_get::<i64, _>(0)
        .unwrap()
}

async fn sqlite_of(cwd: &Path) -> Store {
    Store::connect(&format!("sqlite:///{}/home/quant.db", cwd.display()))
        .await
        .unwrap()
}

/// The run id is the artifact directory's name (`<artifacts>/<run_id>/trials.parquet`).
fn run_id_of(result: &Value) -> String {
    let path = PathBuf::from(result["trials_path"].as_str().unwrap());
    path.parent()
        .unwrap()
        .file_name()
        .unwrap()
        .to_string_lossy()
        .to_string()
}

#[tokio::test]
async fn the_reference_spec_prints_the_originals_result_and_writes_artifacts_and_rows() {
    let dir = reference_checkout();
    let out = qe(dir.path(), &["run", "--spec", "spec.json", "--json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let result: Value = serde_json::from_slice(&out.stdout).expect("stdout is the result JSON");
    let trials = result["trials"].as_array().unwrap();
    assert_eq!(trials.len(), 45, "the original's example grid");
    for t in trials {
        assert!(t["params"]["ema_fast"].is_u64() && t["params"]["R"].is_u64(), "{t}");
        assert!(t["metrics"]["sharpe"].is_number(), "{t}");
    }
    let best = &result["best"];
    for key in ["params", "metrics", "trades", "equity", "summary"] {
        assert!(!best[key].is_null(), "best.{key}");
    }
    let run_id = run_id_of(&result);
    assert_eq!(run_id.len(), 32);
    assert!(run_id.chars().all(|c| c.is_ascii_hexdigit()));
    let artifacts = dir.path().join("home/artifacts").join(&run_id);
    assert_eq!(
        PathBuf::from(result["trials_path"].as_str().unwrap()),
        artifacts.join("trials.parquet")
    );
    assert_eq!(parquet_rows(&artifacts.join("trials.parquet")), 45);
    for path in best["trades"]
        .as_array()
        .unwrap()
        .iter()
        .chain(best["equity"].as_array().unwrap())
    {
        assert!(Path::new(path.as_str().unwrap()).exists(), "{path}");
    }
    let summary: Value = serde_json::from_slice(&std::fs::read(best["summary"].as_str().unwrap()).unwrap()).unwrap();
    assert_eq!(summary["params"], best["params"]);

    let store = sqlite_of(dir.path()).await;
    let run = engine::store::runs::get_run(&store, &run_id).await.unwrap().unwrap();
    assert_eq!(run.status.as_deref(), Some("FINISHED"));
    assert_eq!(run.objective.as_deref(), Some("sharpe"));
    assert_eq!(
        count(&store, "SELECT COUNT(*) FROM trials WHERE run_id = ?", &run_id).await,
        45
    );
}

/// 90 days of generated 5-minute bars with a two-fold walk-forward.
fn synthetic_spec(dir: &Path) -> Value {
    let out = qe(dir, &["data", "synth", "--days", "90", "--out", "data"]);
    assert!(out.status.success(), "{}", stderr(&out));
    json!({
        "data": {"dataset_path": "data/demo.csv", "symbols": ["EURUSD"], "start": "2024-01-01", "end": "2024-03-30"},
        "strategy": {
            "filters": {"ema_fast": 9, "ema_slow": 26},
            "tpsl": {"atr_k": 2.0},
            "validation": {"train_months": 1, "test_months": 1, "folds": 2},
            "objective": "sharpe",
            "search_space": {"ema_fast": [5, 10, 20], "ema_slow": [30, 60], "R": [1, 2, 3]}
        },
        "execution": {"commission_bps": 0.5}
    })
}

#[test]
fn without_json_a_readable_leaderboard_is_printed() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("spec.json"), synthetic_spec(dir.path()).to_string()).unwrap();
    let out = qe(dir.path(), &["run", "--spec", "spec.json", "--no-store", "--top", "5"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("selection: walk-forward"), "{text}");
    assert!(text.contains("EURUSD: top 5 of 18 trials"), "{text}");
    assert!(text.contains("best trial #"), "{text}");
    assert!(text.contains("out of sample"), "{text}");
    assert!(text.contains("walk-forward folds"), "{text}");
    assert!(text.contains("deflated Sharpe ratio: "), "{text}");
    // The leaderboard's header and rows line up: every row is as wide as the header or narrower.
    let lines: Vec<&str> = text.lines().collect();
    let header = lines
        .iter()
        .position(|l| l.starts_with("#  ") || l.trim_start().starts_with("#  "))
        .unwrap();
    let sharpe_col = lines[header].find(" sharpe").unwrap() + " sharpe".len();
    assert!(lines[header + 1].starts_with('-'), "a rule under the header");
    for row in &lines[header + 2..header + 7] {
        let end_of_cell = row[..sharpe_col].trim_end().len();
        assert_eq!(end_of_cell, sharpe_col, "sharpe column right-aligned: {row:?}");
    }
    assert!(
        !dir.path().join("home/quant.db").exists(),
        "--no-store leaves no database"
    );
}

#[tokio::test]
async fn a_mariadb_store_receives_every_trial() {
    let Ok(base) = std::env::var("QE_TEST_MYSQL_URL") else {
        assert!(
            std::env::var("QE_REQUIRE_MYSQL").as_deref() != Ok("1"),
            "QE_REQUIRE_MYSQL=1 but no QE_TEST_MYSQL_URL"
        );
        return;
    };
    sqlx::any::install_default_drivers();
    let admin = sqlx::AnyPool::connect(&base).await.unwrap();
    let name = format!("qe_cli_run_{}", std::process::id());
    sqlx::query(&format!("DROP DATABASE IF EXISTS {name}"))
        .execute(&admin)
        .await
        .unwrap();
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&admin)
        .await
        .unwrap();
    let url = format!("{}/{name}", base.rsplit_once('/').unwrap().0);

    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("spec.json"), synthetic_spec(dir.path()).to_string()).unwrap();
    let out = qe(dir.path(), &["--db-url", &url, "run", "--spec", "spec.json", "--json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let result: Value = serde_json::from_slice(&out.stdout).unwrap();
    let n = result["trials"].as_array().unwrap().len();
    assert_eq!(n, 18);
    let run_id = run_id_of(&result);
    let store = Store::connect(&url).await.unwrap();
    assert_eq!(
        count(&store, "SELECT COUNT(*) FROM trials WHERE run_id = ?", &run_id).await,
        n as i64
    );
    let run = engine::store::runs::get_run(&store, &run_id).await.unwrap().unwrap();
    assert_eq!(run.status.as_deref(), Some("FINISHED"));
    let metrics = engine::store::runs::get_metrics(&store, &run_id).await.unwrap();
    assert_eq!(metrics.folds.len(), 2);
    assert_eq!(
        metrics.aggregated.get("sharpe").copied(),
        result["walk_forward"]["metrics"]["sharpe"].as_f64()
    );
    sqlx::query(&format!("DROP DATABASE {name}"))
        .execute(&admin)
        .await
        .unwrap();
}

#[test]
fn a_bad_spec_exits_2_naming_the_field_and_runs_nothing() {
    let dir = reference_checkout();
    let mut spec: Value = serde_json::from_slice(&std::fs::read(dir.path().join("spec.json")).unwrap()).unwrap();
    spec["strategy"]["validation"]["folds"] = json!("two");
    std::fs::write(dir.path().join("bad.json"), spec.to_string()).unwrap();
    let out = qe(dir.path(), &["run", "--spec", "bad.json"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("bad.json: invalid spec: strategy.validation.folds"),
        "{}",
        stderr(&out)
    );

    std::fs::write(dir.path().join("broken.json"), "{\n  \"data\": {,\n}").unwrap();
    let out = qe(dir.path(), &["run", "--spec", "broken.json"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("broken.json: not valid JSON"), "{}", stderr(&out));
    assert!(stderr(&out).contains("line 2"), "{}", stderr(&out));

    spec["strategy"]["validation"]["folds"] = json!(1);
    spec["data"]["start"] = json!("2024-13-45");
    std::fs::write(dir.path().join("bad.json"), spec.to_string()).unwrap();
    let out = qe(dir.path(), &["run", "--spec", "bad.json"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("bad.json: invalid spec: data.start"),
        "{}",
        stderr(&out)
    );

    let out = qe(dir.path(), &["run", "--spec", "missing.json"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("missing.json"), "{}", stderr(&out));
    assert!(!dir.path().join("home/artifacts").exists());
    assert!(!dir.path().join("home/quant.db").exists(), "nothing was recorded");
}

#[tokio::test]
async fn a_failing_run_exits_1_and_is_recorded_failed() {
    let dir = reference_checkout();
    let mut spec: Value = serde_json::from_slice(&std::fs::read(dir.path().join("spec.json")).unwrap()).unwrap();
    spec["data"]["dataset_path"] = json!("specs/examples/data/nowhere.csv");
    std::fs::write(dir.path().join("spec.json"), spec.to_string()).unwrap();
    let out = qe(dir.path(), &["run", "--spec", "spec.json"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stderr(&out).contains("nowhere.csv"), "{}", stderr(&out));
    let store = sqlite_of(dir.path()).await;
    let runs = engine::store::runs::list_runs(&store, &Default::default())
        .await
        .unwrap();
    assert_eq!(runs.len(), 1);
    assert_eq!(runs[0].status.as_deref(), Some("FAILED"));
    assert!(runs[0].finished_at.is_some());
}
