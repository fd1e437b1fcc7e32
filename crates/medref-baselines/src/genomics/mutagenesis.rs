//! In-silico saturation mutagenesis (ISM) for DNA models: mutate every
//! position to every other base and record how the model's logit moves,
//! so a trainee can see which bases the prediction relies on.

use super::variant_effect::{logit, strand_mean_scores};
use medref_models::DnaCnn;
use medref_train::{TrainError, Trained};

/// `effect[b][i]`: logit change when position `i` becomes base `b`
/// (A, C, G, T); 0 at the sequence's own base. `[4, L]`.
pub struct Mutagenesis {
    pub sequence: Vec<u8>,
    pub reference_score: f64,
    pub effect: [Vec<f64>; 4],
}

const BASES: [u8; 4] = *b"ACGT";

/// ISM of `sequence` (already the model's length) for output `class`.
pub fn saturation_mutagenesis(run: &Trained<DnaCnn>, sequence: &[u8], class: usize) -> Result<Mutagenesis, TrainError> {
    if class >= run.info.meta.n_outputs {
        return Err(TrainError::Mismatch(format!(
            "class {class} does not exist: the model has {} outputs",
            run.info.meta.n_outputs
        )));
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
    let scores = strand_mean_scores(run, &seqs, class)?;
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
            s.push_str(&format!(
                "<text x=\"{}\" y=\"{}\">{}</text>\n",
                left + cell * i as f64 + 2.0,
                top + cell * 4.0 + 12.0,
                c as char
            ));
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
