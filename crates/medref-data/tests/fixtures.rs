//! The committed fixtures read as documented in datasets/PROVENANCE.md.

use std::path::{Path, PathBuf};

use medref_data::npz::{inspect, read_medmnist};
use medref_data::synth_imaging::{generate, SynthImagingSpec};

fn datasets() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../datasets")
}

#[test]
fn tiny_fixture_is_reproducible() {
    let path = datasets().join("tiny/imaging_tiny.npz");
    let on_disk = read_medmnist(&path).unwrap();
    let regenerated = generate(&SynthImagingSpec::tiny_fixture());
    for ((name, a), (_, b)) in on_disk.splits().into_iter().zip(regenerated.splits()) {
        assert_eq!(a.n, b.n, "{name}");
        assert!(a.images == b.images, "{name} images differ from the regenerated ones");
        assert_eq!(a.labels, b.labels, "{name} labels");
    }
    assert_eq!(on_disk, regenerated);
    assert!(std::fs::metadata(&path).unwrap().len() < 300_000);
}

#[test]
fn reads_numpy_savez_grey_int64_labels() {
    let ds = read_medmnist(datasets().join("tiny/numpy_savez_grey.npz")).unwrap();
    assert_eq!((ds.channels, ds.height, ds.width, ds.label_width), (1, 5, 4, 1));
    assert_eq!((ds.train.n, ds.val.n, ds.test.n), (6, 2, 3));
    assert_eq!(ds.n_classes, 3);
    for (i, (name, s)) in ds.splits().into_iter().enumerate() {
        let want: Vec<u8> = (0..s.n * 20).map(|f| ((f * 3 + i) % 256) as u8).collect();
        assert_eq!(s.images, want, "{name}");
        let labels: Vec<u32> = (0..s.n as u32).map(|j| j % 3).collect();
        assert_eq!(s.labels, labels, "{name}");
    }
}

#[test]
fn reads_numpy_savez_compressed_rgb_multilabel_channels_first() {
    let path = datasets().join("tiny/numpy_savez_compressed_rgb.npz");
    let ds = read_medmnist(&path).unwrap();
    assert_eq!((ds.channels, ds.height, ds.width, ds.label_width, ds.n_classes), (3, 5, 4, 4, 4));
    for (i, (name, s)) in ds.splits().into_iter().enumerate() {
        for j in 0..s.n {
            for ch in 0..3 {
                for y in 0..5 {
                    for x in 0..4 {
                        let channels_last = ((j * 5 + y) * 4 + x) * 3 + ch;
                        let want = ((channels_last * 7 + i) % 256) as u8;
                        let got = s.images[((j * 3 + ch) * 5 + y) * 4 + x];
                        assert_eq!(got, want, "{name} image {j} channel {ch} ({y}, {x})");
                    }
                }
            }
        }
        let labels: Vec<u32> = (0..s.n * 4).map(|f| ((f + i) % 2) as u32).collect();
        assert_eq!(s.labels, labels, "{name}");
    }
    let infos = inspect(&path).unwrap();
    assert_eq!(infos[0].name, "train_images");
    assert_eq!(infos[0].shape, vec![6, 5, 4, 3]);
    assert_eq!(infos[1].dtype, "<i4");
}

/// The shared PneumoniaMNIST copy (not committed: see the shared
/// PROVENANCE.md); skipped where it is absent.
#[test]
fn shared_pneumoniamnist_has_the_documented_splits() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/datasets/imaging/pneumoniamnist_28.npz");
    if !path.exists() {
        eprintln!("skipped: {} not present", path.display());
        return;
    }
    let ds = read_medmnist(&path).unwrap();
    assert_eq!((ds.channels, ds.height, ds.width, ds.label_width, ds.n_classes), (1, 28, 28, 1, 2));
    assert_eq!((ds.train.n, ds.val.n, ds.test.n), (3882, 524, 624));
    let positives = |s: &medref_data::ImageSplit| s.labels.iter().filter(|&&l| l == 1).count();
    assert_eq!(positives(&ds.val), 389);
    assert_eq!(positives(&ds.test), 390);
    assert_eq!(positives(&ds.train), 3494);
}

/// `datasets/tiny/volumes_tiny.npz` is what `medref data synth volumes`
/// writes with its defaults.
#[test]
fn tiny_volume_fixture_is_reproducible() {
    let path = datasets().join("tiny/volumes_tiny.npz");
    let on_disk = medref_data::read_medmnist3d(&path).unwrap();
    let regenerated = medref_data::synth_volumes::generate(&medref_data::SynthVolumesSpec::tiny_fixture());
    assert!(on_disk == regenerated, "the committed volumes differ from the regenerated ones");
    assert!(std::fs::metadata(&path).unwrap().len() < 300_000);
}
