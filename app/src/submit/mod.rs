//! The submit page's example specs.

pub mod page;

use leptos::prelude::*;
use model::jobs::JobKind;
use serde::{Deserialize, Serialize};

/// An example spec to start from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SpecExample {
    /// File name without `.json`.
    pub name: String,
    pub kind: JobKind,
    pub text: String,
    /// The spec reads a MySQL marketdata database, which the demo set-up lacks.
    pub needs_mysql: bool,
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
            kind: e.kind,
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
        let endpoint_of = |n: &str| ex.iter().find(|e| e.name == n).map(|e| e.kind.endpoint());
        assert_eq!(endpoint_of("stats_run"), Some("/stats/run"));
        assert_eq!(endpoint_of("seasonality_optimize"), Some("/seasonality/optimize"));
        assert_eq!(endpoint_of("seasonality_run"), Some("/seasonality/run"));
        assert_eq!(endpoint_of("submit_local"), Some("/submit"));
        assert!(
            JobKind::ALL.iter().all(|k| ex.iter().any(|e| e.kind == *k)),
            "an example of every kind"
        );
        assert!(ex.iter().any(|e| e.needs_mysql) && ex.iter().any(|e| !e.needs_mysql));
    }
}
