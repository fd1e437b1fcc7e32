//! Tree ensembles on tables and molecule fingerprints: `kind =
//! "random_forest"` and `kind = "gradient_boosting"` (`medref-trees`),
//! fitted directly (no epochs) on the same preprocessed rows, splits and
//! run directory as the tables baseline's linear models and MLPs.
//!
//! The fitted trees are saved as `trees.json` (format `medref-trees/1`,
//! documented in `medref_trees::export`; thresholds apply to the features
//! after `preprocess.json`), which `eval` and `predict` read back and
//! `scripts/trees_predict.py` reads with numpy. Beside the tables' files
//! the run writes `model_importance.csv`, the model's own importance (MDI
//! for a forest, split gain for boosting), next to the permutation
//! importance of `feature_importance.csv`.
//!
//! A format keeps one baseline, so [`TablesOrTrees`] is the registry's
//! runner for the table and molecule formats: it hands tree kinds to
//! [`TreeTables`] (through [`Trees`], the same format with this baseline)
//! and every other kind to the tables baseline.

use crate::tables::{importance_csv, permutation_importance, Tables, TabularExamples};
use burn::prelude::*;
use medref_core::config::{
    Config, DataConfig, GradientBoostingConfig, MaxFeaturesSetting, ModelConfig, RandomForestConfig, Task,
};
use medref_core::fsutil::write_atomic;
use medref_tabular::TabularDataset;
use medref_train::evaluate::Metrics;
use medref_train::fit::Progress;
use medref_train::run::{self, DataSummary, TrainOutcome, TrainRequest};
use medref_train::Prediction;
use medref_train::{
    Baseline, DataFormat, DataShape, DeviceChoice, DirectFit, ModelMeta, Network, RunInfo, Runner, Targets, TrainError,
    Trained,
};
use medref_trees::{
    BoostingParams, Ensemble, EnsembleFile, Features, ForestParams, GradientBoosting, Link, MaxFeatures, RandomForest,
    Target,
};
use std::marker::PhantomData;
use std::path::Path;
use std::sync::Arc;

/// The saved model's file in the run directory.
pub const TREES_FILE: &str = "trees.json";

/// A fitted ensemble as a network the run can score: logits `[batch,
/// n_outputs]` whose softmax (classes) is the ensemble's probabilities, or
/// the regression prediction in the run's standardised units. It has no
/// tensors; the trees live in `trees.json`.
#[derive(Module, Debug)]
pub struct TreeNet {
    #[module(skip)]
    fitted: Option<Arc<FittedTrees>>,
}

/// The ensemble and how its predictions become the run's logits.
#[derive(Debug)]
struct FittedTrees {
    file: EnsembleFile,
    /// Regression: the training target's mean and standard deviation.
    standardise: Option<(f64, f64)>,
}

impl TreeNet {
    fn empty() -> Self {
        Self { fitted: None }
    }

    /// The saved model, for `trees.json`.
    pub fn file(&self) -> Option<&EnsembleFile> {
        self.fitted.as_ref().map(|f| &f.file)
    }
}

impl Network for TreeNet {
    type Input = Tensor<2>;
    fn logits(&self, input: Tensor<2>) -> Tensor<2> {
        let [n, p] = input.dims();
        let device = input.device();
        let x: Vec<f32> = input.into_data().try_into_vec().expect("table features are f32");
        let fitted = self.fitted.as_ref().expect("a tree model is fitted or loaded before it predicts");
        let ensemble = &fitted.file.ensemble;
        let features = Features { x: &x, n_rows: n, n_features: p };
        let (values, k): (Vec<f32>, usize) = match (ensemble.link, fitted.standardise) {
            // Regression: the loop's units are standardised.
            (Link::Identity, Some((mean, std))) => {
                (ensemble.predict(features).iter().map(|v| ((v - mean) / std) as f32).collect(), 1)
            }
            // A forest's probabilities: softmax of their logs gives them back.
            (Link::Identity, None) => {
                (ensemble.predict(features).iter().map(|p| p.max(1e-30).ln() as f32).collect(), ensemble.n_outputs)
            }
            // Binary boosting: softmax of [0, z] is sigmoid(z).
            (Link::Sigmoid, _) => (ensemble.raw(features).iter().flat_map(|&z| [0.0, z as f32]).collect(), 2),
            (Link::Softmax, _) => (ensemble.raw(features).iter().map(|&z| z as f32).collect(), ensemble.n_outputs),
        };
        Tensor::from_data(TensorData::new(values, [n, k]), &device)
    }
}

