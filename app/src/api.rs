//! Server functions: the dashboard's reads, answered from `engine::store` on the server.

use leptos::prelude::*;
use model::Overview;

/// Datasets and run counts for the overview page.
#[server]
pub async fn get_overview() -> Result<Overview, ServerFnError> {
    let store = use_context::<engine::store::Store>().ok_or_else(|| ServerFnError::new("no database in context"))?;
    engine::store::datasets::overview(&store)
        .await
        .map_err(|e| ServerFnError::new(e.to_string()))
}
