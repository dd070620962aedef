//! Typed models shared by the server and the browser. Serde only, no I/O, so this
//! crate compiles for both the native server and the wasm32 frontend.

pub mod api;
pub mod dataset;
pub mod dim;
pub mod jobs;
pub mod overfitting;
pub mod results;
pub mod runs;
pub mod seasonality;
pub mod spec;
pub mod stats;
pub mod tasks;
pub mod time;
pub mod trial;

pub use api::{ApiError, Health, LocPart, ValidationError, ValidationItem};
pub use dataset::{DatasetRow, Overview};
