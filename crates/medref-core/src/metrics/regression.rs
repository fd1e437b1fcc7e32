//! Regression metrics (being written).
