//! In-silico saturation mutagenesis (ISM) for DNA models: mutate every
//! position to every other base and record how the model's logit moves,
//! so a trainee can see which bases the prediction relies on.

use crate::run::{AnyModel, LoadedRun};
use crate::variant_effect::{logit, strand_mean_scores};
use crate::TrainError;

/// `effect[b][i]`: logit change when position `i` becomes base `b`
/// (A, C, G, T); 0 at the sequence's own base. `[4, L]`.
pub struct Mutagenesis {
    pub sequence: Vec<u8>,
    pub reference_score: f64,
    pub effect: [Vec<f64>; 4],
}

const BASES: [u8; 4] = *b"ACGT";

/// ISM of `sequence` (already the model's length) for output `class`.
pub fn saturation_mutagenesis(run: &LoadedRun, sequence: &[u8], class: usize) -> Result<Mutagenesis, TrainError> {
    let AnyModel::DnaCnn(model) = &run.model else {
        return Err(TrainError::Mismatch(format!("{}: mutagenesis needs a DNA model (kind = \"dna_cnn\")", run.dir.display())));
    };
    if class >= run.meta.n_outputs {
        return Err(TrainError::Mismatch(format!("class {class} does not exist: the model has {} outputs", run.meta.n_outputs)));
    }
    let len = sequence.len();
    let mut seqs = vec![sequence.to_vec()];
    for i in 0..len {
        for &b in &BASES {
            let mut m = sequence.to_vec();
            m[i] = b;
            seqs.push(m);
        }
    }
    let scores = strand_mean_scores(run, model, &seqs, class)?;
    let base = logit(scores[0]);
    let mut effect = [vec![0.0; len], vec![0.0; len], vec![0.0; len], vec![0.0; len]];
    for i in 0..len {
        for (b, row) in effect.iter_mut().enumerate() {
            if sequence[i] != BASES[b] {
                row[i] = logit(scores[1 + i * 4 + b]) - base;
            }
        }
    }
    Ok(Mutagenesis { sequence: sequence.to_vec(), reference_score: scores[0], effect })
}

impl Mutagenesis {
    /// `base\tpos_1\tpos_2...`, one row per base A, C, G, T.
    pub fn to_tsv(&self) -> String {
        let mut s = String::from("base");
        for i in 0..self.sequence.len() {
            s.push_str(&format!("\t{}{}", i + 1, self.sequence[i] as char));
        }
        s.push('\n');
        for (b, row) in self.effect.iter().enumerate() {
            s.push(BASES[b] as char);
            row.iter().for_each(|v| s.push_str(&format!("\t{v:.4}")));
            s.push('\n');
        }
        s
    }

    /// A heat map as a self-contained SVG: blue where a mutation lowers the
    /// score, red where it raises it, the sequence written underneath.
    pub fn to_svg(&self, title: &str) -> String {
        let len = self.sequence.len();
        let cell = 10.0;
        let (left, top) = (24.0, 30.0);
        let width = left + cell * len as f64 + 10.0;
        let height = top + cell * 4.0 + 40.0;
        let max = self.effect.iter().flatten().fold(1e-9f64, |m, v| m.max(v.abs()));
        let mut s = format!(
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" font-family=\"monospace\" font-size=\"9\">\n\
             <text x=\"{left}\" y=\"14\" font-size=\"11\">{}</text>\n",
            escape(title)
        );
        for (b, row) in self.effect.iter().enumerate() {
            let y = top + cell * b as f64;
            s.push_str(&format!("<text x=\"6\" y=\"{}\">{}</text>\n", y + 8.0, BASES[b] as char));
            for (i, v) in row.iter().enumerate() {
                let t = (v / max).clamp(-1.0, 1.0);
                let (r, g, bl) = if t < 0.0 {
                    (255.0 * (1.0 + t), 255.0 * (1.0 + t), 255.0)
                } else {
                    (255.0, 255.0 * (1.0 - t), 255.0 * (1.0 - t))
                };
                s.push_str(&format!(
                    "<rect x=\"{}\" y=\"{y}\" width=\"{cell}\" height=\"{cell}\" fill=\"rgb({:.0},{:.0},{:.0})\"><title>{}{} to {}: {v:.3}</title></rect>\n",
                    left + cell * i as f64, r, g, bl, self.sequence[i] as char, i + 1, BASES[b] as char
                ));
            }
        }
        for (i, &c) in self.sequence.iter().enumerate() {
            s.push_str(&format!("<text x=\"{}\" y=\"{}\">{}</text>\n", left + cell * i as f64 + 2.0, top + cell * 4.0 + 12.0, c as char));
        }
        s.push_str(&format!(
            "<text x=\"{left}\" y=\"{}\">blue: mutation lowers the score, red: raises it (max |change in logit| {max:.2})</text>\n</svg>\n",
            height - 6.0
        ));
        s
    }
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

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
pub fn occlusion_saliency(run: &LoadedRun, image: &[u8], class: usize) -> Result<Occlusion, TrainError> {
    use crate::evaluate::predict_scores;
    use crate::imaging::ImageExamples;
    use medref_data::{ImageDataset, ImageSplit};
    let AnyModel::Resnet(model) = &run.model else {
        return Err(TrainError::Mismatch(format!("{}: occlusion needs an image model (kind = \"resnet\")", run.dir.display())));
    };
    let (c, h, w) = match run.meta.input_shape[..] {
        [c, h, w] => (c, h, w),
        _ => return Err(TrainError::Mismatch(format!("{}: not an image model", run.dir.display()))),
    };
    let k = run.meta.n_outputs;
    if class >= k || image.len() != c * h * w {
        return Err(TrainError::Mismatch(format!("class {class} or image size does not fit the model ({k} outputs, {c}x{h}x{w})")));
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
        label_width: run.meta.label_width,
        n_classes: k,
        train: ImageSplit::default(),
        val: ImageSplit::default(),
        test: ImageSplit { images, labels: vec![0; n * run.meta.label_width], n },
    };
    let ex = ImageExamples::new(&ds, &ds.test, None, Default::default());
    let scores = predict_scores(model, &ex, &run.device, 256)?;
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
