//! Indicators over contiguous price slices, defined exactly as the original engine (§2.1).

mod indicators;

pub use indicators::{atr, ema, rolling_mean, true_range};
