//! Helpers of the CLI tests: run the `qe` binary, seed a server's SQLite database with the `sqlite3` client, and
//! decode PNG files independently of the encoder under test (chunk CRCs, inflate, all five row filters).

#![allow(dead_code)]

use qe_tests::{qe_bin, TestServer};
use std::path::PathBuf;
use std::process::Command;

/// What a `qe` run printed and how it exited.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

/// Runs `qe args…` with no API variables inherited.
pub fn qe(args: &[&str]) -> Run {
    qe_env(args, &[])
}

/// Runs `qe args…` with the given variables.
pub fn qe_env(args: &[&str], envs: &[(&str, &str)]) -> Run {
    let mut cmd = Command::new(qe_bin());
    cmd.args(args)
        .env_remove("QE_API_URL")
        .env_remove("QE_API_TOKEN")
        .env("QE_LOG", "warn");
    for (k, v) in envs {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("run qe");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Runs SQL on a SQLite database file through the `sqlite3` client.
pub fn sqlite(db: &PathBuf, sql: &str) {
    let out = Command::new("sqlite3")
        .arg(db)
        .arg(sql)
        .output()
        .expect("run the sqlite3 client");
    assert!(
        out.status.success(),
        "sqlite3: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Rows written straight into a test server's database.
pub struct Seeded;

impl Seeded {
    fn db(server: &TestServer) -> PathBuf {
        server.home.path().join("quant.db")
    }

    /// Two optimisation runs (a FINISHED one with metrics and three trials, a RUNNING one); returns the db path.
    pub fn runs(server: &TestServer) -> PathBuf {
        let db = Self::db(server);
        sqlite(
            &db,
            "INSERT INTO experiment_runs (run_id, spec_id, dataset_id, status, objective, out_dir, started_at, finished_at) VALUES
               ('seeded_run_a', 'spec_a', 'eurusd', 'FINISHED', 'sharpe', '/tmp/none_a', '2024-01-02T00:00:00Z', '2024-01-02T00:05:00Z'),
               ('seeded_run_b', 'spec_b', 'eurusd', 'RUNNING', 'sharpe', '/tmp/none_b', '2024-01-03T00:00:00Z', NULL);
             INSERT INTO run_metrics (run_id, fold, metric_name, metric_value, fold_key) VALUES
               ('seeded_run_a', NULL, 'sharpe', 1.23456789, -1), ('seeded_run_a', NULL, 'hit_rate', 0.5625, -1),
               ('seeded_run_a', 0, 'sharpe', 2.0, 0), ('seeded_run_a', 0, 'hit_rate', 0.6, 0),
               ('seeded_run_a', 1, 'sharpe', 0.5, 1), ('seeded_run_a', 1, 'hit_rate', 0.5, 1);
             INSERT INTO trials (run_id, trial_number, params_json, objective_value, status, n_trades, max_dd, sharpe, sortino, cagr, hit_rate, avg_r) VALUES
               ('seeded_run_a', 0, '{\"ema_fast\": 9, \"ema_slow\": 26, \"R\": 1}', 0.9, 'COMPLETE', 40, 0.1, 0.9, 1.1, 0.05, 0.55, 0.2),
               ('seeded_run_a', 1, '{\"ema_fast\": 12, \"ema_slow\": 35, \"R\": 2}', 0.1, 'COMPLETE', 35, 0.2, 0.1, 0.2, 0.01, 0.45, 0.05),
               ('seeded_run_a', 2, '{\"ema_fast\": 15, \"ema_slow\": 55, \"R\": 3}', 0.5, 'COMPLETE', 30, 0.15, 0.5, 0.6, 0.03, 0.5, 0.1);",
        );
        db
    }

    /// Three EURUSD k_consecutive/up_next_bar rows by session with distinct frequentist and Bayesian lifts; only
    /// Europe is significant.
    pub fn stats(server: &TestServer) -> PathBuf {
        let db = Self::db(server);
        let row = |value: &str, p: f64, lf: f64, lb: f64, sig: i32, q: f64| {
            format!(
                "('EURUSD', 'M1', 'k_consecutive', 'session', '{value}', 'up_next_bar', 'test', 100, {s}, {p}, {lo}, \
                 {hi}, {lf}, '2024-01-01', '2024-02-01', 'seed', 'eurusd', '2024-03-01 00:00:00', 'k_{value}', \
                 {pm}, {pm}, {lo}, {hi}, {lf}, {lb}, {q}, {q}, {sig}, 0)",
                s = (p * 100.0).round(),
                lo = p - 0.1,
                hi = p + 0.1,
                pm = p - 0.01,
            )
        };
        sqlite(
            &db,
            &format!(
                "INSERT INTO market_stats (symbol, timeframe, event, condition_name, condition_value, target, split, n, \
                 successes, p_hat, ci_low, ci_high, lift, start, \"end\", spec_id, dataset_id, created_at, ukey, p_mean, \
                 p_map, hdi_low, hdi_high, lift_freq, lift_bayes, p_value, q_value, significant, insufficient) VALUES {}, {}, {};",
                row("Europe", 0.7, 0.2, 0.15, 1, 0.01),
                row("Asia", 0.6, 0.1, 0.3, 0, 0.2),
                row("US", 0.45, -0.05, -0.1, 0, 0.5),
            ),
        );
        db
    }

    /// Hour profiles (direction) of EURUSD (hours 9–12) and ES (9–11, 13), baseline 0.5, plus one seasonality run.
    pub fn profiles(server: &TestServer) -> PathBuf {
        let db = Self::db(server);
        let mut values = Vec::new();
        let rows = [
            ("EURUSD", 9, 0.10, true),
            ("EURUSD", 10, 0.20, true),
            ("EURUSD", 11, 0.05, false),
            ("EURUSD", 12, 0.07, true),
            ("ES", 9, 0.08, true),
            ("ES", 10, 0.25, true),
            ("ES", 11, 0.00, true),
            ("ES", 13, 0.10, true),
        ];
        for (i, (symbol, hour, lift, breakout)) in rows.iter().enumerate() {
            let metrics = if *breakout {
                format!("{{\"amp_mean\": 0.00{hour}, \"p_breakout_up\": 0.3}}")
            } else {
                format!("{{\"amp_mean\": 0.00{hour}}}")
            };
            values.push(format!(
                "('{symbol}', 'M5', 'hour', '{hour}', 'direction', {score}, 40, 0.5, {lift}, '{metrics}', '2024-01-01', \
                 '2024-06-30', 'seed', 'demo', '2024-07-01 00:00:{i:02}', 'p{i}')",
                score = 0.5 + lift
            ));
        }
        sqlite(
            &db,
            &format!(
                "INSERT INTO seasonality_profiles (symbol, timeframe, dim, bin, measure, score, n, baseline, lift, \
                 metrics, start, \"end\", spec_id, dataset_id, created_at, ukey) VALUES {};
                 INSERT INTO seasonality_runs (run_id, spec_id, dataset_id, out_dir, status, best_summary, created_at)
                 VALUES ('seeded_season_run', 'seed', 'demo', '/tmp/season', 'completed',
                         '{{\"metrics\": {{\"sharpe\": 1.5}}}}', '2024-07-01 00:00:00');",
                values.join(", ")
            ),
        );
        db
    }
}

/// A decoded 8-bit RGB or RGBA image.
pub struct Image {
    pub width: usize,
    pub height: usize,
    /// RGB triples, row by row.
    pub pixels: Vec<(u8, u8, u8)>,
}

impl Image {
    /// How many pixels have exactly this colour.
    pub fn count(&self, c: (u8, u8, u8)) -> usize {
        self.pixels.iter().filter(|p| **p == c).count()
    }

    /// The share of pixels that are not white.
    pub fn share_not_white(&self) -> f64 {
        let n = self.pixels.iter().filter(|p| **p != (255, 255, 255)).count();
        n as f64 / self.pixels.len() as f64
    }
}

/// Decodes a non-interlaced 8-bit RGB/RGBA PNG, checking every chunk's CRC.
pub fn decode_png(bytes: &[u8]) -> Image {
    use std::io::Read;
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n", "PNG signature");
    let (mut pos, mut idat) = (8, Vec::new());
    let (mut width, mut height, mut channels) = (0usize, 0usize, 0usize);
    loop {
        let len = u32::from_be_bytes(bytes[pos..pos + 4].try_into().unwrap()) as usize;
        let kind = &bytes[pos + 4..pos + 8];
        let data = &bytes[pos + 8..pos + 8 + len];
        let crc = u32::from_be_bytes(bytes[pos + 8 + len..pos + 12 + len].try_into().unwrap());
        let mut c = flate2::Crc::new();
        c.update(kind);
        c.update(data);
        assert_eq!(c.sum(), crc, "CRC of chunk {}", String::from_utf8_lossy(kind));
        match kind {
            b"IHDR" => {
                width = u32::from_be_bytes(data[0..4].try_into().unwrap()) as usize;
                height = u32::from_be_bytes(data[4..8].try_into().unwrap()) as usize;
                assert_eq!(data[8], 8, "8-bit samples");
                channels = match data[9] {
                    2 => 3,
                    6 => 4,
                    t => panic!("colour type {t}"),
                };
                assert_eq!(data[12], 0, "not interlaced");
            }
            b"IDAT" => idat.extend_from_slice(data),
            b"IEND" => break,
            _ => {}
        }
        pos += 12 + len;
    }
    let mut raw = Vec::new();
    flate2::read::ZlibDecoder::new(&idat[..]).read_to_end(&mut raw).unwrap();
    let stride = width * channels;
    assert_eq!(raw.len(), height * (stride + 1), "inflated size");
    let mut prev = vec![0u8; stride];
    let mut pixels = Vec::with_capacity(width * height);
    for y in 0..height {
        let line = &raw[y * (stride + 1)..(y + 1) * (stride + 1)];
        let mut cur = line[1..].to_vec();
        for i in 0..stride {
            let a = if i >= channels { cur[i - channels] as i32 } else { 0 };
            let b = prev[i] as i32;
            let c = if i >= channels { prev[i - channels] as i32 } else { 0 };
            let add = match line[0] {
                0 => 0,
                1 => a,
                2 => b,
                3 => (a + b) / 2,
                4 => {
                    let p = a + b - c;
                    let (pa, pb, pc) = ((p - a).abs(), (p - b).abs(), (p - c).abs());
                    if pa <= pb && pa <= pc {
                        a
                    } else if pb <= pc {
                        b
                    } else {
                        c
                    }
                }
                f => panic!("filter {f}"),
            };
            cur[i] = (cur[i] as i32 + add) as u8;
        }
        pixels.extend(cur.chunks(channels).map(|p| (p[0], p[1], p[2])));
        prev = cur;
    }
    Image { width, height, pixels }
}
