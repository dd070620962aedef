//! The Quant Engine library: market data, computations, jobs and storage.
//! Every computation runs per symbol on a [`data::Bars`] series.

pub mod alloc;
pub mod backtest;
pub mod bench;
pub mod data;
pub mod equity;
pub mod examples;
pub mod features;
pub mod jobs;
pub mod optimize;
pub mod overfit;
pub mod seasonality;
pub mod stats;
pub mod store;
pub mod time;
pub mod validate;
