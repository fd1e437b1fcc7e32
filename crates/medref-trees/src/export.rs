//! The fitted model as a JSON file that `medref predict` and Python read.
//!
//! Format `medref-trees/1`, one object:
//!
//! * `format`: `"medref-trees/1"`; `model`: `"random_forest"` or
//!   `"gradient_boosting"`;
//! * `n_features`; `n_outputs`: raw outputs per row;
//!   `feature_names`, `class_names` (may be empty);
//! * `baseline` (`[n_outputs]`), `average` (bool), `link`: `"identity"`,
//!   `"sigmoid"` or `"softmax"`;
//! * `trees`: a list of `{"output": o, "nodes": [...]}`; node 0 is the
//!   root; a split node is `{"feature": f, "threshold": t,
//!   "missing_left": b, "left": i, "right": j}` (rows with
//!   `x[f] <= t` go to node `i`, larger to `j`, NaN to `i` when `b`), and
//!   children come after their parent; a leaf is `{"value": [v, ...]}`;
//! * `feature_importance`: the model's own importance (MDI or gain).
//!
//! To predict a row: walk each tree to its leaf and add the leaf's values
//! to outputs `o, o+1, ...`; divide the sums by the number of trees when
//! `average`; add `baseline`; apply `link` (sigmoid gives the probability
//! of class 1, softmax of each class). `scripts/trees_predict.py` does
//! exactly this with numpy.

use crate::tree::{Ensemble, Node};
use crate::TreeError;
use serde::{Deserialize, Serialize};

/// The `format` value of the files this version writes and reads.
pub const FORMAT: &str = "medref-trees/1";

/// The saved model with what a reader needs to name things.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EnsembleFile {
    pub format: String,
    pub model: String,
    #[serde(default)]
    pub feature_names: Vec<String>,
    #[serde(default)]
    pub class_names: Vec<String>,
    #[serde(default)]
    pub feature_importance: Vec<f64>,
    #[serde(flatten)]
    pub ensemble: Ensemble,
}

impl EnsembleFile {
    pub fn new(model: &str, ensemble: Ensemble, feature_importance: Vec<f64>) -> Self {
        Self {
            format: FORMAT.into(),
            model: model.into(),
            feature_names: Vec::new(),
            class_names: Vec::new(),
            feature_importance,
            ensemble,
        }
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("a tree ensemble serialises")
    }

    /// Parses and checks a saved model: every index in range and every
    /// child after its parent, so prediction cannot loop or panic.
    pub fn from_json(text: &str) -> Result<Self, TreeError> {
        let file: Self = serde_json::from_str(text).map_err(|e| TreeError::Format(e.to_string()))?;
        if file.format != FORMAT {
            return Err(TreeError::Format(format!("format is {:?}, this version reads {FORMAT:?}", file.format)));
        }
        let e = &file.ensemble;
        if e.baseline.len() != e.n_outputs {
            return Err(TreeError::Format(format!("{} baseline values for {} outputs", e.baseline.len(), e.n_outputs)));
        }
        for (t, tree) in e.trees.iter().enumerate() {
            let bad = |i: usize, what: &str| Err(TreeError::Format(format!("tree {t}, node {i}: {what}")));
            if tree.nodes.is_empty() {
                return bad(0, "no nodes");
            }
            for (i, node) in tree.nodes.iter().enumerate() {
                match node {
                    Node::Split { feature, left, right, .. } => {
                        if *feature >= e.n_features {
                            return bad(i, "feature out of range");
                        }
                        if *left <= i || *right <= i || *left >= tree.nodes.len() || *right >= tree.nodes.len() {
                            return bad(i, "a child index is out of range or not after its parent");
                        }
                    }
                    Node::Leaf { value } => {
                        if value.is_empty() || tree.output + value.len() > e.n_outputs {
                            return bad(i, "leaf values do not fit the outputs");
                        }
                    }
                }
            }
        }
        Ok(file)
    }
}
