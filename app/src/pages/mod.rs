//! One module per page.

mod overview;
mod placeholders;

pub use overview::Overview;
pub use placeholders::{NotFound, Runs, Seasonality, Stats, Submit};
