//! Server functions: the dashboard's reads, answered on the server from the same `engine::store` queries as the
//! JSON API, and the view types they return (shared with the browser).

pub mod auth;
pub mod overview;
pub mod runs;
pub mod seasonality;
pub mod stats;
pub mod submit;
pub mod tasks;
pub mod trial;

/// The database handed to every request by `qe serve`.
#[cfg(feature = "ssr")]
pub(crate) fn store() -> Result<engine::store::Store, leptos::prelude::ServerFnError> {
    leptos::prelude::use_context::<engine::store::Store>()
        .ok_or_else(|| leptos::prelude::ServerFnError::new("no database in context"))
}

/// Any error as a server-function error with its message.
#[cfg(feature = "ssr")]
pub(crate) fn fail(e: impl std::fmt::Display) -> leptos::prelude::ServerFnError {
    leptos::prelude::ServerFnError::new(e.to_string())
}

/// An empty or blank text means "not set" (form selects send "" for "all").
pub fn non_empty(v: Option<String>) -> Option<String> {
    v.map(|s| s.trim().to_string()).filter(|s| !s.is_empty())
}
