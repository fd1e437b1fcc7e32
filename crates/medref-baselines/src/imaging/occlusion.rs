//! Occlusion saliency: the explanation picture of an image model.

use super::ImageExamples;
use medref_data::{ImageDataset, ImageSplit};
use medref_models::ImageClassifier;
use medref_train::run::score_examples;
use medref_train::{TrainError, Trained};

/// Occlusion saliency of one image: how much the probability of `class`
/// drops when a square patch is covered with the image's mean grey,
/// averaged over the patches covering each pixel. `[height, width]`,
/// positive where the model relies on the pixel. Model-agnostic and
/// gradient-free, so a trainee can read it as "what if this part were not
/// there".
pub struct Occlusion {
    pub image: Vec<u8>,
    pub channels: usize,
    pub height: usize,
    pub width: usize,
    pub reference_score: f64,
    pub drop: Vec<f64>,
}

/// Occlusion saliency of `image` (`[channels, height, width]`) for `class`.
pub fn occlusion_saliency(run: &Trained<ImageClassifier>, image: &[u8], class: usize) -> Result<Occlusion, TrainError> {
    let meta = &run.info.meta;
    let (c, h, w) = match meta.input_shape[..] {
        [c, h, w] => (c, h, w),
        _ => return Err(TrainError::Mismatch(format!("{}: not an image model", run.info.dir.display()))),
    };
    let k = meta.n_outputs;
    if class >= k || image.len() != c * h * w {
        return Err(TrainError::Mismatch(format!(
            "class {class} or image size does not fit the model ({k} outputs, {c}x{h}x{w})"
        )));
    }
    let mean = (image.iter().map(|&v| u64::from(v)).sum::<u64>() / image.len().max(1) as u64) as u8;
    let patch = (h.min(w) / 7).max(2);
    let stride = (patch / 2).max(1);
    let mut images = image.to_vec();
    let mut positions = Vec::new();
    for y in (0..=h - patch).step_by(stride) {
        for x in (0..=w - patch).step_by(stride) {
            let mut m = image.to_vec();
            for ch in 0..c {
                for yy in y..y + patch {
                    m[ch * h * w + yy * w + x..ch * h * w + yy * w + x + patch].fill(mean);
                }
            }
            images.extend_from_slice(&m);
            positions.push((y, x));
        }
    }
    let n = positions.len() + 1;
    let ds = ImageDataset {
        channels: c,
        height: h,
        width: w,
        label_width: meta.label_width,
        n_classes: k,
        train: ImageSplit::default(),
        val: ImageSplit::default(),
        test: ImageSplit { images, labels: vec![0; n * meta.label_width], n },
    };
    let ex = ImageExamples::new(&ds, &ds.test, None, Default::default());
    let scores = score_examples(run, &ex)?;
    let reference = scores[class];
    let mut sum = vec![0.0; h * w];
    let mut count = vec![0u32; h * w];
    for (p, &(y, x)) in positions.iter().enumerate() {
        let d = reference - scores[(p + 1) * k + class];
        for yy in y..y + patch {
            for xx in x..x + patch {
                sum[yy * w + xx] += d;
                count[yy * w + xx] += 1;
            }
        }
    }
    let drop = sum.iter().zip(&count).map(|(s, &n)| if n > 0 { s / f64::from(n) } else { 0.0 }).collect();
    Ok(Occlusion { image: image.to_vec(), channels: c, height: h, width: w, reference_score: reference, drop })
}

impl Occlusion {
    /// The image in grey with the saliency laid over it in red (opacity
    /// proportional to the drop; only drops, not gains, are shown).
    pub fn to_svg(&self, title: &str) -> String {
        let (h, w) = (self.height, self.width);
        let cell = (280.0 / w.max(h) as f64).max(4.0);
        let top = 30.0;
        let (width, height) = (cell * w as f64 * 2.0 + 30.0, top + cell * h as f64 + 24.0);
        let max = self.drop.iter().cloned().fold(0.0f64, f64::max).max(1e-9);
        let mut s = format!(
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width:.0}\" height=\"{height:.0}\" viewBox=\"0 0 {width:.0} {height:.0}\">\n\
             <text x=\"4\" y=\"18\" font-family=\"sans-serif\" font-size=\"13\">{}</text>\n",
            escape(title)
        );
        for panel in 0..2 {
            let left = 10.0 + panel as f64 * (cell * w as f64 + 10.0);
            for y in 0..h {
                for x in 0..w {
                    let grey = (0..self.channels).map(|ch| u32::from(self.image[ch * h * w + y * w + x])).sum::<u32>()
                        / self.channels as u32;
                    let (px, py) = (left + x as f64 * cell, top + y as f64 * cell);
                    s.push_str(&format!(
                        "<rect x=\"{px:.1}\" y=\"{py:.1}\" width=\"{cell:.1}\" height=\"{cell:.1}\" fill=\"rgb({grey},{grey},{grey})\"/>"
                    ));
                    let a = (self.drop[y * w + x] / max).max(0.0);
                    if panel == 1 && a > 0.02 {
                        s.push_str(&format!(
                            "<rect x=\"{px:.1}\" y=\"{py:.1}\" width=\"{cell:.1}\" height=\"{cell:.1}\" fill=\"rgb(220,30,30)\" fill-opacity=\"{:.2}\"/>",
                            a * 0.85
                        ));
                    }
                }
                s.push('\n');
            }
        }
        s.push_str(&format!(
            "<text x=\"10\" y=\"{:.0}\" font-family=\"sans-serif\" font-size=\"11\">left: the image; right: red where covering a patch lowers the score ({:.3}) most (largest drop {:.3})</text>\n</svg>\n",
            height - 6.0,
            self.reference_score,
            max
        ));
        s
    }
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}
