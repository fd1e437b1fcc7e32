//! Time-series and segmentation metrics (being written).
