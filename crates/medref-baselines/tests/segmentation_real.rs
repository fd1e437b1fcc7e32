//! The shipped segmentation configs read the real DRIVE and Kvasir-SEG
//! copies (not committed: see ../shared/datasets/PROVENANCE.md) into the
//! splits they promise; skipped where the copies are absent.

use std::path::{Path, PathBuf};

fn shared(rel: &str) -> Option<PathBuf> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/datasets/segmentation").join(rel);
    if path.is_dir() {
        Some(path)
    } else {
        eprintln!("skipped: {} not present", path.display());
        None
    }
}

/// A shipped config; `overrides` as `--set` gives them.
fn config(name: &str, overrides: &[String]) -> medref_core::config::Config {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../configs/imaging").join(name);
    medref_baselines::load_config(&path, overrides).unwrap()
}

/// DRIVE: 16 training images (32 patches each) and 4 for validation from
/// the training folder, the 20 test images with the first annotator.
#[test]
fn drive_splits_its_training_folder_and_tests_on_the_test_folder() {
    let Some(data) = shared("drive") else { return };
    let summary = medref_baselines::validate(&config("drive-unet.toml", &[]), Some(&data)).unwrap();
    assert_eq!(summary.split_sizes, [16 * 32, 4, 20]);
    assert_eq!((summary.shape.input_shape.clone(), summary.shape.n_classes), (vec![3, 0, 0], Some(2)));
}

/// Kvasir-SEG: the committed split file places all 998 images.
#[test]
fn kvasir_follows_the_committed_split_file() {
    let Some(data) = shared("kvasir_seg_256") else { return };
    // The config names the split file from the repository root.
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let split = format!("data.split_file={}", root.join("datasets/splits/kvasir_seg_256.json").display());
    let summary = medref_baselines::validate(&config("kvasir-unet.toml", &[split]), Some(&data)).unwrap();
    assert_eq!(summary.split_sizes, [798 * 2, 100, 100]);
}

/// The human reference of DRIVE: the second annotator scored against the
/// first on the 20 test images, inside the field of view, with the metrics
/// a run reports (the literature gives about 0.79).
#[test]
fn drive_second_annotator_against_the_first() {
    use medref_core::metrics::{segmentation_summary, ImageSegmentation};
    use medref_data::{read_segmentation_pairs, MaskRule, PairPattern};
    let Some(data) = shared("drive") else { return };
    let read = |mask: &str| {
        let pattern = PairPattern {
            image: "testing/images/{id}_test.tif".into(),
            mask: format!("testing/{mask}"),
            roi: Some("testing/mask/{id}_test_mask.gif".into()),
        };
        read_segmentation_pairs(&data, &pattern, &MaskRule::Threshold(128), false).unwrap()
    };
    let (first, second) = (read("1st_manual/{id}_manual1.gif"), read("2nd_manual/{id}_manual2.gif"));
    let per_image: Vec<ImageSegmentation> = first
        .iter()
        .zip(&second)
        .map(|(a, b)| {
            let (truth, other): (Vec<bool>, Vec<bool>) =
                (a.mask.iter().map(|&c| c != 0).collect(), b.mask.iter().map(|&c| c != 0).collect());
            ImageSegmentation::new(&other, &truth, a.roi.as_deref(), &[a.height, a.width], &[1.0, 1.0]).unwrap()
        })
        .collect();
    let summary = segmentation_summary(&per_image, 0, 0);
    eprintln!("DRIVE second annotator vs first: {summary:?}");
    assert_eq!(summary["n"], 20.0);
    assert!((0.75..0.83).contains(&summary["dice"]), "{summary:?}");
}
