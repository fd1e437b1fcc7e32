//! The in-memory image dataset every imaging reader and generator yields.
//!
//! Pixels stay `u8` as stored on disk (MedMNIST, PNG, windowed DICOM);
//! conversion to floats and normalisation happen in the batcher, so a
//! dataset of 100k 28x28 images costs 78 MB and not four times that.

/// One split (train, val or test) of an [`ImageDataset`].
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ImageSplit {
    /// Pixels, channels-first: `[n, channels, height, width]`, row-major.
    pub images: Vec<u8>,
    /// Targets `[n, label_width]`: a class index when `label_width == 1`,
    /// else one 0/1 flag per finding (multi-label).
    pub labels: Vec<u32>,
    /// Number of images in the split.
    pub n: usize,
}

impl ImageSplit {
    /// Image `i` as `[channels, height, width]`, given `image_len = c*h*w`.
    pub fn image(&self, i: usize, image_len: usize) -> &[u8] {
        &self.images[i * image_len..(i + 1) * image_len]
    }

    /// The split's images as an array `[n, channels, height, width]`
    /// (a view, no copy).
    pub fn array(&self, [channels, height, width]: [usize; 3]) -> ndarray::ArrayView4<'_, u8> {
        ndarray::ArrayView4::from_shape((self.n, channels, height, width), &self.images)
            .expect("a split holds n images of channels x height x width bytes")
    }

    /// Labels of image `i` as `[label_width]`.
    pub fn label(&self, i: usize, label_width: usize) -> &[u32] {
        &self.labels[i * label_width..(i + 1) * label_width]
    }
}

/// A labelled image dataset with MedMNIST's three splits.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ImageDataset {
    /// 1 (greyscale) or 3 (RGB).
    pub channels: usize,
    /// Image height in pixels.
    pub height: usize,
    /// Image width in pixels.
    pub width: usize,
    /// 1 = a class index per image; > 1 = that many 0/1 findings per image.
    pub label_width: usize,
    /// For `label_width == 1`: the largest label over all splits + 1;
    /// for multi-label data: `label_width`.
    pub n_classes: usize,
    /// Training split.
    pub train: ImageSplit,
    /// Validation split (model selection, early stopping).
    pub val: ImageSplit,
    /// Test split (reported metrics only).
    pub test: ImageSplit,
}

impl ImageDataset {
    /// The split called `"train"`, `"val"` or `"test"`.
    pub fn split(&self, name: &str) -> Option<&ImageSplit> {
        match name {
            "train" => Some(&self.train),
            "val" => Some(&self.val),
            "test" => Some(&self.test),
            _ => None,
        }
    }

    /// The three splits with their names, in train, val, test order.
    pub fn splits(&self) -> [(&'static str, &ImageSplit); 3] {
        [("train", &self.train), ("val", &self.val), ("test", &self.test)]
    }

    /// Values per image: `channels * height * width`.
    pub fn image_len(&self) -> usize {
        self.channels * self.height * self.width
    }

    /// Checks that every split's buffers match its `n` and the shared shape,
    /// and that labels fit `label_width`/`n_classes`; says what is off.
    pub fn check_consistent(&self) -> Result<(), String> {
        if self.label_width == 0 {
            return Err("label_width is 0 (expected 1 for class indices or K for K findings)".into());
        }
        if self.label_width > 1 && self.n_classes != self.label_width {
            return Err(format!(
                "multi-label data ({} findings) must have n_classes = label_width, not {}",
                self.label_width, self.n_classes
            ));
        }
        for (name, s) in self.splits() {
            let want = s.n.checked_mul(self.image_len());
            if want != Some(s.images.len()) {
                return Err(format!(
                    "{name} split: {} pixel values but n={} images of [{}, {}, {}] need {}",
                    s.images.len(),
                    s.n,
                    self.channels,
                    self.height,
                    self.width,
                    want.map_or("more than fits in memory".to_string(), |w| w.to_string())
                ));
            }
            if s.n.checked_mul(self.label_width) != Some(s.labels.len()) {
                return Err(format!(
                    "{name} split: {} label values but n={} images with label_width {} need {}",
                    s.labels.len(),
                    s.n,
                    self.label_width,
                    s.n.saturating_mul(self.label_width)
                ));
            }
            let limit = if self.label_width == 1 { self.n_classes } else { 2 };
            if let Some(bad) = s.labels.iter().find(|&&l| l as usize >= limit) {
                return Err(format!("{name} split: label {bad} is out of range (expected below {limit})"));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_by_name_and_consistency() {
        let ds = ImageDataset {
            channels: 1,
            height: 2,
            width: 2,
            label_width: 1,
            n_classes: 2,
            train: ImageSplit { images: vec![0; 8], labels: vec![0, 1], n: 2 },
            ..Default::default()
        };
        assert_eq!(ds.split("train").map(|s| s.n), Some(2));
        assert!(ds.split("validation").is_none());
        assert_eq!(ds.train.image(1, ds.image_len()).len(), 4);
        assert!(ds.check_consistent().is_ok());
        let mut bad = ds.clone();
        bad.train.labels[1] = 2;
        assert!(bad.check_consistent().unwrap_err().contains("label 2"));
    }
}
