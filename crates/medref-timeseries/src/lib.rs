//! medref-timeseries (being written).
