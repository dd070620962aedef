//! `qe runs show ID` after a real walk-forward optimisation on a spawned `qe serve`: the table names the
//! parameters every fold chose and the best trial's, as the API reports them; `--json` stays `GET /runs/{id}`.

mod cli_support;

use cli_support::qe;
use qe_tests::spawn_server;
use serde_json::{json, Value};

fn get(base: &str, path: &str) -> Value {
    reqwest::blocking::get(format!("{base}{path}")).unwrap().json().unwrap()
}

/// A parameter value as the table prints it (the searched values here are whole numbers).
fn shown(v: &Value) -> String {
    match v {
        Value::Null => "-".into(),
        other => other
            .as_f64()
            .map(|x| format!("{}", x as i64))
            .unwrap_or_else(|| other.to_string()),
    }
}

#[test]
fn runs_show_prints_each_folds_chosen_parameters_and_the_best_trials() {
    let data = tempfile::tempdir().unwrap();
    qe_tests::synth(data.path(), 150);
    let server = spawn_server(&[], &[("QE_DATA_ROOT", data.path().to_str().unwrap())]);
    let spec = json!({
        "data": {"dataset_path": "demo.csv", "symbols": ["EURUSD"], "start": "2024-01-01", "end": "2024-05-31"},
        "strategy": {
            "filters": {"ema_fast": 9, "ema_slow": 26}, "tpsl": {"atr_k": 2.0},
            "validation": {"train_months": 1, "test_months": 1, "folds": 3, "embargo_days": 0},
            "objective": "sharpe",
            "search_space": {"ema_fast": [5, 8, 12, 20], "ema_slow": [30, 60, 90], "R": [1, 2, 3]}
        }
    });
    let res = reqwest::blocking::Client::new()
        .post(format!("{}/submit", server.base))
        .json(&spec)
        .send()
        .unwrap();
    assert_eq!(res.status(), 200);
    let id = res.json::<Value>().unwrap()["id"].as_str().unwrap().to_string();
    let result = get(&server.base, &format!("/result/{id}"))["result"].clone();
    let folds = result["walk_forward"]["folds"].as_array().unwrap().clone();
    assert_eq!(folds.len(), 3, "{result}");
    assert_eq!(result["in_sample_selection"], false);

    // The API's own view of each choice agrees with its stored trials (the params of that trial number).
    let trials = get(&server.base, &format!("/runs/{id}/trials?page_size=500"));
    let stored = |n: &Value| -> Value {
        let row = trials
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["trial_number"] == *n)
            .expect("stored trial");
        serde_json::from_str(row["params_json"].as_str().unwrap()).unwrap()
    };

    let show = qe(&["runs", "show", &id, "--api", &server.base]);
    assert_eq!(show.code, 0, "{}", show.stderr);
    let lines: Vec<Vec<&str>> = show.stdout.lines().map(|l| l.split_whitespace().collect()).collect();
    let at = lines
        .iter()
        .position(|l| l == &["chosen", "parameters"])
        .unwrap_or_else(|| panic!("{}", show.stdout));
    assert_eq!(
        lines[at + 1],
        ["fold", "trial", "ema_fast", "ema_slow", "R", "train", "test"],
        "{}",
        show.stdout
    );
    let row_of = |label: &str| -> &Vec<&str> {
        lines[at + 3..]
            .iter()
            .find(|l| l.first() == Some(&label))
            .unwrap_or_else(|| panic!("no row {label}: {}", show.stdout))
    };
    for f in &folds {
        let row = row_of(&f["fold"].to_string());
        let p = &f["params"];
        assert!(p.is_object(), "every fold chose a trial here: {f}");
        assert_eq!(stored(&f["trial_number"]), *p);
        let want = [
            f["trial_number"].to_string(),
            shown(&p["ema_fast"]),
            shown(&p["ema_slow"]),
            shown(&p["R"]),
        ];
        assert_eq!(row[1..5], want, "fold {}: {}", f["fold"], show.stdout);
        let test = format!("{}..", f["test_start"].as_str().unwrap().trim_end_matches("T00:00:00Z"));
        assert!(row[6].starts_with(&test), "{}: {}", row[6], show.stdout);
    }
    let best = &result["best"];
    assert_eq!(stored(&best["trial_number"]), best["params"]);
    let want = [
        best["trial_number"].to_string(),
        shown(&best["params"]["ema_fast"]),
        shown(&best["params"]["ema_slow"]),
        shown(&best["params"]["R"]),
    ];
    assert_eq!(row_of("best")[1..5], want, "{}", show.stdout);
    assert!(
        show.stdout.contains("aggregated metrics"),
        "the metrics stay: {}",
        show.stdout
    );

    // --json is the API's `GET /runs/{id}` body, unchanged.
    let json = qe(&["runs", "show", &id, "--json", "--api", &server.base]);
    assert_eq!(json.code, 0, "{}", json.stderr);
    let printed: Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(printed, get(&server.base, &format!("/runs/{id}")));
    assert!(!json.stdout.contains("chosen parameters"));
}
