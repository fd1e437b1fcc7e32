//! Diagnosis and treatment support: tables of patients or visits (CSV,
//! Parquet, ARFF), preprocessed with a transform fitted on the training
//! rows and trained with a linear model or an MLP. The molecules format
//! feeds the same baseline with fingerprints and descriptors.
//!
//! Adds `preprocess.json` (the fitted transform `predict` reuses),
//! `data_report.json` (rows read and left out) and `feature_importance.csv`
//! (permutation importance on the test split).

mod convex;
mod cox;
mod examples;
mod importance;

pub use examples::TabularExamples;
pub use importance::{importance_csv, permutation_importance, Importance};

use burn::prelude::*;
use medref_core::config::{Config, ModelConfig, Task};
use medref_core::fsutil::write_atomic;
use medref_models::Mlp;
use medref_tabular::sections::TableSection;
use medref_tabular::table_data::{load_table, predict_table_features};
use medref_tabular::{TabularDataset, TabularRecipe, TabularSplit};
use medref_train::run_dir::write_json;
use medref_train::RunInfo;
use medref_train::{Baseline, DataFormat, DataShape, DirectFit, ModelMeta, Targets, TrainError, Trained};
use std::path::Path;

/// A linear model or MLP on `[batch, n_features]`.
pub struct Tables;

impl Baseline for Tables {
    type Data = TabularDataset;
    type Model = Mlp;
    type Split<'a> = TabularExamples<'a>;
    const MODEL_KINDS: &'static [&'static str] = &["linear", "mlp", "cox"];

    /// Class counts are checked while the outcome is read.
    fn shape(ds: &TabularDataset) -> DataShape {
        DataShape {
            input_shape: vec![ds.n_features],
            label_width: 1,
            n_classes: None,
            class_names: ds.recipe.class_names.clone(),
        }
    }

    fn splits<'a>(_config: &Config, ds: &'a TabularDataset) -> [TabularExamples<'a>; 3] {
        [TabularExamples::new(ds, &ds.train), TabularExamples::new(ds, &ds.val), TabularExamples::new(ds, &ds.test)]
    }

    fn build(config: &Config, meta: &ModelMeta, device: &Device) -> Result<Mlp, TrainError> {
        if let ModelConfig::Cox(_) = &config.model {
            return Ok(Mlp::new(&[], 0.0, meta.input_shape[0], 1, device));
        }
        Mlp::from_config(&config.model, meta.input_shape[0], meta.n_outputs, device)
            .ok_or_else(|| TrainError::Mismatch("the tables baseline trains `linear` or `mlp` models".into()))
    }

    /// `linear` with two classes or a number is fitted by Newton's method
    /// (see `convex`); MLPs and softmax over three or more classes train in
    /// the loop.
    fn fit_directly(config: &Config, ds: &TabularDataset, model: Mlp) -> Option<Result<DirectFit<Mlp>, TrainError>> {
        let survival = matches!(ds.train.targets, Targets::Survival { .. });
        match &config.model {
            ModelConfig::Cox(c) => return Some(cox::fit_model(config, c, ds, model)),
            // An MLP on survival targets is DeepSurv: the loop trains it
            // with the partial likelihood.
            ModelConfig::Mlp(_) if survival => return None,
            _ if survival => {
                return Some(Err(TrainError::Mismatch(
                    "task = \"survival\" trains kind = \"cox\" (Cox proportional hazards) or kind = \"mlp\" (a neural Cox model, DeepSurv)".into(),
                )))
            }
            _ => {}
        }
        let ModelConfig::Linear(linear) = &config.model else { return None };
        convex::fits_directly(&ds.train.targets).then(|| convex::fit_linear(config, linear, ds, model))
    }

    /// A Cox run's `predict` adds each patient's probability of being
    /// event-free at the configured horizon.
    fn prediction_columns(run: &Trained<Mlp>, scores: &[f64]) -> Result<Vec<(String, Vec<f64>)>, TrainError> {
        match &run.info.config.model {
            ModelConfig::Cox(_) => Self::cox_survival_columns(run, scores),
            _ => Ok(Vec::new()),
        }
    }

    fn write_data_extras(dir: &Path, ds: &TabularDataset) -> Result<(), TrainError> {
        write_json(&dir.join("preprocess.json"), &ds.recipe)?;
        for (name, text) in &ds.run_files {
            let path = dir.join(name);
            write_atomic(&path, text.as_bytes()).map_err(|source| TrainError::Io { path: path.clone(), source })?;
        }
        write_json(&dir.join("data_report.json"), &ds.report)
    }

    /// Permutation importance of each source column on the test split,
    /// five seeded shuffles each.
    fn write_model_extras(run: &Trained<Mlp>, ds: &TabularDataset) -> Result<(), TrainError> {
        if let ModelConfig::Cox(c) = &run.info.config.model {
            write_json(
                &run.info.dir.join("survival.json"),
                &cox::cox_report(&run.info.config, c, ds, run.fit_state.as_ref())?,
            )?;
        } else if matches!(ds.test.targets, Targets::Survival { .. }) {
            // DeepSurv: the network's log-risk ranks; without a baseline
            // hazard there are no survival curves to score.
            let risk = medref_train::evaluate::predict_scores(
                &run.model,
                &TabularExamples::new(ds, &ds.test),
                &run.device,
                512,
            )?;
            write_json(&run.info.dir.join("survival.json"), &cox::survival_report(&run.info.config, ds, &risk, None)?)?;
        }
        let test = TabularExamples::new(ds, &ds.test);
        let seed = run.info.config.seed;
        let importance =
            permutation_importance(&run.model, &test, &ds.feature_groups, ds.n_features, 5, seed, &run.device)?;
        let path = run.info.dir.join("feature_importance.csv");
        write_atomic(&path, importance_csv(&importance).as_bytes())
            .map_err(|source| TrainError::Io { path: path.clone(), source })
    }
}

