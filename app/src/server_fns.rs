//! What every feature's server functions share: the request's database, errors as server-function errors, and
//! blank arguments read as unset.

/// The database handed to every request by `qe serve`.
pub fn store() -> Result<engine::store::Store, leptos::prelude::ServerFnError> {
    leptos::prelude::use_context::<engine::store::Store>()
        .ok_or_else(|| leptos::prelude::ServerFnError::new("no database in context"))
}

/// Any error as a server-function error with its message.
pub fn fail(e: impl std::fmt::Display) -> leptos::prelude::ServerFnError {
    leptos::prelude::ServerFnError::new(e.to_string())
}

/// An empty or blank text means "not set" (form selects send "" for "all").
pub fn non_empty(v: Option<String>) -> Option<String> {
    v.map(|s| s.trim().to_string()).filter(|s| !s.is_empty())
}