/// Random forests and gradient boosting on `[batch, n_features]` rows.
pub struct TreeTables;

impl Baseline for TreeTables {
    type Data = TabularDataset;
    type Model = TreeNet;
    type Split<'a> = TabularExamples<'a>;
    const MODEL_KINDS: &'static [&'static str] = &["random_forest", "gradient_boosting"];
    const MODEL_FILES: &'static [&'static str] = &[TREES_FILE];

    fn shape(ds: &TabularDataset) -> DataShape {
        Tables::shape(ds)
    }

    fn splits<'a>(config: &Config, ds: &'a TabularDataset) -> [TabularExamples<'a>; 3] {
        Tables::splits(config, ds)
    }

    fn build(_config: &Config, _meta: &ModelMeta, _device: &Device) -> Result<TreeNet, TrainError> {
        Ok(TreeNet::empty())
    }

    fn fit_directly(
        config: &Config,
        ds: &TabularDataset,
        _model: TreeNet,
    ) -> Option<Result<DirectFit<TreeNet>, TrainError>> {
        Some(fit(config, ds))
    }

    fn load_fitted(info: &RunInfo, _fresh: TreeNet) -> Result<TreeNet, TrainError> {
        let path = info.dir.join(TREES_FILE);
        let text = std::fs::read_to_string(&path).map_err(|source| TrainError::Io { path: path.clone(), source })?;
        let file = EnsembleFile::from_json(&text)
            .map_err(|e| TrainError::RunDir { path: path.clone(), message: e.to_string() })?;
        if file.ensemble.n_features != info.meta.input_shape[0] {
            let message = format!(
                "{} features, but the run's model.json says {}",
                file.ensemble.n_features, info.meta.input_shape[0]
            );
            return Err(TrainError::RunDir { path, message });
        }
        let recipe = crate::tables::saved_recipe(info)?;
        let standardise = (recipe.task == Task::Regression).then_some((recipe.target_mean, recipe.target_std));
        Ok(TreeNet { fitted: Some(Arc::new(FittedTrees { file, standardise })) })
    }

    fn write_data_extras(dir: &Path, ds: &TabularDataset) -> Result<(), TrainError> {
        Tables::write_data_extras(dir, ds)
    }

    /// `trees.json`, the model's own importance and, as for every table
    /// model, permutation importance on the test split.
    fn write_model_extras(run: &Trained<TreeNet>, ds: &TabularDataset) -> Result<(), TrainError> {
        let dir = &run.info.dir;
        let file = run.model.file().ok_or_else(|| TrainError::Mismatch("the tree model was not fitted".into()))?;
        let write = |name: &str, text: String| {
            let path = dir.join(name);
            write_atomic(&path, text.as_bytes()).map_err(|source| TrainError::Io { path, source })
        };
        write(TREES_FILE, file.to_json())?;
        let mut own = String::from("feature,importance\n");
        let mut ranked: Vec<(usize, f64)> = file.feature_importance.iter().copied().enumerate().collect();
        ranked.sort_by(|a, b| b.1.total_cmp(&a.1));
        for (j, v) in ranked {
            let name = ds.feature_names.get(j).cloned().unwrap_or_else(|| format!("feature_{j}"));
            own.push_str(&format!("{},{v:.6}\n", medref_train::run_dir::csv_field(&name)));
        }
        write("model_importance.csv", own)?;
        let test = TabularExamples::new(ds, &ds.test);
        let seed = run.info.config.seed;
        let importance =
            permutation_importance(&run.model, &test, &ds.feature_groups, ds.n_features, 5, seed, &run.device)?;
        write("feature_importance.csv", importance_csv(&importance))
    }
}

fn max_features(setting: &Option<MaxFeaturesSetting>) -> Option<MaxFeatures> {
    setting.as_ref().map(|m| match m {
        MaxFeaturesSetting::Count(k) => MaxFeatures::Count(*k),
        MaxFeaturesSetting::Fraction(f) => MaxFeatures::Fraction(*f),
        MaxFeaturesSetting::Rule(r) if r == "log2" => MaxFeatures::Log2,
        MaxFeaturesSetting::Rule(_) => MaxFeatures::Sqrt,
    })
}

/// Boosting settings from the config (`early_stopping` uses the run's
/// validation split).
pub fn boosting_params(c: &GradientBoostingConfig) -> BoostingParams {
    BoostingParams {
        learning_rate: c.learning_rate,
        max_iter: c.max_iter,
        max_leaf_nodes: Some(c.max_leaf_nodes),
        max_depth: c.max_depth,
        min_samples_leaf: c.min_samples_leaf,
        l2_regularization: c.l2_regularization,
        max_bins: c.max_bins,
        early_stopping: c.early_stopping,
        n_iter_no_change: c.n_iter_no_change,
        tol: c.tol,
    }
}

