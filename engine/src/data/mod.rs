//! Market data: the columnar bar series and the ways to obtain it (files, MySQL), validate it, inspect it and
//! resample it.

mod bars;
pub mod binance;
pub mod conform;
mod csv_fast;
pub mod error;
mod file;
mod guard;
pub mod inspect;
mod labels;
mod load;
pub mod mysql;
mod resample;
pub mod sources;
pub mod synth;
mod table;
pub mod timeframe;
pub mod timestamps;
pub mod write;

pub use bars::Bars;
pub use error::DataError;
pub use file::{Format, SessionColumn, TS_ALIASES};
pub use guard::MAX_LINE_BYTES;
pub use inspect::{inspect, inspect_file, Report};
pub use labels::Labels;
pub use load::{load, load_file, resolve_path, time_range, LoadOptions};
pub use resample::resample;
pub use sources::{AllowedSources, SourcePolicy};
pub use table::{BadRow, Duplicate};
pub use timeframe::Timeframe;

#[cfg(test)]
mod load_tests;
#[cfg(test)]
mod mysql_tests;
