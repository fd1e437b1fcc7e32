//! medref-stats: models that are convex problems, fitted to a stated
//! gradient tolerance instead of by minibatch gradient descent, and the
//! estimators and metrics of survival analysis. No burn: these are small
//! dense problems that a Newton or L-BFGS solver finishes in milliseconds,
//! deterministically, and that scikit-learn and lifelines solve the same way.

pub mod glm;
pub mod lasso;
pub mod survival;
