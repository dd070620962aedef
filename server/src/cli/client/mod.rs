//! Client commands: they speak HTTP to a running `qe serve` (`--api URL` / `QE_API_URL`, default
//! `http://127.0.0.1:3000`; `QE_API_TOKEN` sent as a bearer token). One file per command group.

pub mod events;
pub mod http;
pub mod jobs;
pub mod overfitting;
pub mod run_plot;
pub mod runs;
pub mod seasonality;
pub mod stats;
pub mod submit;

pub use http::{Api, ClientArgs};
