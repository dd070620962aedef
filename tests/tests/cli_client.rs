//! The `qe` client commands end to end: a real `qe serve` (real HTTP, a fresh SQLite database seeded with rows
//! through the `sqlite3` client), the real `qe` binary, its stdout, stderr, exit codes and plot files.

mod cli_support;

use cli_support::{decode_png, qe, sqlite, Seeded};
use qe_tests::spawn_server;
use serde_json::Value;

#[test]
fn a_server_that_is_not_running_gives_exit_1_and_says_how_to_fix_it() {
    let out = qe(&["runs", "list", "--api", "http://127.0.0.1:9"]);
    assert_eq!(out.code, 1, "{out:?}");
    assert!(out.stderr.contains("cannot reach http://127.0.0.1:9"), "{}", out.stderr);
    assert!(
        out.stderr.contains("qe serve") && out.stderr.contains("QE_API_URL"),
        "{}",
        out.stderr
    );
}

#[test]
fn bad_usage_exits_2_and_version_and_completions_work() {
    assert_eq!(qe(&["runs", "list", "--limit", "many"]).code, 2);
    assert_eq!(
        qe(&["seasonality", "compare", "--dim", "hour"]).code,
        2,
        "--symbols is required"
    );
    let v = qe(&["--version"]);
    assert_eq!(v.code, 0);
    assert!(v.stdout.starts_with("qe "), "{}", v.stdout);
    for shell in ["bash", "zsh", "fish"] {
        let c = qe(&["completions", shell]);
        assert_eq!(c.code, 0, "{shell}: {}", c.stderr);
        assert!(
            c.stdout.contains("submit") && c.stdout.contains("seasonality"),
            "{shell}"
        );
    }
}

#[test]
fn runs_list_accepts_lower_case_statuses_and_prints_rows() {
    let server = spawn_server(&[], &[]);
    let db = Seeded::runs(&server);
    let api = server.base.as_str();

    let all = qe(&["runs", "list", "--api", api]);
    assert_eq!(all.code, 0, "{}", all.stderr);
    assert!(
        all.stdout.lines().next().unwrap().starts_with("run_id"),
        "{}",
        all.stdout
    );
    assert!(all.stdout.contains("seeded_run_a") && all.stdout.contains("seeded_run_b"));

    // The original sent `finished` as it was and matched nothing (statuses are stored upper case).
    let finished = qe(&["runs", "list", "--status", "finished", "--api", api]);
    assert_eq!(finished.code, 0);
    assert!(finished.stdout.contains("seeded_run_a") && !finished.stdout.contains("seeded_run_b"));

    let json = qe(&["runs", "list", "--json", "--limit", "1", "--api", api]);
    let rows: Value = serde_json::from_str(&json.stdout).expect("--json prints JSON");
    assert_eq!(rows.as_array().unwrap().len(), 1);

    // page_size above the API's 500 is bad usage: exit 2 and the parameter named.
    let too_many = qe(&["runs", "list", "--limit", "1000", "--api", api]);
    assert_eq!(too_many.code, 2, "{too_many:?}");
    assert!(too_many.stderr.contains("page_size"), "{}", too_many.stderr);

    sqlite(&db, "DELETE FROM experiment_runs");
    let none = qe(&["runs", "list", "--api", api]);
    assert_eq!((none.code, none.stdout.trim()), (0, "No runs found"));
}

#[test]
fn runs_show_prints_the_summary_and_metrics_and_plots_the_folds() {
    let server = spawn_server(&[], &[]);
    Seeded::runs(&server);
    let api = server.base.as_str();

    let show = qe(&["runs", "show", "seeded_run_a", "--api", api]);
    assert_eq!(show.code, 0, "{}", show.stderr);
    assert!(show.stdout.contains("aggregated metrics") && show.stdout.contains("per-fold metrics"));
    // sharpe 1.23456789 rounded to four significant digits; hit_rate 0.5625 as a percentage.
    assert!(
        show.stdout.contains("1.235") && show.stdout.contains("56.25%"),
        "{}",
        show.stdout
    );

    let json = qe(&["runs", "show", "seeded_run_a", "--json", "--api", api]);
    let body: Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(body["run"]["run_id"], "seeded_run_a");
    assert_eq!(body["metrics"]["folds"]["1"]["sharpe"], 0.5);

    let missing = qe(&["runs", "show", "no_such_run", "--api", api]);
    assert_eq!(missing.code, 1);
    assert!(missing.stderr.contains("not found"), "{}", missing.stderr);

    // No readable equity artifacts for a seeded run: the per-fold sharpe is drawn as bars.
    let dir = tempfile::tempdir().unwrap();
    let png = dir.path().join("run.png");
    let plot = qe(&[
        "runs",
        "show",
        "seeded_run_a",
        "--plot",
        png.to_str().unwrap(),
        "--api",
        api,
    ]);
    assert_eq!(plot.code, 0, "{}", plot.stderr);
    let img = decode_png(&std::fs::read(&png).unwrap());
    assert_eq!((img.width, img.height), (1000, 560));
    assert!(img.share_not_white() > 0.02, "the chart is drawn");
    assert!(img.count((70, 130, 180)) > 2000, "two fold bars in the bar colour");
    assert!(img.count((200, 40, 40)) > 100, "the aggregated value as a red line");

    let svg = dir.path().join("run.svg");
    let plot = qe(&[
        "runs",
        "show",
        "seeded_run_a",
        "--plot",
        svg.to_str().unwrap(),
        "--api",
        api,
    ]);
    assert_eq!(plot.code, 0, "{}", plot.stderr);
    let text = std::fs::read_to_string(&svg).unwrap();
    assert!(text.starts_with("<svg") && text.contains("sharpe per fold") && text.contains("fold 1"));

    let bad = qe(&["runs", "show", "seeded_run_a", "--plot", "x.gif", "--api", api]);
    assert_eq!(bad.code, 1);
    assert!(bad.stderr.contains(".png or .svg"), "{}", bad.stderr);
}