/// Forest settings from the config and the run's seed.
pub fn forest_params(c: &RandomForestConfig, seed: u64) -> ForestParams {
    ForestParams {
        n_trees: c.n_trees,
        max_depth: c.max_depth,
        min_samples_leaf: c.min_samples_leaf,
        min_samples_split: c.min_samples_split,
        max_features: max_features(&c.max_features),
        bootstrap: c.bootstrap,
        oob_score: c.oob_score,
        seed,
    }
}

fn target_of(targets: &Targets) -> Result<Target<'_>, TrainError> {
    match targets {
        Targets::Classes { labels, n_classes } => Ok(Target::Classes { labels, n_classes: *n_classes }),
        Targets::Regression { values, .. } => Ok(Target::Values(values)),
        _ => Err(TrainError::Mismatch(
            "tree ensembles predict classes or numbers; for task = \"survival\" use kind = \"cox\" or \"mlp\"".into(),
        )),
    }
}

/// Fits the config's ensemble on the training rows (boosting watches the
/// validation rows) and reports it for `convex_fit.json`.
fn fit(config: &Config, ds: &TabularDataset) -> Result<DirectFit<TreeNet>, TrainError> {
    let p = ds.n_features;
    let bad = |e: medref_trees::TreeError| TrainError::Mismatch(format!("{}: {e}", config.data.path().display()));
    let train = Features::new(&ds.train.x, ds.train.targets.len(), p).map_err(bad)?;
    let target = target_of(&ds.train.targets)?;
    let started = std::time::Instant::now();
    let (file, mut report) = match &config.model {
        ModelConfig::RandomForest(c) => {
            let forest = RandomForest::fit(train, target, &forest_params(c, config.seed)).map_err(bad)?;
            let r = &forest.report;
            let report = serde_json::json!({
                "learner": "random forest: bagged CART trees (Gini for classes, squared error for numbers)",
                "n_trees": r.n_trees,
                "max_features_per_node": r.max_features,
                "max_depth": c.max_depth.map_or("none".to_string(), |d| d.to_string()),
                "min_samples_leaf": c.min_samples_leaf,
                "bootstrap": c.bootstrap,
                "oob_score": r.oob_score,
                "oob_metric": r.oob_metric,
                "oob_rows": r.oob_rows,
                "mean_depth": r.mean_depth,
                "mean_leaves": r.mean_leaves,
                "seed": config.seed,
            });
            (EnsembleFile::new("random_forest", forest.ensemble, r.feature_importance.clone()), report)
        }
        ModelConfig::GradientBoosting(c) => {
            let val = Features::new(&ds.val.x, ds.val.targets.len(), p).map_err(bad)?;
            let validation = Some((val, target_of(&ds.val.targets)?));
            let gb = GradientBoosting::fit(train, target, validation, &boosting_params(c)).map_err(bad)?;
            let r = &gb.report;
            let best = r.val_loss.iter().enumerate().min_by(|a, b| a.1.total_cmp(b.1)).map(|(i, _)| i);
            let report = serde_json::json!({
                "learner": "histogram gradient boosting (leaf-wise trees on binned features)",
                "loss": r.loss,
                "learning_rate": c.learning_rate,
                "max_iter": c.max_iter,
                "n_iter": r.n_iter,
                "early_stopping": c.early_stopping,
                "stopped_early": r.stopped_early,
                "lowest_val_loss_at_iteration": best,
                "max_leaf_nodes": c.max_leaf_nodes,
                "min_samples_leaf": c.min_samples_leaf,
                "l2_regularization": c.l2_regularization,
                "max_bins": c.max_bins,
                "train_loss": r.train_loss.last(),
                "val_loss": r.val_loss.last(),
                "train_loss_by_iteration": r.train_loss,
                "val_loss_by_iteration": r.val_loss,
            });
            (EnsembleFile::new("gradient_boosting", gb.ensemble, r.feature_importance.clone()), report)
        }
        _ => return Err(TrainError::Mismatch("the tree baseline fits `random_forest` or `gradient_boosting`".into())),
    };
    let seconds = started.elapsed().as_secs_f64();
    let mut file = file;
    file.feature_names = ds.feature_names.clone();
    file.class_names = ds.recipe.class_names.clone();
    let standardise = match &ds.train.targets {
        Targets::Regression { mean, std, .. } => {
            file.class_names.clear();
            Some((*mean, *std))
        }
        _ => None,
    };
    let top: Vec<String> = {
        let mut ranked: Vec<(usize, f64)> = file.feature_importance.iter().copied().enumerate().collect();
        ranked.sort_by(|a, b| b.1.total_cmp(&a.1));
        ranked
            .iter()
            .take(5)
            .map(|(j, v)| format!("{} ({v:.3})", ds.feature_names.get(*j).map_or("?", |s| s)))
            .collect()
    };
    let objective = training_loss(&file.ensemble, train, &ds.train.targets);
    if let Some(map) = report.as_object_mut() {
        map.insert("n_train".into(), ds.train.targets.len().into());
        map.insert("n_features".into(), p.into());
        map.insert("fit_seconds".into(), seconds.into());
        map.insert("training_loss".into(), objective.into());
        map.insert("model_file".into(), TREES_FILE.into());
        map.insert("top_features_own_importance".into(), top.join(", ").into());
        map.insert(
            "note".into(),
            "Trees are grown greedily, not solved as a convex problem; the fit is deterministic for the seed on any \
             number of threads. trees.json holds every split; its thresholds apply to the features after \
             preprocess.json."
                .into(),
        );
    }
    let model = TreeNet { fitted: Some(Arc::new(FittedTrees { file, standardise })) };
    Ok(DirectFit { model, objective, report, state: None })
}

