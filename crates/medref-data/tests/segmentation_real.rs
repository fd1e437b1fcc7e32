//! The segmentation pair reader on the real sets in `../shared/datasets`
//! (DRIVE retinal vessels, Kvasir-SEG polyps), where they are present; a
//! clean clone without them skips with a message.

use medref_data::{read_segmentation_pairs, MaskRule, PairPattern};
use std::path::PathBuf;

fn shared(rel: &str) -> Option<PathBuf> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/datasets").join(rel);
    if path.is_dir() {
        Some(path)
    } else {
        eprintln!("{} is absent: skipped", path.display());
        None
    }
}

#[test]
fn drive_training_pairs_with_their_field_of_view() {
    let Some(root) = shared("segmentation/drive/training") else { return };
    let pattern = PairPattern {
        image: "images/{id}_training.tif".into(),
        mask: "1st_manual/{id}_manual1.gif".into(),
        roi: Some("mask/{id}_training_mask.gif".into()),
    };
    let pairs = read_segmentation_pairs(&root, &pattern, &MaskRule::Threshold(128), false).unwrap();
    assert_eq!(pairs.len(), 20);
    assert_eq!(pairs[0].id, "21");
    assert!(pairs.iter().all(|p| (p.channels, p.height, p.width) == (3, 584, 565)));
    let (mut vessel, mut inside) = (0usize, 0usize);
    for p in &pairs {
        let roi = p.roi.as_ref().unwrap();
        inside += roi.iter().filter(|&&r| r).count();
        vessel += p.mask.iter().zip(roi).filter(|(m, r)| **m == 1 && **r).count();
    }
    // Vessels are about an eighth of the field of view (DRIVE's papers: ~12-13%).
    let share = vessel as f64 / inside as f64;
    eprintln!("DRIVE training: vessel share inside the field of view {share:.4}");
    assert!((0.11..0.15).contains(&share), "{share}");
}

#[test]
fn kvasir_pairs_with_jpeg_masks() {
    let Some(root) = shared("segmentation/kvasir_seg_256") else { return };
    let pattern = PairPattern { image: "images/{id}.jpg".into(), mask: "masks/{id}.jpg".into(), roi: None };
    let pairs = read_segmentation_pairs(&root, &pattern, &MaskRule::Threshold(128), false).unwrap();
    assert_eq!(pairs.len(), 998);
    assert!(pairs.iter().all(|p| (p.height, p.width) == (256, 256) && p.mask.contains(&1)));
    let share = pairs.iter().map(|p| p.mask.iter().filter(|&&m| m == 1).count()).sum::<usize>() as f64
        / (998.0 * 256.0 * 256.0);
    eprintln!("Kvasir-SEG: polyp share {share:.4}");
    assert!((0.08..0.25).contains(&share), "{share}");
}
