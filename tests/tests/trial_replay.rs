//! A stored trial replayed on demand (`GET /runs/{id}/trials/{trial}` and `/trades`): its metrics are the stored
//! ones, its trades are the run's recorded ones where the run recorded them, and what cannot be replayed says why.

mod cli_support;

use cli_support::{qe, sqlite};
use polars::prelude::*;
use qe_tests::{spawn_server, synth, Api, TestServer};
use serde_json::{json, Value};
use std::io::Cursor;

fn get_bytes(base: &str, path: &str) -> (u16, Vec<u8>) {
    let a = qe_tests::get_raw(base, path, &[]);
    (a.status, a.body)
}

/// A walk-forward run over two symbols (atr_k not searched, so the trials' params omit it); returns its id.
fn submit(s: &TestServer) -> String {
    let (code, run) = Api::new(&s.base).post(
        "/submit",
        &json!({
            "data": {"dataset_path": "demo.csv", "symbols": ["EURUSD", "ES"], "start": "2024-01-01", "end": "2024-12-31"},
            "strategy": {"filters": {"ema_fast": 9, "ema_slow": 26}, "tpsl": {"atr_k": 1.5}, "objective": "sharpe",
                         "validation": {"train_months": 1, "test_months": 1, "folds": 2, "min_trades": 1},
                         "search_space": {"ema_fast": [5, 9, 40], "ema_slow": [20, 30], "R": [1, 2]}}
        }),
    );
    assert_eq!(code, 200, "{run}");
    run["id"].as_str().unwrap().to_string()
}

#[test]
fn a_replayed_trial_has_its_stored_metrics_and_the_runs_recorded_trades() {
    let s = spawn_server(&[], &[]);
    synth(s.home.path(), 100);
    let api = Api::new(&s.base);
    let id = submit(&s);
    let (_, rows) = api.get(&format!("/runs/{id}/trials?page_size=500&order_by=trial_number.asc"));
    let rows = rows.as_array().unwrap().clone();
    assert_eq!(
        rows.len(),
        2 * 8,
        "two symbols × 8 valid points (ema_fast 40 pairs with no slower EMA)"
    );
    let mut replayed = 0;
    for row in rows.iter().filter(|r| r["status"] != "FAIL") {
        let n = row["trial_number"].as_i64().unwrap();
        let (code, t) = api.get(&format!("/runs/{id}/trials/{n}"));
        assert_eq!(code, 200, "{t}");
        let params: Value = serde_json::from_str(row["params_json"].as_str().unwrap()).unwrap();
        assert_eq!(t["params"], params);
        assert_eq!(t["symbol"], params["symbol"]);
        assert_eq!(t["reproduced"], true, "trial {n}");
        assert_eq!(t["out_of_sample"]["n_trades"], row["n_trades"], "trial {n}");
        assert_eq!(t["out_of_sample"]["sharpe"], row["sharpe"], "trial {n}");
        assert_eq!(t["out_of_sample"]["max_drawdown"], row["max_dd"], "trial {n}");
        let trades = t["trades"].as_array().unwrap();
        assert_eq!(trades.len() as i64, row["n_trades"].as_i64().unwrap());
        // Each trade lies in its fold's test window, and the curve ends at the product of the trades' returns.
        let folds = t["folds"].as_array().unwrap();
        assert_eq!(folds.len(), 2);
        for tr in trades {
            let f = &folds[tr["fold"].as_u64().unwrap() as usize];
            let (entry, exit) = (tr["ts_entry"].as_str().unwrap(), tr["ts_exit"].as_str().unwrap());
            assert!(f["test_start"].as_str().unwrap() <= entry && exit <= f["test_end"].as_str().unwrap());
            assert!(entry <= exit && tr["side"] == "long");
        }
        let product: f64 = trades.iter().map(|t| 1.0 + t["pnl"].as_f64().unwrap()).product();
        let equity = t["equity"].as_array().unwrap();
        assert!(!equity.is_empty() && equity.len() <= 2_000);
        let last = equity.last().unwrap()["equity"].as_f64().unwrap();
        assert!(
            (last / product - 1.0).abs() < 1e-9,
            "trial {n}: {last} against {product}"
        );
        replayed += 1;
    }
    assert_eq!(replayed, 16, "every trial was replayed");

    // The trial each fold selected traded exactly what the run recorded in that fold's trades file. Stored trial
    // numbers run across symbols in order; the result numbers each symbol's trials from 0.
    let (_, result) = api.get(&format!("/result/{id}"));
    let mut first = 0;
    for sym in result["result"]["symbols"].as_array().unwrap() {
        let symbol = sym["symbol"].as_str().unwrap();
        for fold in sym["walk_forward"]["folds"].as_array().unwrap() {
            let Some(local) = fold["trial_number"].as_i64() else {
                continue;
            };
            let (n, k) = (first + local, fold["fold"].as_u64().unwrap());
            let (code, trades) = api.get(&format!("/runs/{id}/trials/{n}/trades"));
            assert_eq!(code, 200);
            let mine: Vec<&Value> = trades.as_array().unwrap().iter().filter(|t| t["fold"] == k).collect();
            let (code, bytes) = get_bytes(&s.base, &format!("/runs/{id}/artifacts/trades_{symbol}_{k}.parquet"));
            assert_eq!(code, 200);
            let file = ParquetReader::new(Cursor::new(bytes)).finish().unwrap();
            assert_eq!(file.height(), mine.len(), "{symbol} fold {k}");
            let text = |c: &str, i: usize| file.column(c).unwrap().str().unwrap().get(i).unwrap().to_string();
            for (i, t) in mine.iter().enumerate() {
                assert_eq!(text("ts_entry", i), t["ts_entry"].as_str().unwrap());
                assert_eq!(text("exit_reason", i), t["exit_reason"].as_str().unwrap());
                let price = file.column("price_exit").unwrap().f64().unwrap().get(i).unwrap();
                assert!((price - t["price_exit"].as_f64().unwrap()).abs() <= 1e-12 * price.abs());
            }
        }
        first += sym["trials"].as_array().unwrap().len() as i64;
    }
}

