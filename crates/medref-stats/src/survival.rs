//! Survival analysis: Kaplan-Meier, Cox proportional hazards, Breslow baseline hazard, survival metrics (filled in by the survival work).
