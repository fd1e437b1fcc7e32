//! Logistic and linear regression as convex problems (filled in by the GLM work).
