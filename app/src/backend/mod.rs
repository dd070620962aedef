//! Server-side bodies of the server functions (compiled with `ssr` only): store reads shaped into view types.

pub mod runs;
pub mod seasonality;
pub mod stats;
pub mod trial;
