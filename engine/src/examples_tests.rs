use super::*;
use crate::jobs::JobSpec;

fn specs_dir() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../specs")
}

#[test]
fn the_embedded_examples_are_exactly_the_specs_folder() {
    let on_disk = read_dir(&specs_dir());
    assert!(on_disk.len() >= 12, "{} specs found", on_disk.len());
    assert_eq!(
        embedded(),
        on_disk,
        "specs/*.json and examples::EMBEDDED differ: list every file there"
    );
}

#[test]
fn every_example_parses_as_its_kind() {
    for ex in embedded() {
        let value: serde_json::Value = serde_json::from_str(&ex.text).unwrap_or_else(|e| panic!("{}: {e}", ex.name));
        let spec = JobSpec::parse(ex.kind, value).unwrap_or_else(|e| panic!("{}: {e}", ex.name));
        assert_eq!(spec.kind(), ex.kind, "{}", ex.name);
    }
}

/// The wire types that describe the request bodies in `/openapi.json` accept every example as sent, and refuse
/// the shapes the parser refuses (a dimension that is neither a list nor a range, a missing `strategy`).
#[test]
fn every_example_fits_the_documented_request_shape_of_its_kind() {
    use model::spec::{experiment::ExperimentRequest, seasonality::SeasonalitySpec, stats::RawSpec};
    for ex in embedded() {
        let fits = match ex.kind {
            JobKind::Optimize => serde_json::from_str::<ExperimentRequest>(&ex.text).map(drop),
            JobKind::Stats => serde_json::from_str::<RawSpec>(&ex.text).map(drop),
            JobKind::Seasonality | JobKind::SeasonalityOptimize => {
                serde_json::from_str::<SeasonalitySpec>(&ex.text).map(drop)
            }
        };
        fits.unwrap_or_else(|e| panic!("{}: {e}", ex.name));
    }
    let submit = embedded()
        .into_iter()
        .find(|e| e.name == "submit_local")
        .expect("submit_local");
    let mut v: serde_json::Value = serde_json::from_str(&submit.text).unwrap();
    v["strategy"]["search_space"]["ema_fast"] = serde_json::json!("fast");
    assert!(serde_json::from_value::<ExperimentRequest>(v.clone()).is_err());
    assert!(
        JobSpec::parse(JobKind::Optimize, v).is_err(),
        "the parser refuses it too"
    );
    let range: model::spec::experiment::Dimension =
        serde_json::from_str(r#"{"low": 5, "high": 20, "step": 5}"#).unwrap();
    assert_eq!(
        range,
        model::spec::experiment::Dimension::Range {
            low: 5.0,
            high: 20.0,
            step: Some(5.0)
        }
    );
}

#[test]
fn kinds_and_mysql_needs_follow_the_file_names_and_data_blocks() {
    let ex = embedded();
    let get = |n: &str| ex.iter().find(|e| e.name == n).unwrap_or_else(|| panic!("{n} missing"));
    assert_eq!(get("submit_local").kind, JobKind::Optimize);
    assert_eq!(get("stats_run").kind, JobKind::Stats);
    assert_eq!(get("seasonality_run").kind, JobKind::Seasonality);
    assert_eq!(get("seasonality_optimize").kind, JobKind::SeasonalityOptimize);
    for e in &ex {
        assert_eq!(e.needs_mysql, e.name.ends_with("_mysql"), "{}", e.name);
    }
}

#[test]
fn a_user_folder_adds_examples_and_replaces_same_named_ones() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("stats_run.json"), r#"{"mine": true}"#).unwrap();
    std::fs::write(
        dir.path().join("my_sweep.json"),
        r#"{"data": {"mysql": {"table": "t"}}}"#,
    )
    .unwrap();
    std::fs::write(dir.path().join("notes.txt"), "not a spec").unwrap();
    let all = all(Some(dir.path()));
    assert_eq!(all.len(), embedded().len() + 1);
    let stats = all.iter().find(|e| e.name == "stats_run").unwrap();
    assert_eq!(stats.text, r#"{"mine": true}"#);
    let mine = all.iter().find(|e| e.name == "my_sweep").unwrap();
    assert!(mine.needs_mysql);
    assert_eq!(mine.kind, JobKind::Optimize);
    assert!(all.windows(2).all(|w| w[0].name < w[1].name), "sorted by name");
    assert_eq!(read_dir(Path::new("/nonexistent-qe-specs")), vec![]);
}

#[test]
fn the_sample_bars_are_written_once_where_the_original_specs_read_them() {
    let root = tempfile::tempdir().unwrap();
    let written = write_sample_bars(root.path()).unwrap().expect("written");
    assert_eq!(written, root.path().join(SAMPLE_BARS_PATH));
    assert_eq!(std::fs::read_to_string(&written).unwrap(), SAMPLE_BARS);
    std::fs::write(&written, "[]").unwrap();
    assert_eq!(
        write_sample_bars(root.path()).unwrap(),
        None,
        "an existing file is kept"
    );
    assert_eq!(std::fs::read_to_string(&written).unwrap(), "[]");
    let bars: Vec<serde_json::Value> = serde_json::from_str(SAMPLE_BARS).unwrap();
    assert_eq!(bars.len(), 10);
}
