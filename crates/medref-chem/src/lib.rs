//! Molecules for the drug domain.
