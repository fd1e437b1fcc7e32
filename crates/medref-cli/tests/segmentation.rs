//! Segmentation end to end: the tiny disc config trains through the CLI to
//! a test Dice of at least 0.9 with the sliding window on whole images, the
//! run writes its per-image table and splits, `predict` writes the mask as
//! PNG, and a run cannot be asked to print a mask to the terminal.

mod common;
use common::{json, medref, text};

/// Dice of two masks given as grey levels (foreground: at least 128).
fn dice(a: &[u8], b: &[u8]) -> f64 {
    let both = a.iter().zip(b).filter(|(x, y)| **x >= 128 && **y >= 128).count() as f64;
    let (na, nb) = (a.iter().filter(|&&x| x >= 128).count() as f64, b.iter().filter(|&&x| x >= 128).count() as f64);
    2.0 * both / (na + nb)
}

#[test]
fn the_unet_finds_the_planted_disc_and_predict_writes_its_mask() {
    let tmp = tempfile::tempdir().unwrap();
    let run = tmp.path().join("run");
    let o = medref(&["train", "configs/imaging/segmentation-tiny.toml", "--out", run.to_str().unwrap(), "--quiet"]);
    let (out, err) = text(&o);
    assert!(o.status.success(), "{out}\n{err}");
    assert!(out.contains("test Dice"), "{out}");

    let metrics = json(&run.join("metrics.json"));
    assert_eq!(metrics["task"], "segmentation");
    let test = &metrics["test"];
    let d = test["dice"].as_f64().unwrap();
    assert!(d >= 0.9, "test Dice {d}: {test}");
    for key in ["dice_ci_low", "dice_ci_high", "iou", "sensitivity", "specificity", "hd95", "mean_surface_distance"] {
        assert!(test[key].as_f64().is_some_and(f64::is_finite), "{key} missing: {test}");
    }
    assert!(test["dice_ci_low"].as_f64() <= Some(d) && Some(d) <= test["dice_ci_high"].as_f64());

    // 24 images: 14 train, 5 val, 5 test, disjoint; the table has a row
    // per val and test image and no pixel rows.
    let splits = json(&run.join("splits.json"));
    let ids = |s: &str| -> Vec<String> {
        splits[s].as_array().unwrap().iter().map(|v| v.as_str().unwrap().to_string()).collect()
    };
    let (train, val, test_ids) = (ids("train"), ids("val"), ids("test"));
    assert_eq!((train.len(), val.len(), test_ids.len()), (14, 5, 5));
    assert!(test_ids.iter().all(|id| !train.contains(id) && !val.contains(id)));
    let table = std::fs::read_to_string(run.join("per_image_metrics.csv")).unwrap();
    assert!(table.starts_with("id,split,dice,iou,sensitivity,specificity,hd95,mean_surface_distance\n"));
    assert_eq!(table.lines().count(), 1 + 5 + 5, "{table}");
    assert!(table.contains(&format!("{},test,", test_ids[0])));
    assert!(!run.join("predictions.csv").exists());
    let history = std::fs::read_to_string(run.join("history.csv")).unwrap();
    assert!(history.starts_with("epoch,train_loss,val_loss,val_dice,"), "{history}");
    let report = std::fs::read_to_string(run.join("report.html")).unwrap();
    assert!(report.contains("Dice"), "the report shows Dice");
    // The contour overlay of the first test image, in the run and its report.
    let overlay = std::fs::read_to_string(run.join("plots/explain.svg")).unwrap();
    assert!(
        overlay.contains("data:image/png;base64,iVBOR") && overlay.matches("<path d=\"M").count() == 2,
        "{overlay}"
    );
    assert!(report.contains("true and predicted outlines"), "the report shows the overlay");

    // predict: the mask of a test image, as a PNG of the image's size,
    // close to the true mask.
    let image = format!("datasets/tiny/segmentation_disc/images/{}.png", test_ids[0]);
    let png = tmp.path().join("mask.png");
    let o = medref(&["predict", run.to_str().unwrap(), &image, "--out", png.to_str().unwrap()]);
    assert!(o.status.success(), "{:?}", text(&o));
    let (channels, h, w, predicted) = medref_data::read_image(&png, true).unwrap();
    assert_eq!((channels, h, w), (1, 40, 36));
    let truth = format!("datasets/tiny/segmentation_disc/masks/{}.png", test_ids[0]);
    let (_, _, _, truth) = medref_data::read_image(&common::repo().join(truth), true).unwrap();
    assert!(dice(&predicted, &truth) >= 0.85, "predicted mask Dice {}", dice(&predicted, &truth));

    // A mask cannot go to the terminal: bad input, nothing printed.
    let o = medref(&["predict", run.to_str().unwrap(), &image]);
    let (out, err) = text(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("--out") && out.is_empty(), "{err}");
}

