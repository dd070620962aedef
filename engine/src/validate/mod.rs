//! Validation schemes: which bars each fold trains and tests on.

mod walk_forward;

pub use walk_forward::{walk_forward, Fold, WalkForward};