#[test]
fn runs_trials_orders_and_limits() {
    let server = spawn_server(&[], &[]);
    Seeded::runs(&server);
    let api = server.base.as_str();
    let out = qe(&[
        "runs",
        "trials",
        "seeded_run_a",
        "--order-by",
        "sharpe.asc",
        "--limit",
        "2",
        "--api",
        api,
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let lines: Vec<&str> = out.stdout.lines().collect();
    assert_eq!(lines.len(), 4, "header, rule, two trials: {}", out.stdout);
    assert!(lines[0].contains("params") && lines[0].contains("sharpe"));
    // Seeded sharpes: trial 0 → 0.9, 1 → 0.1, 2 → 0.5; ascending: 1 then 2.
    assert!(lines[2].trim_start().starts_with('1') && lines[2].contains("ema_fast=12 ema_slow=35 R=2"));
    assert!(lines[3].trim_start().starts_with('2'));
    let json = qe(&["runs", "trials", "seeded_run_a", "--json", "--api", api]);
    let rows: Value = serde_json::from_str(&json.stdout).unwrap();
    let sharpe: Vec<f64> = rows
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["sharpe"].as_f64().unwrap())
        .collect();
    assert_eq!(sharpe, vec![0.9, 0.5, 0.1], "objective_value.desc by default");
}

#[test]
fn stats_show_ranks_by_the_chosen_method_and_filters_significance() {
    let server = spawn_server(&[], &[]);
    Seeded::stats(&server);
    let api = server.base.as_str();
    let base = [
        "stats",
        "show",
        "--symbol",
        "EURUSD",
        "--event",
        "k_consecutive",
        "--target",
        "up_next_bar",
    ];

    let freq = qe(&[&base[..], &["--api", api]].concat());
    assert_eq!(freq.code, 0, "{}", freq.stderr);
    let lines: Vec<&str> = freq.stdout.lines().collect();
    assert!(lines[0].contains("p_hat") && lines[0].contains("lift_freq") && !lines[0].contains("p_mean"));
    assert_eq!(lines.len(), 5, "three rows: {}", freq.stdout);
    // lift_freq descending: Europe (0.2), Asia (0.1), US (-0.05); p_hat 0.7 shown as 70%.
    assert!(
        lines[2].contains("Europe") && lines[2].contains("70%"),
        "{}",
        freq.stdout
    );
    assert!(lines[4].contains("US"));

    let bayes = qe(&[&base[..], &["--method", "bayes", "--api", api]].concat());
    let lines: Vec<&str> = bayes.stdout.lines().collect();
    assert!(lines[0].contains("p_mean") && lines[0].contains("lift_bayes"));
    assert!(
        lines[2].contains("Asia"),
        "lift_bayes puts Asia (0.3) first: {}",
        bayes.stdout
    );

    let sig = qe(&[&base[..], &["--significant-only", "--json", "--api", api]].concat());
    let rows: Value = serde_json::from_str(&sig.stdout).unwrap();
    let values: Vec<&str> = rows
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["condition_value"].as_str().unwrap())
        .collect();
    assert_eq!(values, vec!["Europe"]);

    let none = qe(&[
        "stats", "show", "--symbol", "XXX", "--event", "e", "--target", "t", "--api", api,
    ]);
    assert_eq!((none.code, none.stdout.trim()), (0, "No stats found"));
}

