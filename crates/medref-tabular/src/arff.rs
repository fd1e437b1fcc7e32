//! ARFF reader (being written).