/// A split file (in the format of a run's `splits.json`) that lists an id
/// no image has is refused, naming the file and the id, before any run.
#[test]
fn a_split_file_naming_an_unknown_image_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("split.json");
    let all: Vec<String> = (0..24).map(|i| format!("\"{i:02}\"")).collect();
    std::fs::write(
        &file,
        format!(
            r#"{{"train": [{}], "val": [{}], "test": [{}, "99"]}}"#,
            all[..16].join(","),
            all[16..20].join(","),
            all[20..].join(",")
        ),
    )
    .unwrap();
    let out = tmp.path().join("run");
    let set = format!("data.split_file={}", file.display());
    let o = medref(&[
        "train",
        "configs/imaging/segmentation-tiny.toml",
        "--out",
        out.to_str().unwrap(),
        "--quiet",
        "--set",
        &set,
    ]);
    let (_, err) = text(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("split.json") && err.contains("`99`"), "{err}");
    assert!(!out.join("metrics.json").exists());
}

/// The disc images and masks as arrays in one `.npz` with `train`, `val`
/// and `test` prefixes: the file's own split is used (no fractions), ids
/// are `{prefix}_{index}`, and the U-Net still finds the disc.
#[test]
fn an_npz_of_images_and_masks_trains_on_its_own_split() {
    use medref_data::npy::encode;
    let tmp = tempfile::tempdir().unwrap();
    let folder = common::repo().join("datasets/tiny/segmentation_disc");
    let mut arrays = Vec::new();
    for (prefix, ids) in [("train", 0..14), ("val", 14..19), ("test", 19..24)] {
        let (mut images, mut masks, mut n) = (Vec::new(), Vec::new(), 0);
        for i in ids {
            let (_, h, w, image) = medref_data::read_image(&folder.join(format!("images/{i:02}.png")), true).unwrap();
            let (_, _, _, mask) = medref_data::read_image(&folder.join(format!("masks/{i:02}.png")), true).unwrap();
            assert_eq!((h, w), (40, 36));
            images.extend(image);
            // Class indices, as numpy users store masks.
            masks.extend(mask.iter().map(|&v| u8::from(v >= 128)));
            n += 1;
        }
        arrays.push((format!("{prefix}_images"), encode("|u1", &[n, 40, 36], &images)));
        arrays.push((format!("{prefix}_masks"), encode("|u1", &[n, 40, 36], &masks)));
    }
    let npz = tmp.path().join("discs.npz");
    medref_data::npz::write_npz(&npz, &arrays).unwrap();
    let config = std::fs::read_to_string(common::repo().join("configs/imaging/segmentation-tiny.toml")).unwrap();
    let config: String = config
        .lines()
        .filter(|l| !l.starts_with("image =") && !l.starts_with("mask ="))
        .map(|l| {
            if l.starts_with("path =") {
                format!("path = {:?}\n", npz.display().to_string())
            } else {
                format!("{l}\n")
            }
        })
        .collect();
    let config_path = tmp.path().join("npz.toml");
    std::fs::write(&config_path, config).unwrap();

    let run = tmp.path().join("run");
    let o = medref(&["train", config_path.to_str().unwrap(), "--out", run.to_str().unwrap(), "--quiet"]);
    let (out, err) = text(&o);
    assert!(o.status.success(), "{out}\n{err}");
    let splits = json(&run.join("splits.json"));
    let count = |s: &str| splits[s].as_array().unwrap().len();
    assert_eq!((count("train"), count("val"), count("test")), (14, 5, 5));
    assert_eq!(splits["test"][0], "test_0");
    let d = json(&run.join("metrics.json"))["test"]["dice"].as_f64().unwrap();
    assert!(d >= 0.9, "test Dice {d}");

    // Patterns do not go with an .npz: refused before any run, naming the key.
    let bad = tmp.path().join("bad.toml");
    let text_with_pattern =
        std::fs::read_to_string(&config_path).unwrap().replace("[data]\n", "[data]\nimage = \"x/{id}.png\"\n");
    std::fs::write(&bad, text_with_pattern).unwrap();
    let o = medref(&["train", bad.to_str().unwrap(), "--out", tmp.path().join("bad").to_str().unwrap(), "--quiet"]);
    let (_, err) = text(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("[data].image") && err.contains(".npz"), "{err}");
}
