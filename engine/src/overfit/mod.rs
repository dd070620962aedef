//! Overfitting measured on every optimisation: per-block sums of each trial's out-of-sample returns
//! ([`blocks`]), the probability of backtest overfitting by CSCV ([`cscv`]), the deflated Sharpe ratio
//! ([`deflated`]) with the effective number of trials ([`neff`]), and the shape of the optimum ([`robust`]).

pub mod blocks;
pub mod cscv;
pub mod deflated;
pub mod neff;
pub mod robust;

pub use blocks::{BlockLayout, BlockSink, BlockSums};