/// The history's training loss: cross-entropy (clipped at 1e-12) or the
/// mean squared error in standardised units, as the loop reports them.
fn training_loss(ensemble: &Ensemble, x: Features, targets: &Targets) -> f64 {
    let pred = ensemble.predict(x);
    match targets {
        Targets::Classes { labels, n_classes } => {
            let k = *n_classes;
            labels.iter().enumerate().map(|(i, &l)| -pred[i * k + l].max(1e-12).ln()).sum::<f64>() / labels.len() as f64
        }
        Targets::Regression { values, std, .. } => {
            values.iter().zip(&pred).map(|(y, p)| ((y - p) / std).powi(2)).sum::<f64>() / values.len() as f64
        }
        _ => f64::NAN,
    }
}

/// Format `F` read into the tree baseline: the same section, files and
/// readers as `F`, so a config switches model family by `[model].kind` alone.
pub struct Trees<F>(PhantomData<fn() -> F>);

impl<F: DataFormat<Baseline = Tables>> DataFormat for Trees<F> {
    type Baseline = TreeTables;
    type Section = F::Section;
    const FORMAT: &'static str = F::FORMAT;
    const READS_FOLDER: bool = F::READS_FOLDER;
    const PREDICT_READS_FOLDER: bool = F::PREDICT_READS_FOLDER;
    fn load(config: &Config, section: &F::Section, path: Option<&Path>) -> Result<TabularDataset, TrainError> {
        F::load(config, section, path)
    }
    fn read_new(run: &RunInfo, section: &F::Section, input: &Path) -> Result<TabularDataset, TrainError> {
        F::read_new(run, section, input)
    }
}

/// The registry's runner for a table format: tree kinds train through
/// [`TreeTables`], other kinds through [`Tables`].
pub struct TablesOrTrees<F>(PhantomData<fn() -> F>);

impl<F> TablesOrTrees<F> {
    /// For `&TablesOrTrees::<F>::NEW` in the registry.
    pub const NEW: Self = TablesOrTrees(PhantomData);
}

fn is_tree_kind(kind: &str) -> bool {
    TreeTables::MODEL_KINDS.contains(&kind)
}

/// Every kind a table format trains: the tables baseline's, then the trees'.
fn table_kinds() -> &'static [&'static str] {
    static KINDS: std::sync::OnceLock<Vec<&'static str>> = std::sync::OnceLock::new();
    KINDS.get_or_init(|| Tables::MODEL_KINDS.iter().chain(TreeTables::MODEL_KINDS).copied().collect())
}

