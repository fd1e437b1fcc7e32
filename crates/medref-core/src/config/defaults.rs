//! Defaults of optional keys, named so serde's `default = "..."` can find them.

use super::*;


pub(super) fn default_sequence_column() -> String {
    "sequence".into()
}
pub(super) fn default_label_column() -> String {
    "label".into()
}
pub(super) fn default_id_column() -> String {
    "id".into()
}
pub(super) fn default_bed_label_column() -> usize {
    4
}
pub(super) fn default_split() -> SplitKind {
    SplitKind::Stratified
}
pub(super) fn default_fraction() -> f64 {
    0.15
}
pub(super) fn default_dna_channels() -> Vec<usize> {
    vec![64, 64]
}
pub(super) fn default_dna_kernels() -> Vec<usize> {
    vec![19, 7]
}
pub(super) fn default_dna_pools() -> Vec<usize> {
    vec![4, 1]
}
pub(super) fn default_dna_hidden() -> usize {
    64
}
pub(super) fn default_dna_dropout() -> f64 {
    0.2
}
pub(super) fn default_global_pool() -> GlobalPool {
    GlobalPool::Max
}
pub(super) fn default_timestamp_column() -> String {
    "timestamp".into()
}
pub(super) fn default_subject_column() -> String {
    "subject".into()
}
pub(super) fn default_seconds_per_unit() -> f64 {
    1.0
}
pub(super) fn default_window() -> usize {
    50
}
pub(super) fn default_stride() -> usize {
    25
}
pub(super) fn default_label_rule() -> String {
    "majority".into()
}
pub(super) fn default_subject_fraction() -> f64 {
    0.2
}
pub(super) fn default_signal_channels() -> Vec<usize> {
    vec![32, 64]
}
pub(super) fn default_signal_kernels() -> Vec<usize> {
    vec![7, 5]
}
pub(super) fn default_tcn_channels() -> usize {
    64
}
pub(super) fn default_tcn_layers() -> usize {
    6
}
pub(super) fn default_tcn_stages() -> usize {
    2
}
pub(super) fn default_tcn_kernel() -> usize {
    3
}
pub(super) fn default_tcn_smoothing() -> f64 {
    0.15
}
pub(super) fn default_false_alarms_per_hour() -> f64 {
    1.0
}
pub(super) fn default_task() -> Task {
    Task::Classification
}
pub(super) fn default_molecule_task() -> Task {
    Task::Regression
}
pub(super) fn default_smiles_field() -> String {
    "smiles".into()
}
pub(super) fn default_radius() -> usize {
    2
}
pub(super) fn default_n_bits() -> usize {
    2048
}
pub(super) fn default_molecule_split() -> MoleculeSplit {
    MoleculeSplit::BalancedScaffold
}
pub(super) fn default_mlp_hidden() -> Vec<usize> {
    vec![64]
}
pub(super) fn yes() -> bool {
    true
}
pub(super) fn one() -> usize {
    1
}
pub(super) fn default_width() -> usize {
    16
}
pub(super) fn default_stages() -> usize {
    3
}
pub(super) fn default_dropout() -> f64 {
    0.1
}
pub(super) fn default_epochs() -> usize {
    20
}
pub(super) fn default_batch_size() -> usize {
    64
}
pub(super) fn default_optimizer() -> OptimizerKind {
    OptimizerKind::Adamw
}
pub(super) fn default_lr() -> f64 {
    1e-3
}
pub(super) fn default_weight_decay() -> f64 {
    1e-4
}
pub(super) fn default_schedule() -> ScheduleKind {
    ScheduleKind::Cosine
}
pub(super) fn default_step_epochs() -> usize {
    10
}
pub(super) fn default_step_gamma() -> f64 {
    0.1
}
pub(super) fn default_patience() -> usize {
    5
}
pub(super) fn default_monitor() -> Monitor {
    Monitor::Auroc
}
pub(super) fn default_class_weights() -> ClassWeights {
    ClassWeights::None
}
pub(super) fn default_bootstrap() -> usize {
    1000
}
pub(super) fn default_threshold() -> f64 {
    0.5
}
pub(super) fn default_ece_bins() -> usize {
    15
}
