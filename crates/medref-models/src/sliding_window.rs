//! Where the windows of a sliding-window prediction fall, and how much
//! each pixel of a window counts, as MONAI's `sliding_window_inference`
//! decides them (so a trainee comparing with MONAI gets the same windows):
//! an image smaller than the window is padded with zeros, split evenly
//! before and after; windows step by `window * (1 - overlap)` pixels
//! (at least 1), and the last window of a row or column is pulled back to
//! end at the image's edge; each window's output is weighted by a Gaussian
//! centred on the window (standard deviation `sigma_scale * window`,
//! largest weight 1), so pixels near a window's edge, which the network saw
//! with little context, count less than the same pixels seen at the centre
//! of a neighbouring window. No burn here: the geometry is tested alone.

/// The windows of one image.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WindowPlan {
    /// The padded image's `[height, width]`.
    pub padded: [usize; 2],
    /// Rows and columns of padding before the image.
    pub pad_before: [usize; 2],
    /// The top-left corner of each window in the padded image, row-major.
    pub starts: Vec<[usize; 2]>,
}

/// Window starts along one axis of `size` pixels (after padding).
fn axis_starts(size: usize, window: usize, overlap: f64) -> Vec<usize> {
    let step = if size == window { window } else { ((window as f64 * (1.0 - overlap)) as usize).max(1) };
    let mut starts = Vec::new();
    let mut start = 0;
    loop {
        if start + window >= size {
            starts.push(size - window);
            return starts;
        }
        starts.push(start);
        start += step;
    }
}

/// The windows of a `[height, width]` image for square windows of side
/// `window` overlapping by the share `overlap` (0 to below 1).
pub fn plan(image: [usize; 2], window: usize, overlap: f64) -> WindowPlan {
    let pad = |n: usize| window.saturating_sub(n);
    let padded = [image[0] + pad(image[0]), image[1] + pad(image[1])];
    let pad_before = [pad(image[0]) / 2, pad(image[1]) / 2];
    let rows = axis_starts(padded[0], window, overlap);
    let cols = axis_starts(padded[1], window, overlap);
    let starts = rows.iter().flat_map(|&r| cols.iter().map(move |&c| [r, c])).collect();
    WindowPlan { padded, pad_before, starts }
}

/// The weight of each pixel of a window, row-major `[window, window]`:
/// a Gaussian centred at pixel `window / 2` in both axes, largest value 1.
pub fn gaussian_importance(window: usize, sigma_scale: f64) -> Vec<f32> {
    let sigma = (window as f64 * sigma_scale).max(1e-6);
    let centre = (window / 2) as f64;
    let axis: Vec<f64> = (0..window).map(|i| (-((i as f64 - centre).powi(2)) / (2.0 * sigma * sigma)).exp()).collect();
    let mut map: Vec<f32> = axis.iter().flat_map(|&a| axis.iter().map(move |&b| (a * b) as f32)).collect();
    // Far corners underflow to 0 for small sigmas; MONAI lifts zeros to the
    // smallest positive weight so every pixel is covered.
    let floor = map.iter().copied().filter(|&v| v > 0.0).fold(f32::INFINITY, f32::min);
    map.iter_mut().for_each(|v| *v = v.max(floor));
    map
}

/// Sums window outputs weighted by the importance map and divides by the
/// summed weights: the whole image's output, channels-first.
pub struct Stitcher {
    plan: WindowPlan,
    window: usize,
    channels: usize,
    importance: Vec<f32>,
    sum: Vec<f32>,
    weight: Vec<f32>,
}

impl Stitcher {
    pub fn new(plan: WindowPlan, window: usize, channels: usize, importance: Vec<f32>) -> Self {
        let pixels = plan.padded[0] * plan.padded[1];
        Self { plan, window, channels, importance, sum: vec![0.0; channels * pixels], weight: vec![0.0; pixels] }
    }

    pub fn plan(&self) -> &WindowPlan {
        &self.plan
    }

    /// Adds window `index`'s output, channels-first `[channels, window, window]`.
    pub fn add(&mut self, index: usize, output: &[f32]) {
        let [r0, c0] = self.plan.starts[index];
        let (p, width, plane) = (self.window, self.plan.padded[1], self.plan.padded[0] * self.plan.padded[1]);
        for y in 0..p {
            for x in 0..p {
                let w = self.importance[y * p + x];
                let at = (r0 + y) * width + c0 + x;
                self.weight[at] += w;
                for c in 0..self.channels {
                    self.sum[c * plane + at] += w * output[(c * p + y) * p + x];
                }
            }
        }
    }