impl<F: DataFormat<Baseline = Tables>> Runner for TablesOrTrees<F> {
    fn format(&self) -> &'static str {
        F::FORMAT
    }
    fn model_kinds(&self) -> &'static [&'static str] {
        table_kinds()
    }
    fn parse_section(&self, table: toml::Table) -> Result<DataConfig, (String, String)> {
        medref_train::Registered::<F>::NEW.parse_section(table)
    }
    fn reads_folder(&self) -> bool {
        F::READS_FOLDER
    }
    fn predict_reads_folder(&self) -> bool {
        Tables::PREDICT_READS_FOLDER || F::PREDICT_READS_FOLDER
    }
    fn inspect(&self, config: &Config, path: Option<&Path>) -> Result<DataSummary, TrainError> {
        run::inspect::<F>(config, path)
    }
    fn train(&self, req: &TrainRequest, progress: &mut dyn Progress) -> Result<TrainOutcome, TrainError> {
        if is_tree_kind(req.config.model.kind()) {
            run::train::<Trees<F>>(req, progress)
        } else {
            run::train::<F>(req, progress)
        }
    }
    fn eval(&self, info: &RunInfo, device: DeviceChoice, data: Option<&Path>) -> Result<Metrics, TrainError> {
        if is_tree_kind(info.config.model.kind()) {
            run::eval::<Trees<F>>(info, device, data)
        } else {
            run::eval::<F>(info, device, data)
        }
    }
    fn predict(&self, info: &RunInfo, device: DeviceChoice, input: &Path) -> Result<Prediction, TrainError> {
        if is_tree_kind(info.config.model.kind()) {
            run::predict::<Trees<F>>(info, device, input)
        } else {
            run::predict::<F>(info, device, input)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use medref_trees::{Node, Tree};

    /// A stump on feature 0 at 0.5 whose leaves hold `left` and `right`.
    fn stump(left: Vec<f64>, right: Vec<f64>) -> Tree {
        Tree {
            output: 0,
            nodes: vec![
                Node::Split { feature: 0, threshold: 0.5, missing_left: true, left: 1, right: 2 },
                Node::Leaf { value: left },
                Node::Leaf { value: right },
            ],
        }
    }

    fn net(ensemble: Ensemble, standardise: Option<(f64, f64)>) -> TreeNet {
        let file = EnsembleFile::new("test", ensemble, vec![1.0]);
        TreeNet { fitted: Some(Arc::new(FittedTrees { file, standardise })) }
    }

    /// Softmax of the logits is what the ensemble predicts: a forest's
    /// class fractions, sigmoid of binary boosting's raw score, and a
    /// regression value in the run's standardised units.
    #[test]
    fn logits_give_back_the_ensembles_predictions() {
        let device = Device::flex();
        let x = Tensor::<2>::from_data(TensorData::new(vec![0.0f32, 1.0, f32::NAN], [3, 1]), &device);
        let softmax = |net: &TreeNet| -> Vec<f32> {
            burn::tensor::activation::softmax(net.logits(x.clone()), 1).into_data().try_into_vec().unwrap()
        };
        let forest = Ensemble {
            n_features: 1,
            n_outputs: 2,
            baseline: vec![0.0, 0.0],
            average: true,
            link: Link::Identity,
            trees: vec![stump(vec![1.0, 0.0], vec![0.25, 0.75]), stump(vec![0.5, 0.5], vec![0.25, 0.75])],
        };
        let p = softmax(&net(forest, None));
        let want = [0.75, 0.25, 0.25, 0.75, 0.75, 0.25];
        assert!(p.iter().zip(want).all(|(a, b)| (a - b).abs() < 1e-6), "{p:?}");
        let boosting = Ensemble {
            n_features: 1,
            n_outputs: 1,
            baseline: vec![0.5],
            average: false,
            link: Link::Sigmoid,
            trees: vec![stump(vec![-1.5], vec![1.5])],
        };
        let p = softmax(&net(boosting, None));
        let s = |z: f32| 1.0 / (1.0 + (-z).exp());
        assert!((p[1] - s(-1.0)).abs() < 1e-6 && (p[3] - s(2.0)).abs() < 1e-6 && (p[5] - s(-1.0)).abs() < 1e-6);
        let regression = Ensemble {
            n_features: 1,
            n_outputs: 1,
            baseline: vec![10.0],
            average: false,
            link: Link::Identity,
            trees: vec![stump(vec![-2.0], vec![2.0])],
        };
        let z: Vec<f32> = net(regression, Some((10.0, 2.0))).logits(x).into_data().try_into_vec().unwrap();
        assert_eq!(z, vec![-1.0, 1.0, -1.0]);
    }

    #[test]
    fn table_formats_train_every_table_kind_and_both_tree_kinds() {
        assert_eq!(table_kinds(), &["linear", "mlp", "cox", "random_forest", "gradient_boosting"]);
        assert!(is_tree_kind("random_forest") && is_tree_kind("gradient_boosting") && !is_tree_kind("mlp"));
    }
}
