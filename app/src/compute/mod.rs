//! Server-side shaping of stored rows into what the pages show (charts, grids); pure functions, unit-tested.

pub mod overfitting;
pub mod params;
pub mod runs;
pub mod search;
pub mod seasonality;
pub mod stats;
