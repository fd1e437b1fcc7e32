//! The U-Net as the training loop and `predict` use it: on patches while
//! training, and on whole images by a Gaussian-weighted sliding window
//! (see [`crate::sliding_window`]) when scoring, so an image of any size is
//! predicted by windows of the size the network was trained on.

use crate::sliding_window::{cut_window, gaussian_importance, plan, Stitcher};
use crate::unet::{Unet, UnetSpec};
use burn::nn::BatchNorm;
use burn::prelude::*;

/// What a segmentation batch holds.
#[derive(Debug)]
pub enum SegmentationInput {
    /// Training patches `[batch, channels, window, window]` (boxed: a
    /// tensor handle is far larger than the other variant).
    Patches(Box<Tensor<4>>),
    /// Whole images, channels-first `[channels, h, w]` as the network
    /// reads them, with their shapes, predicted window by window on `device`.
    Images { images: Vec<(Vec<f32>, [usize; 3])>, device: Device },
}

/// How a whole image is covered by windows (MONAI's
/// `sliding_window_inference` parameters).
#[derive(Debug, Clone, PartialEq)]
pub struct SlidingWindow {
    /// Window side in pixels (the training patch side).
    pub size: usize,
    /// Share of a window shared with its neighbour.
    pub overlap: f64,
    /// Gaussian standard deviation as a share of the window side.
    pub sigma_scale: f64,
    /// Windows per forward pass.
    pub batch: usize,
}

/// A U-Net with its sliding window.
#[derive(Module, Debug)]
pub struct Segmenter {
    pub unet: Unet,
    #[module(skip)]
    window: SlidingWindow,
}

impl Segmenter {
    pub fn new(spec: &UnetSpec, window: SlidingWindow, device: &Device) -> Self {
        Self { unet: Unet::new(spec, device), window }
    }

    /// Class logits of one whole image, one row per pixel `[h * w, k]`
    /// (row-major pixels) as host values.
    pub fn image_logits(&self, image: &[f32], shape: [usize; 3], device: &Device) -> Vec<f32> {
        let [c, h, w] = shape;
        let p = self.window.size;
        let windows = plan([h, w], p, self.window.overlap);
        let mut stitcher: Option<Stitcher> = None;
        let importance = gaussian_importance(p, self.window.sigma_scale);
        let indices: Vec<usize> = (0..windows.starts.len()).collect();
        for chunk in indices.chunks(self.window.batch.max(1)) {
            let pixels: Vec<f32> =
                chunk.iter().flat_map(|&i| cut_window(image, shape, &windows, windows.starts[i], p)).collect();
            let x = Tensor::<4>::from_data(TensorData::new(pixels, [chunk.len(), c, p, p]), device);
            let out = self.unet.forward(x);
            let k = out.dims()[1];
            let values: Vec<f32> = out.into_data().convert::<f32>().try_into_vec::<f32>().expect("f32 logits");
            let s = stitcher.get_or_insert_with(|| Stitcher::new(windows.clone(), p, k, importance.clone()));
            for (j, &i) in chunk.iter().enumerate() {
                s.add(i, &values[j * k * p * p..(j + 1) * k * p * p]);
            }
        }
        stitcher.expect("an image has at least one window").finish([h, w])
    }
}

impl crate::Network for Segmenter {
    type Input = SegmentationInput;
    /// One row per pixel, `[pixels, n_classes]`: the patches' pixels in
    /// batch order, or every image's pixels one image after another.
    fn logits(&self, input: SegmentationInput) -> Tensor<2> {
        match input {
            SegmentationInput::Patches(x) => self.unet.logits(*x),
            SegmentationInput::Images { images, device } => {
                let mut rows = Vec::new();
                let mut k = 0;
                for (image, shape) in &images {
                    let logits = self.image_logits(image, *shape, &device);
                    k = logits.len() / (shape[1] * shape[2]).max(1);
                    rows.extend(logits);
                }
                let n = rows.len() / k.max(1);
                Tensor::<2>::from_data(TensorData::new(rows, [n, k]), &device)
            }
        }
    }

    fn batch_norms_mut(&mut self) -> Vec<&mut BatchNorm> {
        self.unet.batch_norms_mut()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Network;

    /// On an image the size of one window, the sliding window is the plain
    /// forward pass (one window, every weight divides out).
    #[test]
    fn one_window_is_the_plain_forward_pass() {
        let device = Device::flex();
        let spec = UnetSpec { in_channels: 1, n_classes: 2, depth: 2, width: 4, batch_norm: false, transposed: true };
        let window = SlidingWindow { size: 8, overlap: 0.25, sigma_scale: 0.125, batch: 2 };
        let model = Segmenter::new(&spec, window, &device);
        let image: Vec<f32> = (0..64).map(|v| (v as f32 * 0.37).sin()).collect();
        let whole = model
            .logits(SegmentationInput::Images { images: vec![(image.clone(), [1, 8, 8])], device: device.clone() });
        let direct = model.logits(SegmentationInput::Patches(Box::new(Tensor::from_data(
            TensorData::new(image, [1, 1, 8, 8]),
            &device,
        ))));
        let (a, b): (Vec<f32>, Vec<f32>) =
            (whole.into_data().try_into_vec().unwrap(), direct.into_data().try_into_vec().unwrap());
        assert_eq!(a.len(), 128);
        assert!(a.iter().zip(&b).all(|(x, y)| (x - y).abs() < 1e-4));
        // A larger image gives one row per pixel.
        let big = model.logits(SegmentationInput::Images { images: vec![(vec![0.5; 13 * 10], [1, 13, 10])], device });
        assert_eq!(big.dims(), [130, 2]);
    }
}