#[test]
fn seasonality_profiles_send_each_metric_and_plot_the_profile() {
    let server = spawn_server(&[], &[]);
    Seeded::profiles(&server);
    let api = server.base.as_str();

    let out = qe(&[
        "seasonality",
        "profiles",
        "--symbol",
        "EURUSD",
        "--dim",
        "hour",
        "--api",
        api,
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(out.stdout.lines().count(), 2 + 4, "{}", out.stdout);

    // The original sent `metrics=a,b` as one value and matched nothing; one row lacks p_breakout_up.
    let m = qe(&[
        "seasonality",
        "profiles",
        "--symbol",
        "EURUSD",
        "--dim",
        "hour",
        "--metrics",
        "amp_mean,p_breakout_up",
        "--api",
        api,
    ]);
    assert_eq!(m.code, 0, "{}", m.stderr);
    let lines: Vec<&str> = m.stdout.lines().collect();
    assert_eq!(lines.len(), 2 + 3, "{}", m.stdout);
    assert!(lines[0].ends_with("amp_mean  p_breakout_up"), "{}", lines[0]);

    let dir = tempfile::tempdir().unwrap();
    let png = dir.path().join("profile.png");
    let p = qe(&[
        "seasonality",
        "profiles",
        "--symbol",
        "EURUSD",
        "--dim",
        "hour",
        "--plot",
        png.to_str().unwrap(),
        "--api",
        api,
    ]);
    assert_eq!(p.code, 0, "{}", p.stderr);
    let img = decode_png(&std::fs::read(&png).unwrap());
    assert_eq!((img.width, img.height), (1000, 560));
    assert!(img.count((70, 130, 180)) > 4000, "four bars");
    assert!(img.count((200, 40, 40)) > 100, "the baseline");
    assert!(img.count((30, 30, 30)) > 100, "the interval whiskers");

    let svg = dir.path().join("profile.svg");
    let s = qe(&[
        "seasonality",
        "profiles",
        "--dim",
        "hour",
        "--symbol",
        "ES",
        "--plot",
        svg.to_str().unwrap(),
        "--api",
        api,
    ]);
    assert_eq!(s.code, 0, "{}", s.stderr);
    let text = std::fs::read_to_string(&svg).unwrap();
    assert!(
        text.contains("ES M5 direction by hour") && text.contains("baseline 0.5"),
        "{text}"
    );

    let runs = qe(&["seasonality", "runs", "--api", api]);
    assert_eq!(runs.code, 0);
    assert!(
        runs.stdout.contains("seeded_season_run") && runs.stdout.contains("1.5"),
        "{}",
        runs.stdout
    );
}

#[test]
fn seasonality_compare_correlates_two_symbols_lifts() {
    let server = spawn_server(&[], &[]);
    Seeded::profiles(&server);
    let api = server.base.as_str();
    let out = qe(&[
        "seasonality",
        "compare",
        "--symbols",
        "EURUSD",
        "--symbols",
        "ES",
        "--dim",
        "hour",
        "--api",
        api,
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    // Common hours 9, 10, 11 (hour 12 only for EURUSD, hour 13 only for ES). Lifts EURUSD [0.10, 0.20, 0.05],
    // ES [0.08, 0.25, 0.00]: Pearson r = 0.0195 / sqrt(0.011667 × 0.0326) = 0.9999 (reference §2.12's example).
    assert!(
        out.stdout.starts_with("lift correlation (EURUSD vs ES, hour): 0.9999"),
        "{}",
        out.stdout
    );
    let lines: Vec<&str> = out.stdout.lines().collect();
    assert_eq!(lines.len(), 1 + 2 + 3, "{}", out.stdout);
    assert!(lines[1].contains("lift_EURUSD") && lines[1].contains("lift_ES") && lines[1].contains("lift_diff"));

    let json = qe(&[
        "seasonality",
        "compare",
        "--symbols",
        "EURUSD,ES",
        "--dim",
        "hour",
        "--json",
        "--api",
        api,
    ]);
    let body: Value = serde_json::from_str(&json.stdout).unwrap();
    let r = body["correlation"].as_f64().unwrap();
    assert!((r - 0.99989).abs() < 1e-4, "{r}");
    assert_eq!(body["rows"].as_array().unwrap().len(), 3);

    let one = qe(&[
        "seasonality",
        "compare",
        "--symbols",
        "EURUSD",
        "--dim",
        "hour",
        "--api",
        api,
    ]);
    assert_eq!(one.code, 2);
    assert!(one.stderr.contains("exactly two symbols"), "{}", one.stderr);

    let empty = qe(&[
        "seasonality",
        "compare",
        "--symbols",
        "EURUSD",
        "--symbols",
        "NONE",
        "--dim",
        "hour",
        "--api",
        api,
    ]);
    assert_eq!(empty.code, 0);
    assert!(
        empty.stdout.contains("No direction profiles on dim hour for NONE"),
        "{}",
        empty.stdout
    );
}

#[test]
fn a_bad_spec_exits_2_naming_the_file_or_field() {
    let server = spawn_server(&[], &[]);
    let api = server.base.as_str();
    let dir = tempfile::tempdir().unwrap();

    let missing = qe(&["submit", "--spec", "/nonexistent/spec.json", "--api", api]);
    assert_eq!(missing.code, 2);
    assert!(missing.stderr.contains("/nonexistent/spec.json"), "{}", missing.stderr);

    let broken = dir.path().join("broken.json");
    std::fs::write(&broken, "{\n  \"data\": {\n    \"symbols\": [\"EURUSD\",]\n  }\n}\n").unwrap();
    let out = qe(&["submit", "--spec", broken.to_str().unwrap(), "--api", api]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("broken.json, line 3"), "{}", out.stderr);

    // Valid JSON, invalid experiment: the server's 400 names the missing key.
    let no_strategy = dir.path().join("no_strategy.json");
    let spec = serde_json::json!({"data": {"symbols": ["EURUSD"], "start": "2024-01-01", "end": "2024-01-31",
                                           "dataset_path": "x.csv"}});
    std::fs::write(&no_strategy, spec.to_string()).unwrap();
    let out = qe(&["submit", "--spec", no_strategy.to_str().unwrap(), "--api", api]);
    assert_eq!(out.code, 2, "{out:?}");
    assert!(
        out.stderr.contains("invalid spec") && out.stderr.contains("strategy"),
        "{}",
        out.stderr
    );

    // A stats spec with a bad field: the 422's location is named.
    let stats = dir.path().join("stats.json");
    let mut spec = qe_tests::reference_spec("stats_run.json");
    spec["events"][0]["params"] = serde_json::json!({"k": "three"});
    std::fs::write(&stats, spec.to_string()).unwrap();
    let out = qe(&[
        "submit",
        "--kind",
        "stats",
        "--spec",
        stats.to_str().unwrap(),
        "--api",
        api,
    ]);
    assert_eq!(out.code, 2, "{out:?}");
    assert!(out.stderr.contains("events.0.params"), "{}", out.stderr);
}

#[test]
fn jobs_lists_submissions_and_a_failed_job_exits_1() {
    let data = qe_tests::reference_data_root();
    let server = spawn_server(&[], &[("QE_DATA_ROOT", data.path().to_str().unwrap())]);
    let api = server.base.as_str();
    let dir = tempfile::tempdir().unwrap();
    // A spec whose data file does not exist under the data root: accepted, then the job fails.
    let mut spec = qe_tests::reference_spec("submit_local.json");
    spec["data"]["dataset_path"] = "specs/examples/data/missing.json".into();
    let path = dir.path().join("spec.json");
    std::fs::write(&path, spec.to_string()).unwrap();

    let out = qe(&[
        "submit",
        "--spec",
        path.to_str().unwrap(),
        "--wait",
        "--quiet",
        "--api",
        api,
    ]);
    assert_eq!(out.code, 1, "{out:?}");
    assert!(out.stderr.contains("failed"), "{}", out.stderr);

    let plain = qe(&["submit", "--spec", path.to_str().unwrap(), "--api", api]);
    assert_eq!(plain.code, 0, "{}", plain.stderr);
    let id = plain.stdout.trim().to_string();
    assert!(
        id.len() == 32 && id.chars().all(|c| c.is_ascii_hexdigit()),
        "the id alone on stdout: {id:?}"
    );

    let jobs = qe(&["jobs", "--kind", "optimize", "--api", api]);
    assert_eq!(jobs.code, 0);
    assert!(jobs.stdout.contains(&id), "{}", jobs.stdout);
    let rows: Value = serde_json::from_str(&qe(&["jobs", "--json", "--api", api]).stdout).unwrap();
    assert_eq!(rows.as_array().unwrap().len(), 2);

    // Cancelling an unknown job is an error (exit 1) that says so.
    let cancel = qe(&["cancel", "nope", "--api", api]);
    assert_eq!(cancel.code, 1);
    assert!(cancel.stderr.contains("not found"), "{}", cancel.stderr);
}

#[test]
fn a_token_protected_server_needs_qe_api_token() {
    let server = spawn_server(&[], &[("QE_API_TOKEN", "s3cret")]);
    let api = server.base.as_str();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("spec.json");
    std::fs::write(&path, qe_tests::reference_spec("submit_local.json").to_string()).unwrap();
    let denied = qe(&["submit", "--spec", path.to_str().unwrap(), "--api", api]);
    assert_eq!(denied.code, 1);
    assert!(denied.stderr.contains("QE_API_TOKEN"), "{}", denied.stderr);
    let allowed = cli_support::qe_env(
        &["submit", "--spec", path.to_str().unwrap(), "--api", api],
        &[("QE_API_TOKEN", "s3cret")],
    );
    assert_eq!(allowed.code, 0, "{}", allowed.stderr);
}
