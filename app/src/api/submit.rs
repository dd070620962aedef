//! The submit page's examples, and where each kind of job is posted.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// An example spec to start from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SpecExample {
    /// File name without `.json`.
    pub name: String,
    /// `optimize`, `stats` or `seasonality`.
    pub kind: String,
    pub text: String,
}

/// The job kinds the page can submit: (kind, label, endpoint).
pub const KINDS: [(&str, &str, &str); 4] = [
    ("optimize", "Optimisation", "/submit"),
    ("stats", "Market stats", "/stats/run"),
    ("seasonality", "Seasonality run", "/seasonality/run"),
    (
        "seasonality_optimize",
        "Seasonality optimisation",
        "/seasonality/optimize",
    ),
];

/// The endpoint a kind posts to (`/submit` for anything unknown).
pub fn endpoint(kind: &str) -> &'static str {
    KINDS.iter().find(|k| k.0 == kind).map(|k| k.2).unwrap_or("/submit")
}

/// The kind of an example from its file name.
pub fn kind_of(name: &str) -> &'static str {
    if name.starts_with("stats") {
        "stats"
    } else if name.starts_with("seasonality_optimize") {
        "seasonality_optimize"
    } else if name.starts_with("seasonality") {
        "seasonality"
    } else {
        "optimize"
    }
}

/// The example specs, read at request time from `QE_REFERENCE_SPECS` (default `/work/shared/reference/specs`).
#[server]
pub async fn list_spec_examples() -> Result<Vec<SpecExample>, ServerFnError> {
    let dir = std::env::var("QE_REFERENCE_SPECS")
        .ok()
        .filter(|d| !d.trim().is_empty())
        .unwrap_or_else(|| "/work/shared/reference/specs".into());
    Ok(read_examples(std::path::Path::new(&dir)))
}

/// Every `*.json` file directly in `dir`, by name; an unreadable directory gives none.
#[cfg(feature = "ssr")]
pub fn read_examples(dir: &std::path::Path) -> Vec<SpecExample> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut out: Vec<SpecExample> = entries
        .flatten()
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().strip_suffix(".json")?.to_string();
            let text = std::fs::read_to_string(e.path()).ok()?;
            Some(SpecExample {
                kind: kind_of(&name).to_string(),
                name,
                text,
            })
        })
        .collect();
    out.sort_by(|a, b| a.name.cmp(&b.name));
    out
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::*;

    #[test]
    fn the_reference_examples_load_with_their_kinds() {
        let ex = read_examples(std::path::Path::new("/work/shared/reference/specs"));
        let names: Vec<&str> = ex.iter().map(|e| e.name.as_str()).collect();
        assert!(
            names.contains(&"submit_local") && names.contains(&"stats_run"),
            "{names:?}"
        );
        let kind = |n: &str| ex.iter().find(|e| e.name == n).map(|e| e.kind.clone());
        assert_eq!(kind("stats_run").as_deref(), Some("stats"));
        assert_eq!(kind("seasonality_optimize").as_deref(), Some("seasonality_optimize"));
        assert_eq!(kind("submit_local").as_deref(), Some("optimize"));
        assert!(ex
            .iter()
            .all(|e| serde_json::from_str::<serde_json::Value>(&e.text).is_ok()));
        assert!(read_examples(std::path::Path::new("/nonexistent")).is_empty());
        assert_eq!(endpoint("stats"), "/stats/run");
    }
}