impl Tables {
    /// The survival probability at the horizon for a Cox run's new rows.
    fn cox_survival_columns(run: &Trained<Mlp>, scores: &[f64]) -> Result<Vec<(String, Vec<f64>)>, TrainError> {
        let path = run.info.dir.join("convex_fit.json");
        let text = std::fs::read_to_string(&path)
            .map_err(|e| TrainError::RunDir { path: path.clone(), message: e.to_string() })?;
        let fit: serde_json::Value = serde_json::from_str(&text)
            .map_err(|e| TrainError::RunDir { path: path.clone(), message: e.to_string() })?;
        Ok(cox::survival_at_horizon(&fit, scores)
            .map(|(h, s)| vec![(format!("survival_at_{h}"), s)])
            .unwrap_or_default())
    }
}

/// New rows as a data set whose test split holds them, mapped with the
/// run's saved `preprocess.json`.
pub fn new_rows(run: &RunInfo, ids: Vec<String>, x: Vec<f32>, recipe: &TabularRecipe) -> TabularDataset {
    let n = ids.len();
    let targets = match recipe.task {
        Task::Regression => {
            Targets::Regression { values: vec![0.0; n], mean: recipe.target_mean, std: recipe.target_std }
        }
        Task::Classification => Targets::Classes { labels: vec![0; n], n_classes: run.meta.n_outputs },
        Task::Survival => Targets::Survival { time: vec![0.0; n], event: vec![false; n] },
    };
    let split = TabularSplit { ids, x, targets, subgroups: Vec::new(), record_keys: Vec::new() };
    TabularDataset::single(split, run.meta.input_shape[0])
}

/// The fitted transform saved with a run.
pub fn saved_recipe(run: &RunInfo) -> Result<TabularRecipe, TrainError> {
    let path = run.dir.join("preprocess.json");
    let bad = |message: String| TrainError::RunDir { path: path.clone(), message };
    let text = std::fs::read_to_string(&path).map_err(|e| bad(format!("not a finished medref run: {e}")))?;
    serde_json::from_str(&text).map_err(|e| bad(format!("unreadable: {e}")))
}

/// `format = "table"`: a clinical table with a label or survival outcome.
pub struct Table;

impl DataFormat for Table {
    type Baseline = Tables;
    type Section = TableSection;
    const FORMAT: &'static str = "table";
    fn load(config: &Config, d: &TableSection, path: Option<&Path>) -> Result<TabularDataset, TrainError> {
        Ok(load_table(d, config.seed, path)?)
    }
    fn read_new(run: &RunInfo, d: &TableSection, input: &Path) -> Result<TabularDataset, TrainError> {
        let recipe = saved_recipe(run)?;
        let (ids, x) = predict_table_features(d, &recipe, input)?;
        Ok(new_rows(run, ids, x, &recipe))
    }
}
