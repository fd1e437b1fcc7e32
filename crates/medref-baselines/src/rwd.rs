//! Real-world data: an OMOP CDM study (target cohort, outcome, time at
//! risk, FeatureExtraction's covariates) trained by the tables baseline, so
//! a LASSO, an MLP, Cox, DeepSurv or a tree ensemble learn from it as from
//! any table. The run adds the study's `attrition.csv`,
//! `characterisation.csv` and `covariate_ref.csv`.

use crate::tables::{new_rows, saved_recipe, Tables};
use medref_core::config::Config;
use medref_tabular::omop_data::{load_omop, predict_omop_features, OmopSection};
use medref_tabular::TabularDataset;
use medref_train::RunInfo;
use medref_train::{DataFormat, TrainError};
use std::path::Path;

/// `format = "omop"`.
pub struct Omop;

impl DataFormat for Omop {
    type Baseline = Tables;
    type Section = OmopSection;
    const FORMAT: &'static str = "omop";
    const READS_FOLDER: bool = true;
    const PREDICT_READS_FOLDER: bool = true;
    fn load(config: &Config, d: &OmopSection, path: Option<&Path>) -> Result<TabularDataset, TrainError> {
        Ok(load_omop(d, config.seed, path)?)
    }
    /// `INPUT` is a CDM folder: its study population, with the covariates
    /// the model was trained on.
    fn read_new(run: &RunInfo, d: &OmopSection, input: &Path) -> Result<TabularDataset, TrainError> {
        let recipe = saved_recipe(run)?;
        let (ids, x) = predict_omop_features(d, &recipe, &run.dir, input)?;
        Ok(new_rows(run, ids, x, &recipe))
    }
}
