//! The seasonality job spec (reference §1.4–1.6). Filled in by its issue's work.