    /// The stitched output inside the original `[height, width]`, one row
    /// per pixel (row-major) with `channels` values: `[h * w, channels]`.
    pub fn finish(self, image: [usize; 2]) -> Vec<f32> {
        let (width, plane) = (self.plan.padded[1], self.plan.padded[0] * self.plan.padded[1]);
        let [pr, pc] = self.plan.pad_before;
        let mut out = Vec::with_capacity(image[0] * image[1] * self.channels);
        for y in 0..image[0] {
            for x in 0..image[1] {
                let at = (y + pr) * width + x + pc;
                let w = self.weight[at].max(f32::MIN_POSITIVE);
                out.extend((0..self.channels).map(|c| self.sum[c * plane + at] / w));
            }
        }
        out
    }
}

/// Window `start` of a channels-first image `[channels, h, w]` placed in
/// its padded frame (zeros outside the image), `[channels, window, window]`.
pub fn cut_window(image: &[f32], shape: [usize; 3], plan: &WindowPlan, start: [usize; 2], window: usize) -> Vec<f32> {
    let [channels, h, w] = shape;
    let [pr, pc] = plan.pad_before;
    let mut out = vec![0.0; channels * window * window];
    for c in 0..channels {
        for y in 0..window {
            let row = (start[0] + y).checked_sub(pr).filter(|&r| r < h);
            let Some(row) = row else { continue };
            for x in 0..window {
                if let Some(col) = (start[1] + x).checked_sub(pc).filter(|&q| q < w) {
                    out[(c * window + y) * window + x] = image[(c * h + row) * w + col];
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// MONAI's windows for a 10-pixel axis, window 4: overlap 0.5 steps by
    /// 2 (0, 2, 4, 6); overlap 0.25 steps by 3 and pulls the last back
    /// (0, 3, 6); an axis the window's size has one window.
    #[test]
    fn window_starts_follow_monai() {
        assert_eq!(axis_starts(10, 4, 0.5), vec![0, 2, 4, 6]);
        assert_eq!(axis_starts(10, 4, 0.25), vec![0, 3, 6]);
        assert_eq!(axis_starts(4, 4, 0.5), vec![0]);
        assert_eq!(axis_starts(5, 4, 0.0), vec![0, 1]);
    }

    #[test]
    fn a_small_image_is_padded_evenly() {
        let p = plan([3, 8], 4, 0.5);
        assert_eq!(p.padded, [4, 8]);
        assert_eq!(p.pad_before, [0, 0]);
        assert_eq!(p.starts, vec![[0, 0], [0, 2], [0, 4]]);
        let p = plan([1, 2], 4, 0.0);
        assert_eq!((p.padded, p.pad_before), ([4, 4], [1, 1]));
    }

    #[test]
    fn the_gaussian_peaks_at_the_centre_and_covers_every_pixel() {
        let g = gaussian_importance(8, 0.125);
        assert_eq!(g[4 * 8 + 4], 1.0);
        assert!(g.iter().all(|&v| v > 0.0 && v <= 1.0));
        assert!(g[0] < g[8 + 1] && g[8 + 1] < g[4 * 8 + 4]);
        // sigma = 1 pixel: one pixel off the centre weighs exp(-1/2).
        assert!((g[4 * 8 + 5] - (-0.5f32).exp()).abs() < 1e-6);
    }

    /// Stitching windows of a network that returns its input gives the
    /// image back, whatever the weights and overlaps.
    #[test]
    fn stitching_an_identity_gives_the_image_back() {
        let shape = [2, 5, 7];
        let image: Vec<f32> = (0..70).map(|v| v as f32).collect();
        for overlap in [0.0, 0.25, 0.5] {
            let p = plan([5, 7], 4, overlap);
            let mut s = Stitcher::new(p.clone(), 4, 2, gaussian_importance(4, 0.125));
            for (i, &start) in p.starts.iter().enumerate() {
                s.add(i, &cut_window(&image, shape, &p, start, 4));
            }
            let rows = s.finish([5, 7]);
            for y in 0..5 {
                for x in 0..7 {
                    for c in 0..2 {
                        let got = rows[(y * 7 + x) * 2 + c];
                        assert!((got - image[(c * 5 + y) * 7 + x]).abs() < 1e-3, "overlap {overlap}: {got}");
                    }
                }
            }
        }
        // Padding (an image smaller than the window) is cut off again.
        let small: Vec<f32> = vec![3.0; 2 * 3];
        let p = plan([2, 3], 4, 0.25);
        let mut s = Stitcher::new(p.clone(), 4, 1, gaussian_importance(4, 0.125));
        s.add(0, &cut_window(&small, [1, 2, 3], &p, p.starts[0], 4));
        let back = s.finish([2, 3]);
        assert_eq!(back.len(), 6);
        assert!(back.iter().all(|v| (v - 3.0).abs() < 1e-5), "{back:?}");
    }
}
