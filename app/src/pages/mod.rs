//! One module per page (and per panel of the run page).

mod job;
mod job_tasks;
mod leaderboard;
mod overview;
mod run_charts;
mod run_detail;
mod run_overfitting;
mod runs;
mod seasonality;
mod seasonality_trials;
mod signin;
mod stability;
mod stats;
mod submit;
mod trial;

#[cfg(feature = "ssr")]
pub use job::result_href;
pub use job::{fraction, Job};
pub use overview::Overview;
pub use run_detail::RunDetail;
pub use runs::Runs;
pub use seasonality::Seasonality;
pub use signin::SignIn;
pub use stats::Stats;
pub use submit::Submit;
pub use trial::Trial;

use leptos::prelude::*;

/// Any unknown path.
#[component]
pub fn NotFound() -> impl IntoView {
    view! { <h1>"Not found"</h1><p>"There is no page at this address. " <a href="/">"Back to the overview"</a></p> }
}
