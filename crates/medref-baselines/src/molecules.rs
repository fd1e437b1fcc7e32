//! Drug development: molecules (SDF, SMILES files, tables with a SMILES
//! column) as Morgan fingerprints and descriptors, trained by the tables
//! baseline; scaffold splits keep a chemical series in one split.

use crate::tables::{new_rows, saved_recipe, Tables};
use medref_core::config::Config;
use medref_tabular::molecule_data::{load_molecules, predict_molecule_features};
use medref_tabular::sections::MoleculesSection;
use medref_tabular::TabularDataset;
use medref_train::RunInfo;
use medref_train::{DataFormat, TrainError};
use std::path::Path;

/// `format = "molecules"`.
pub struct Molecules;

impl DataFormat for Molecules {
    type Baseline = Tables;
    type Section = MoleculesSection;
    const FORMAT: &'static str = "molecules";
    fn load(config: &Config, d: &MoleculesSection, path: Option<&Path>) -> Result<TabularDataset, TrainError> {
        Ok(load_molecules(d, config.seed, path)?)
    }
    fn read_new(run: &RunInfo, d: &MoleculesSection, input: &Path) -> Result<TabularDataset, TrainError> {
        let recipe = saved_recipe(run)?;
        let (ids, x) = predict_molecule_features(d, &recipe, input)?;
        Ok(new_rows(run, ids, x, &recipe))
    }
}
