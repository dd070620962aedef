//! Market data: the columnar bar series and the ways to obtain it.

mod bars;
pub mod synth;
pub mod write;

pub use bars::Bars;
