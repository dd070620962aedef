//! Seasonality profiles, bin selection, signals, optimisation and comparison (issue 6).
