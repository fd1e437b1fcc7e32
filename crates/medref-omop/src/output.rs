//! The study's tables as files a run directory holds: `attrition.csv` and
//! `covariate_ref.csv` (PLP's and FeatureExtraction's columns, snake_case).

use std::path::Path;

use crate::cohort::AttritionStep;
use crate::covariates::CovariateRef;
use crate::error::OmopError;

fn writer(path: &Path) -> Result<csv::Writer<std::fs::File>, OmopError> {
    let file = std::fs::File::create(path).map_err(|source| OmopError::Io { file: path.to_path_buf(), source })?;
    Ok(csv::Writer::from_writer(file))
}

fn failed(path: &Path) -> impl Fn(csv::Error) -> OmopError + '_ {
    move |source| OmopError::Csv { file: path.display().to_string(), line: 0, source }
}

/// `step,description,persons,outcomes`, one row per inclusion step in order.
pub fn write_attrition_csv(path: &Path, steps: &[AttritionStep]) -> Result<(), OmopError> {
    let mut w = writer(path)?;
    w.write_record(["step", "description", "persons", "outcomes"]).map_err(failed(path))?;
    for (i, s) in steps.iter().enumerate() {
        let row = [(i + 1).to_string(), s.description.clone(), s.persons.to_string(), s.outcomes.to_string()];
        w.write_record(&row).map_err(failed(path))?;
    }
    w.flush().map_err(|source| OmopError::Io { file: path.to_path_buf(), source })
}

/// `covariate_id,covariate_name,analysis_id,analysis_name,concept_id,window_start,window_end`
/// (window columns empty for demographics).
pub fn write_covariate_ref_csv(path: &Path, reference: &[CovariateRef]) -> Result<(), OmopError> {
    let mut w = writer(path)?;
    let header =
        ["covariate_id", "covariate_name", "analysis_id", "analysis_name", "concept_id", "window_start", "window_end"];
    w.write_record(header).map_err(failed(path))?;
    for r in reference {
        let (from, to) = r.window.map_or((String::new(), String::new()), |(a, b)| (a.to_string(), b.to_string()));
        let row = [
            r.covariate_id.to_string(),
            r.covariate_name.clone(),
            r.analysis_id.to_string(),
            r.analysis_name.to_string(),
            r.concept_id.to_string(),
            from,
            to,
        ];
        w.write_record(&row).map_err(failed(path))?;
    }
    w.flush().map_err(|source| OmopError::Io { file: path.to_path_buf(), source })
}
