//! `model.safetensors`: the best weights under PyTorch's names and layouts.
//!
//! burn cannot export ONNX, and most people our trainees will work with
//! load weights in PyTorch. burn-store writes safetensors, and its PyTorch
//! adapter renames batch-norm parameters (`gamma`/`beta` to
//! `weight`/`bias`) and transposes linear weights to `[out, in]`, so each
//! model family in `scripts/pytorch/medref_torch.py`, written with the same
//! module names as `medref-models`, takes the file with
//! `load_state_dict`. `model.json` records the architecture and the name
//! map, so a reader can see which burn parameter became which tensor
//! without running anything.

use std::path::Path;

use burn::module::Module;
use burn::store::{BurnToPyTorchAdapter, ModuleSnapshot, ModuleStore, SafetensorsStore};
use medref_core::fsutil::write_atomic;
use serde::{Deserialize, Serialize};

use crate::TrainError;

/// One tensor of the file: its name in burn and in PyTorch, and its shape
/// as PyTorch holds it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TensorName {
    pub burn: String,
    pub pytorch: String,
    pub shape: Vec<usize>,
}

/// What `model.json` says about `model.safetensors`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PytorchExport {
    /// The file, relative to the run directory.
    pub file: String,
    /// The run's `[model]` section: what `scripts/pytorch/medref_torch.py`
    /// builds the network from (with `model.json`'s input shape and outputs).
    pub architecture: serde_json::Value,
    /// Every tensor of the file, in the network's order.
    pub tensors: Vec<TensorName>,
}

/// Writes `path` (atomically) and returns its name map.
pub fn write_safetensors<M: Module>(
    model: &M,
    architecture: serde_json::Value,
    path: &Path,
) -> Result<PytorchExport, TrainError> {
    let weights_error = |message: String| TrainError::Weights { path: path.to_path_buf(), message };
    let burn_names = model.collect(None, None, false);
    let torch_names = model.collect(None, Some(Box::new(BurnToPyTorchAdapter)), false);
    if burn_names.len() != torch_names.len() {
        return Err(weights_error(format!(
            "the PyTorch adapter gave {} tensors for {} parameters",
            torch_names.len(),
            burn_names.len()
        )));
    }
    let tensors = burn_names
        .iter()
        .zip(&torch_names)
        .map(|(b, t)| TensorName { burn: b.name.clone(), pytorch: t.name.clone(), shape: t.shape.to_vec() })
        .collect();

    let mut store = SafetensorsStore::from_bytes(None)
        .with_to_adapter(BurnToPyTorchAdapter)
        .metadata("producer", "medref")
        .metadata("layout", "pytorch");
    store.collect_from(model).map_err(|e| weights_error(e.to_string()))?;
    let bytes = store.get_bytes().map_err(|e| weights_error(e.to_string()))?;
    write_atomic(path, &bytes).map_err(TrainError::io(path))?;
    let file = path.file_name().map(|f| f.to_string_lossy().into_owned()).unwrap_or_default();
    Ok(PytorchExport { file, architecture, tensors })
}

#[cfg(test)]
mod tests {
    use super::*;
    use burn::prelude::*;
    use medref_core::config::ResnetConfig;
    use medref_models::mlp::Mlp;
    use medref_models::resnet::ResNet;

    /// Reads a safetensors file's header by hand: name -> (dtype, shape,
    /// little-endian f32 values), independent of burn-store's reader.
    fn read_back(bytes: &[u8]) -> std::collections::BTreeMap<String, (String, Vec<usize>, Vec<f32>)> {
        let n = u64::from_le_bytes(bytes[..8].try_into().unwrap()) as usize;
        let header: serde_json::Value = serde_json::from_slice(&bytes[8..8 + n]).unwrap();
        let data = &bytes[8 + n..];
        let mut out = std::collections::BTreeMap::new();
        for (name, entry) in header.as_object().unwrap() {
            if name == "__metadata__" {
                continue;
            }
            let dtype = entry["dtype"].as_str().unwrap().to_string();
            let shape: Vec<usize> =
                entry["shape"].as_array().unwrap().iter().map(|v| v.as_u64().unwrap() as usize).collect();
            let [a, b] = [0, 1].map(|i| entry["data_offsets"][i].as_u64().unwrap() as usize);
            let values = data[a..b].chunks_exact(4).map(|c| f32::from_le_bytes(c.try_into().unwrap())).collect();
            out.insert(name.clone(), (dtype, shape, values));
        }
        out
    }

    #[test]
    fn linear_weights_are_transposed_to_out_by_in() {
        let device = Device::flex();
        // Two inputs, three outputs: burn holds [in, out] = [[1, 2, 3], [4, 5, 6]].
        let model = Mlp::new(&[], 0.0, 2, 3, &device)
            .with_linear_coefficients(&[1., 2., 3., 4., 5., 6.], &[0.5, -0.5, 1.5])
            .unwrap();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("model.safetensors");
        let export = write_safetensors(&model, serde_json::json!({"kind": "linear"}), &path).unwrap();
        let names: Vec<_> =
            export.tensors.iter().map(|t| (t.burn.as_str(), t.pytorch.as_str(), t.shape.clone())).collect();
        assert_eq!(names, vec![("head.weight", "head.weight", vec![3, 2]), ("head.bias", "head.bias", vec![3])]);
        let file = read_back(&std::fs::read(&path).unwrap());
        let (dtype, shape, w) = &file["head.weight"];
        assert_eq!((dtype.as_str(), shape.as_slice()), ("F32", &[3usize, 2][..]));
        // PyTorch's [out, in]: row j holds output j's coefficients.
        assert_eq!(w, &vec![1., 4., 2., 5., 3., 6.]);
        assert_eq!(file["head.bias"].2, vec![0.5, -0.5, 1.5]);
    }

    #[test]
    fn batch_norm_takes_pytorch_names_and_every_tensor_is_mapped() {
        let device = Device::flex();
        let cfg = ResnetConfig { width: 4, stages: 2, blocks_per_stage: 1, dropout: 0.0, batch_norm: true };
        let model = ResNet::new(&cfg, 1, 2, &device);
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("model.safetensors");
        let export = write_safetensors(&model, serde_json::json!({}), &path).unwrap();
        let file = read_back(&std::fs::read(&path).unwrap());
        assert_eq!(file.len(), export.tensors.len());
        let find =
            |name: &str| export.tensors.iter().find(|t| t.pytorch == name).unwrap_or_else(|| panic!("{name} missing"));
        assert_eq!(find("stem.norm.weight").burn, "stem.norm.gamma");
        assert_eq!(find("stem.norm.bias").burn, "stem.norm.beta");
        assert_eq!(find("stem.conv.weight").shape, vec![4, 1, 3, 3]);
        assert_eq!(find("blocks.1.shortcut.conv.weight").shape, vec![8, 4, 1, 1]);
        assert_eq!(find("blocks.1.first.norm.running_var").shape, vec![8]);
        assert_eq!(find("head.weight").shape, vec![2, 8]);
        for t in &export.tensors {
            assert_eq!(file[&t.pytorch].1, t.shape, "{}", t.pytorch);
        }
    }
}
