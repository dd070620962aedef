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
    /// The spec reads a MySQL marketdata database, which the demo set-up lacks.
    pub needs_mysql: bool,
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

/// The example specs: those built into the binary (the repo's `specs/`), plus a user's own folder
/// (`QE_SPECS_DIR`, whose files replace same-named built-in ones).
#[server]
pub async fn list_spec_examples() -> Result<Vec<SpecExample>, ServerFnError> {
    Ok(engine::examples::from_env()
        .into_iter()
        .map(SpecExample::from)
        .collect())
}

#[cfg(feature = "ssr")]
impl From<engine::examples::Example> for SpecExample {
    fn from(e: engine::examples::Example) -> Self {
        SpecExample {
            name: e.name,
            kind: e.kind.as_str().to_string(),
            text: e.text,
            needs_mysql: e.needs_mysql,
        }
    }
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::*;

    #[test]
    fn every_example_posts_to_its_kinds_endpoint() {
        let ex: Vec<SpecExample> = engine::examples::embedded()
            .into_iter()
            .map(SpecExample::from)
            .collect();
        let endpoint_of = |n: &str| ex.iter().find(|e| e.name == n).map(|e| endpoint(&e.kind));
        assert_eq!(endpoint_of("stats_run"), Some("/stats/run"));
        assert_eq!(endpoint_of("seasonality_optimize"), Some("/seasonality/optimize"));
        assert_eq!(endpoint_of("seasonality_run"), Some("/seasonality/run"));
        assert_eq!(endpoint_of("submit_local"), Some("/submit"));
        assert!(
            ex.iter().all(|e| KINDS.iter().any(|k| k.0 == e.kind)),
            "every kind is offered"
        );
        assert!(ex.iter().any(|e| e.needs_mysql) && ex.iter().any(|e| !e.needs_mysql));
    }
}
