//! Molecules for the drug domain: read structures, turn them into model
//! inputs, and split them honestly.
//!
//! - [`smiles`] and [`sdf`] read SMILES strings and V2000 SDF files into a
//!   [`Molecule`]: a graph with hydrogens folded into heavy atoms and ring
//!   membership precomputed ([`molecule`]).
//! - [`fingerprint`] writes Morgan/ECFP bit or count vectors into caller
//!   buffers, fast enough to featurise a dataset on the fly.
//! - [`descriptors`](mod@descriptors) gives eleven named whole-molecule descriptors, TPSA and
//!   Crippen logP ([`crippen`]) among them.
//! - [`canonical`] gives an order-independent key per molecule, for
//!   duplicate detection; [`scaffold`] groups molecules by Bemis-Murcko
//!   scaffold and makes DeepChem-style scaffold splits.
//!
//! Pure Rust with no chemistry toolkit behind it: conventions follow RDKit
//! where it matters for the numbers, and each module says where it does
//! not.
//!
//! ```
//! use medref_chem::{parse_smiles, morgan_vec, MorganSpec, descriptors};
//! let aspirin = parse_smiles("CC(=O)Oc1ccccc1C(=O)O").unwrap();
//! let bits = morgan_vec(&aspirin, &MorganSpec::default()).unwrap();
//! assert_eq!(bits.len(), 2048);
//! assert_eq!(descriptors(&aspirin).heavy_atoms, 13);
//! ```
#![warn(missing_docs)]

pub mod aromaticity;
pub mod canonical;
pub mod crippen;
pub mod descriptors;
pub mod elements;
pub mod fingerprint;
mod hash;
mod kekule;
pub mod molecule;
mod sanitize;
pub mod scaffold;
pub mod sdf;
pub mod smiles;
pub mod tpsa;

pub use aromaticity::perceive_aromaticity;
pub use canonical::{canonical_key, canonical_ranks, canonical_string};
pub use crippen::crippen_logp;
pub use descriptors::{descriptors, molecular_weight, Descriptors, DESCRIPTOR_NAMES};
pub use fingerprint::{morgan, morgan_vec, FingerprintError, MorganSpec};
pub use molecule::{Atom, Bond, BondOrder, BondStereo, Chirality, Molecule, MoleculeError, Neighbor};
pub use scaffold::{
    balanced_scaffold_split_indices, check_split_sizes, murcko_scaffold, scaffold_key, scaffold_split,
    scaffold_split_indices, ScaffoldSplitError, ScaffoldSplitIndices, Split,
};
pub use sdf::{parse_sdf, read_sdf, read_sdf_from, SdfError, SdfProblem, SdfReader, SdfRecord};
pub use smiles::{parse_smiles, SmilesError};
