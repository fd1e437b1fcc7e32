//! Defaults of optional keys, named so serde's `default = "..."` can find
//! them; public because the formats' `[data]` sections, which live beside
//! their readers, share the common ones (fractions, `yes`).

use super::*;

pub fn default_label_column() -> String {
    "label".into()
}
pub fn default_id_column() -> String {
    "id".into()
}
pub fn default_fraction() -> f64 {
    0.15
}
pub fn default_dna_channels() -> Vec<usize> {
    vec![64, 64]
}
pub fn default_dna_kernels() -> Vec<usize> {
    vec![19, 7]
}
pub fn default_dna_pools() -> Vec<usize> {
    vec![4, 1]
}
pub fn default_dna_hidden() -> usize {
    64
}
pub fn default_dna_dropout() -> f64 {
    0.2
}
pub fn default_global_pool() -> GlobalPool {
    GlobalPool::Max
}
pub fn default_subject_fraction() -> f64 {
    0.2
}
pub fn default_signal_channels() -> Vec<usize> {
    vec![32, 64]
}
pub fn default_signal_kernels() -> Vec<usize> {
    vec![7, 5]
}
pub fn default_tcn_channels() -> usize {
    64
}
pub fn default_tcn_layers() -> usize {
    6
}
pub fn default_tcn_stages() -> usize {
    2
}
pub fn default_tcn_kernel() -> usize {
    3
}
pub fn default_tcn_smoothing() -> f64 {
    0.15
}
pub fn default_false_alarms_per_hour() -> f64 {
    1.0
}
pub fn default_mlp_hidden() -> Vec<usize> {
    vec![64]
}
pub fn yes() -> bool {
    true
}
pub fn one() -> usize {
    1
}
pub fn default_width() -> usize {
    16
}
pub fn default_stages() -> usize {
    3
}
pub fn default_dropout() -> f64 {
    0.1
}
pub fn default_epochs() -> usize {
    20
}
pub fn default_batch_size() -> usize {
    64
}
pub fn default_optimizer() -> OptimizerKind {
    OptimizerKind::Adamw
}
pub fn default_lr() -> f64 {
    1e-3
}
pub fn default_weight_decay() -> f64 {
    1e-4
}
pub fn default_schedule() -> ScheduleKind {
    ScheduleKind::Cosine
}
pub fn default_step_epochs() -> usize {
    10
}
pub fn default_step_gamma() -> f64 {
    0.1
}
pub fn default_patience() -> usize {
    5
}
pub fn default_monitor() -> Monitor {
    Monitor::Auroc
}
pub fn default_class_weights() -> ClassWeights {
    ClassWeights::None
}
pub fn default_bootstrap() -> usize {
    1000
}
pub fn default_threshold() -> f64 {
    0.5
}
pub fn default_ece_bins() -> usize {
    15
}