#[test]
fn trades_download_and_what_cannot_be_replayed_says_why() {
    let s = spawn_server(&[], &[]);
    synth(s.home.path(), 100);
    let api = Api::new(&s.base);
    let id = submit(&s);
    let (_, rows) = api.get(&format!("/runs/{id}/trials?page_size=1"));
    let best = rows[0]["trial_number"].as_i64().unwrap();
    let (code, json_trades) = api.get(&format!("/runs/{id}/trials/{best}/trades"));
    assert_eq!(code, 200);
    let json_trades = json_trades.as_array().unwrap();
    assert!(!json_trades.is_empty());
    let (code, csv) = get_bytes(&s.base, &format!("/runs/{id}/trials/{best}/trades?format=csv"));
    assert_eq!(code, 200);
    let df = CsvReadOptions::default()
        .with_infer_schema_length(Some(0))
        .into_reader_with_file_handle(Cursor::new(csv))
        .finish()
        .unwrap();
    assert_eq!(df.height(), json_trades.len());
    let first = |c: &str| df.column(c).unwrap().str().unwrap().get(0).unwrap().to_string();
    assert_eq!(first("ts_entry"), json_trades[0]["ts_entry"].as_str().unwrap());
    assert_eq!(
        first("pnl").parse::<f64>().unwrap(),
        json_trades[0]["pnl"].as_f64().unwrap()
    );

    // `qe runs trades` prints the same trades and writes them to a file.
    let n = best.to_string();
    let out = qe(&["runs", "trades", &id, &n, "--json", "--api", &s.base]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(
        serde_json::from_str::<Value>(&out.stdout).unwrap(),
        Value::Array(json_trades.clone())
    );
    let text = qe(&["runs", "trades", &id, &n, "--api", &s.base]);
    assert_eq!(text.stdout.lines().count(), 2 + json_trades.len(), "{}", text.stdout);
    let file = s.home.path().join("trades.parquet");
    let out = qe(&[
        "runs",
        "trades",
        &id,
        &n,
        "--out",
        file.to_str().unwrap(),
        "--api",
        &s.base,
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let df = ParquetReader::new(std::fs::File::open(&file).unwrap())
        .finish()
        .unwrap();
    assert_eq!(df.height(), json_trades.len());
    let out = qe(&["runs", "trades", &id, "9999", "--api", &s.base]);
    assert_eq!(out.code, 1, "an unknown trial fails: {}", out.stderr);
    assert!(out.stderr.contains("Trial 9999 not found"), "{}", out.stderr);

    let (code, body) = api.get("/runs/nosuchrun/trials/0");
    assert_eq!((code, body["detail"].as_str().unwrap()), (404, "Run not found"));
    let (code, body) = api.get(&format!("/runs/{id}/trials/9999"));
    assert_eq!(code, 404, "{body}");
    let (code, body) = api.get(&format!("/runs/{id}/trials/abc"));
    assert_eq!(code, 422, "{body}");
    assert_eq!(body["detail"][0]["loc"], json!(["path", "trial"]));
    // A failed trial (as a trial with a non-finite objective is stored) has nothing to replay.
    let (_, worst) = api.get(&format!("/runs/{id}/trials?page_size=1&order_by=objective_value.asc"));
    let failed = worst[0]["trial_number"].as_i64().unwrap();
    sqlite(
        &s.home.path().join("quant.db"),
        &format!("UPDATE trials SET status = 'FAIL' WHERE run_id = '{id}' AND trial_number = {failed};"),
    );
    let (code, body) = api.get(&format!("/runs/{id}/trials/{failed}"));
    assert_eq!(code, 409, "{body}");
    assert!(body["detail"].as_str().unwrap().contains("failed"), "{body}");

    // Other bars under the same name since the run: the replay says it no longer reproduces; data gone: 409 naming the file.
    let out = std::process::Command::new(qe_tests::qe_bin())
        .args(["data", "synth", "--days", "100", "--seed", "7", "--out"])
        .arg(s.home.path())
        .env("QE_HOME", s.home.path())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let (code, t) = api.get(&format!("/runs/{id}/trials/{best}"));
    assert_eq!(code, 200, "{t}");
    assert_eq!(t["reproduced"], false);
    std::fs::remove_file(s.home.path().join("demo.csv")).unwrap();
    let (code, body) = api.get(&format!("/runs/{id}/trials/{best}/trades"));
    assert_eq!(code, 409, "{body}");
    assert!(body["detail"].as_str().unwrap().contains("demo.csv"), "{body}");
}
