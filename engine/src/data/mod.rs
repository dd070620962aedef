//! Market data: the columnar bar series and the ways to obtain it (files, MySQL), validate it, inspect it and
//! resample it.

mod bars;
mod csv_fast;
pub mod error;
mod file;
pub mod inspect;
mod labels;
mod load;
pub mod mysql;
mod resample;
pub mod synth;
mod table;
pub mod timeframe;
pub mod timestamps;
pub mod write;

pub use bars::Bars;
pub use error::DataError;
pub use file::{Format, TS_ALIASES};
pub use inspect::{inspect, inspect_file, Report};
pub use labels::Labels;
pub use load::{load, load_file, resolve_path, time_range, LoadOptions};
pub use resample::resample;
pub use table::{BadRow, Duplicate};
pub use timeframe::Timeframe;

#[cfg(test)]
mod load_tests;
#[cfg(test)]
mod mysql_tests;
