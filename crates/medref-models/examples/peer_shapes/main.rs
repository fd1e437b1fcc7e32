//! The four reference shapes of `scripts/peer-compare`, trained and run in
//! medref, with the same sizes, data volumes, optimiser and timing rules as
//! the PyTorch side (`scripts/peer/bench.py`), so the two can be compared as
//! ratios. `resnet` is the imaging baseline's network exactly as
//! `configs/imaging/pneumoniamnist.toml` builds it.
//!
//! `cargo run --release -p medref-models --example peer_shapes -- --model all --threads 2`
//!
//! Prints one JSON line per model with the same keys as the peer.

use burn::nn::conv::{Conv1d, Conv1dConfig, Conv2d, Conv2dConfig};
use burn::nn::loss::CrossEntropyLossConfig;
use burn::nn::pool::{MaxPool1d, MaxPool1dConfig, MaxPool2d, MaxPool2dConfig};
use burn::nn::{Linear, LinearConfig, PaddingConfig1d, PaddingConfig2d};
use burn::optim::{AdamConfig, GradientsParams};
use burn::prelude::*;
use burn::tensor::activation::relu;
use burn::tensor::Distribution;
mod conv;
mod pool;

use conv::{conv1d, conv2d, set_conv_path, ConvPath};
use medref_core::config::ResnetConfig;
use medref_models::{Mlp, ResNet};
use pool::{max_pool1d, max_pool2d};
use std::time::Instant;

#[derive(Module, Debug)]
struct Cnn2d {
    conv1: Conv2d,
    conv2: Conv2d,
    pool: MaxPool2d,
    fc1: Linear,
    fc2: Linear,
}

impl Cnn2d {
    fn new(device: &Device) -> Self {
        let same = PaddingConfig2d::Same;
        Self {
            conv1: Conv2dConfig::new([1, 32], [3, 3]).with_padding(same.clone()).init(device),
            conv2: Conv2dConfig::new([32, 64], [3, 3]).with_padding(same).init(device),
            pool: MaxPool2dConfig::new([2, 2]).with_strides([2, 2]).init(),
            fc1: LinearConfig::new(64 * 7 * 7, 128).init(device),
            fc2: LinearConfig::new(128, 2).init(device),
        }
    }
    fn forward(&self, x: Tensor<4>) -> Tensor<2> {
        let x = pool2(&self.pool, relu(conv2d(&self.conv1, x)));
        let x = pool2(&self.pool, relu(conv2d(&self.conv2, x)));
        let x: Tensor<2> = x.flatten(1, 3);
        self.fc2.forward(relu(self.fc1.forward(x)))
    }
}

#[derive(Module, Debug)]
struct Dna1d {
    conv1: Conv1d,
    conv2: Conv1d,
    pool: MaxPool1d,
    fc: Linear,
}

impl Dna1d {
    fn new(device: &Device) -> Self {
        Self {
            conv1: Conv1dConfig::new(4, 64, 19).with_padding(PaddingConfig1d::Same).init(device),
            conv2: Conv1dConfig::new(64, 64, 7).with_padding(PaddingConfig1d::Same).init(device),
            pool: MaxPool1dConfig::new(4).with_stride(4).init(),
            fc: LinearConfig::new(64, 1).init(device),
        }
    }
    fn forward(&self, x: Tensor<3>) -> Tensor<2> {
        let x = pool1(&self.pool, relu(conv1d(&self.conv1, x)));
        let x = relu(conv1d(&self.conv2, x));
        self.fc.forward(x.max_dim(2).flatten(1, 2))
    }
}

/// Which max-pool the CNN shapes use: medref's kernel (what the models
/// run on the CPU), burn's, or the strided-view alternative.
static POOL: std::sync::atomic::AtomicU8 = std::sync::atomic::AtomicU8::new(POOL_KERNEL);
const POOL_KERNEL: u8 = 0;
const POOL_BURN: u8 = 1;
const POOL_STRIDED: u8 = 2;

fn pool_choice() -> u8 {
    POOL.load(std::sync::atomic::Ordering::Relaxed)
}

fn pool2(burn_pool: &MaxPool2d, x: Tensor<4>) -> Tensor<4> {
    match pool_choice() {
        POOL_STRIDED => max_pool2d(x, 2),
        POOL_BURN => burn_pool.forward(x),
        _ => medref_kernels::max_pool2d_2x2(x, |x| burn_pool.forward(x)),
    }
}

fn pool1(burn_pool: &MaxPool1d, x: Tensor<3>) -> Tensor<3> {
    match pool_choice() {
        POOL_STRIDED => max_pool1d(x, 4),
        POOL_BURN => burn_pool.forward(x),
        _ => medref_kernels::max_pool1d(x, 4, |x| burn_pool.forward(x)),
    }
}

/// Multiply-accumulates per sample of the convolutions and dense layers,
/// counted as the peer counts them (training = 3 x forward).
fn macs(model: &str) -> f64 {
    match model {
        "cnn2d" => (32 * 28 * 28 * 9 + 64 * 14 * 14 * 32 * 9 + 3136 * 128 + 128 * 2) as f64,
        "dna1d" => (64 * 200 * 4 * 19 + 64 * 50 * 64 * 7 + 64) as f64,
        // stem 16x28x28x9, stage 1 two 16->16 3x3 at 28x28, stage 2 16->32
        // (3x3 stride 2, 3x3, 1x1 shortcut) at 14x14, stage 3 32->64 at 7x7, head.
        "resnet" => {
            (16 * 784 * 9
                + 2 * 16 * 784 * 16 * 9
                + 32 * 196 * (16 * 9 + 32 * 9 + 16)
                + 64 * 49 * (32 * 9 + 64 * 9 + 32)
                + 64 * 2) as f64
        }
        _ => (128 * 256 + 256 * 256 + 256) as f64,
    }
}

struct Opts {
    models: Vec<String>,
    threads: usize,
    epochs: usize,
    device: String,
    conv: ConvPath,
}

fn parse() -> Result<Opts, String> {
    let mut o = Opts { models: vec![], threads: 2, epochs: 5, device: "cpu".into(), conv: ConvPath::Kernel };
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut value = || args.next().ok_or(format!("{a} needs a value"));
        match a.as_str() {
            "--model" => o.models.push(value()?),
            "--threads" => o.threads = value()?.parse().map_err(|e| format!("--threads: {e}"))?,
            "--epochs" => o.epochs = value()?.parse().map_err(|e| format!("--epochs: {e}"))?,
            "--device" => o.device = value()?,
            "--pool" => {
                let choice = match value()?.as_str() {
                    "kernel" => POOL_KERNEL,
                    "strided" => POOL_STRIDED,
                    "burn" => POOL_BURN,
                    other => return Err(format!("--pool: `{other}` is not kernel, burn or strided")),
                };
                POOL.store(choice, std::sync::atomic::Ordering::Relaxed);
            }
            "--conv" => {
                o.conv = match value()?.as_str() {
                    "kernel" => ConvPath::Kernel,
                    "unfold" => ConvPath::Unfold,
                    "burn" => ConvPath::Burn,
                    other => return Err(format!("--conv: `{other}` is not kernel, burn or unfold")),
                }
            }
            other => return Err(format!("unknown argument `{other}`")),
        }
    }
    if o.models.is_empty() || o.models.iter().any(|m| m == "all") {
        o.models = vec!["cnn2d".into(), "dna1d".into(), "mlp".into(), "resnet".into()];
    }
    if let Some(bad) = o.models.iter().find(|m| !["cnn2d", "dna1d", "mlp", "resnet"].contains(&m.as_str())) {
        return Err(format!("--model: `{bad}` is not cnn2d, dna1d, mlp, resnet or all"));
    }
    Ok(o)
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// Times `epochs` calls of `f` after one warm-up call; the median, the
/// times and the warm-up's return value.
fn timed(epochs: usize, mut f: impl FnMut() -> f32) -> (f64, Vec<f64>, f32, f32) {
    let first = f();
    let mut times = Vec::with_capacity(epochs);
    let mut last = first;
    for _ in 0..epochs {
        let t0 = Instant::now();
        last = f();
        times.push(t0.elapsed().as_secs_f64());
    }
    (median(times.clone()), times, first, last)
}

/// The training and inference timings of one shape.
struct Measured {
    train: (f64, Vec<f64>, f32, f32),
    infer: (f64, Vec<f64>, f32, f32),
}

/// Trains `model` on the `(input, target)` batches with Adam for the timed
/// epochs, then scores `infer` batches with the trained model, as the
/// peer does (`forward` maps a model and an input to logits).
fn measure<M, X, Y>(
    model: M,
    batches: &[(X, Y)],
    infer: &[X],
    forward: impl Fn(&M, X) -> Tensor<2>,
    loss: impl Fn(Tensor<2>, Y) -> Tensor<1>,
    epochs: usize,
) -> Measured
where
    M: burn::module::Module + Clone,
    X: Clone,
    Y: Clone,
{
    let mut model = Some(model);
    let mut optim = AdamConfig::new().with_epsilon(1e-8).init();
    let train = timed(epochs, || {
        let mut last = None;
        for (x, y) in batches {
            let m = model.take().expect("model");
            let l = loss(forward(&m, x.clone()), y.clone());
            let grads = GradientsParams::from_grads(l.backward(), &m);
            model = Some(optim.step(1e-3, m, grads));
            last = Some(l);
        }
        last.expect("one batch").into_scalar::<f32>()
    });
    let valid = model.expect("model").valid();
    let infer = timed(epochs, || {
        let out = infer.iter().map(|x| forward(&valid, x.clone())).last().expect("one batch");
        out.slice([0..1, 0..1]).into_scalar::<f32>()
    });
    Measured { train, infer }
}

/// Splits `[n, ...]` inputs and targets into training batches on `device`.
fn batches<const D: usize, const E: usize, K: burn::tensor::kind::Basic>(
    x: &Tensor<D>,
    y: Tensor<E, K>,
    batch: usize,
    device: &Device,
) -> Vec<(Tensor<D>, Tensor<E, K>)> {
    let n = x.dims()[0];
    let xs = x.clone().chunk(n / batch, 0).into_iter().map(|t| t.to_device(device));
    xs.zip(y.chunk(n / batch, 0).into_iter().map(|t| t.to_device(device))).collect()
}

/// Trains and scores an image classifier on 8192 random 1x28x28 images
/// with two classes and cross-entropy, as cnn2d and resnet do.
fn bench_images<M: burn::module::Module + Clone>(
    model: M,
    forward: impl Fn(&M, Tensor<4>) -> Tensor<2>,
    batch: usize,
    device: &Device,
    plain: &Device,
    epochs: usize,
) -> Measured {
    let n = 8192;
    let x = Tensor::<4>::random([n, 1, 28, 28], Distribution::Uniform(0.0, 1.0), plain);
    let y = Tensor::<1, Int>::random([n], Distribution::Uniform(0.0, 2.0), plain);
    let loss_fn = CrossEntropyLossConfig::new().init(device);
    let train = batches(&x, y, batch, device);
    let infer = x.chunk(n / 1024, 0);
    measure(model, &train, &infer, forward, |l, y| loss_fn.forward(l, y), epochs)
}

fn bench_cnn2d(device: &Device, plain: &Device, epochs: usize) -> Measured {
    bench_images(Cnn2d::new(device), |m, x| m.forward(x), 128, device, plain, epochs)
}

fn bench_dna1d(device: &Device, plain: &Device, epochs: usize) -> Measured {
    let n = 8192;
    let idx = Tensor::<2, Int>::random([n, 200], Distribution::Uniform(0.0, 4.0), plain);
    let x: Tensor<3> = idx.one_hot::<3>(4).float().swap_dims(1, 2);
    let y = Tensor::<2, Int>::random([n, 1], Distribution::Uniform(0.0, 2.0), plain).float();
    let train = batches(&x, y, 128, device);
    let infer = x.chunk(n / 1024, 0);
    measure(Dna1d::new(device), &train, &infer, |m, x| m.forward(x), bce_with_logits, epochs)
}

/// Binary cross-entropy on logits, in the numerically stable form.
fn bce_with_logits(logits: Tensor<2>, y: Tensor<2>) -> Tensor<1> {
    let softplus_neg = (-logits.clone().abs()).exp().log1p() + relu(-logits.clone());
    (logits.clone() - logits * y + softplus_neg).mean()
}

fn bench_mlp(device: &Device, plain: &Device, epochs: usize) -> Measured {
    let n = 65536;
    let x = Tensor::<2>::random([n, 128], Distribution::Normal(0.0, 1.0), plain);
    let w = Tensor::<2>::random([128, 1], Distribution::Normal(0.0, 1.0), plain) / (128f32).sqrt();
    let noise = Tensor::<2>::random([n, 1], Distribution::Normal(0.0, 0.1), plain);
    let y = x.clone().matmul(w) + noise;
    let train = batches(&x, y, 256, device);
    let infer = x.chunk(n / 1024, 0);
    let mse = |p: Tensor<2>, y: Tensor<2>| (p - y).powf_scalar(2.0).mean();
    measure(Mlp::new(&[256, 256], 0.0, 128, 1, device), &train, &infer, |m, x| m.forward(x), mse, epochs)
}

/// The imaging baseline's network, as `configs/imaging/pneumoniamnist.toml`
/// builds it, on 1x28x28 images with 2 classes, batch 64.
fn bench_resnet(device: &Device, plain: &Device, epochs: usize) -> Measured {
    let config = ResnetConfig { width: 16, stages: 3, blocks_per_stage: 1, dropout: 0.1, batch_norm: true };
    bench_images(ResNet::new(&config, 1, 2, device), |m, x| m.forward(x), 64, device, plain, epochs)
}

/// The process's peak resident memory in MiB (Linux `VmHWM`), as the
/// PyTorch side reports its own from getrusage.
fn peak_rss_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some((kib / 1024.0 * 10.0).round() / 10.0)
}

fn main() {
    let opts = match parse() {
        Ok(o) => o,
        Err(e) => {
            eprintln!("peer_shapes: {e}");
            std::process::exit(2);
        }
    };
    // As the CLI does at start-up.
    medref_kernels::memory::reuse_freed_memory();
    // Before the first tensor operation, which builds flex's rayon pool.
    std::env::set_var("RAYON_NUM_THREADS", opts.threads.to_string());
    set_conv_path(opts.conv);
    let plain = match opts.device.as_str() {
        "cpu" => Device::flex(),
        #[cfg(feature = "wgpu")]
        "wgpu" => Device::wgpu(Default::default()),
        other => {
            eprintln!(
                "peer_shapes: --device `{other}` is not available in this build (cpu, or wgpu with --features wgpu)"
            );
            std::process::exit(2);
        }
    };
    plain.seed(0);
    let device = plain.clone().autodiff();
    for name in &opts.models {
        let bench = || match name.as_str() {
            "cnn2d" => bench_cnn2d(&device, &plain, opts.epochs),
            "dna1d" => bench_dna1d(&device, &plain, opts.epochs),
            "resnet" => bench_resnet(&device, &plain, opts.epochs),
            _ => bench_mlp(&device, &plain, opts.epochs),
        };
        // As the CLI runs its commands.
        let m = medref_kernels::threads::on_pool_thread(bench);
        let n = if name == "mlp" { 65536.0 } else { 8192.0 };
        let (train_sps, infer_sps) = (n / m.train.0, n / m.infer.0);
        let pool_name = ["kernel", "burn", "strided"][pool_choice() as usize];
        let json = serde_json::json!({
            "model": name,
            "train_samples_per_s": (train_sps * 10.0).round() / 10.0,
            "infer_samples_per_s": (infer_sps * 10.0).round() / 10.0,
            "train_gflop_per_s": train_sps * 6.0 * macs(name) / 1e9,
            "infer_gflop_per_s": infer_sps * 2.0 * macs(name) / 1e9,
            "train_epoch_s": m.train.1,
            "infer_pass_s": m.infer.1,
            "loss_first_epoch_end": m.train.2,
            "loss_last_epoch_end": m.train.3,
            "peak_rss_mib": peak_rss_mib(),
            "threads": opts.threads,
            "device": opts.device,
            "conv": format!("{:?}", opts.conv).to_lowercase(),
            "pool": pool_name,
            "burn": "0.22.1",
        });
        println!("{json}");
    }
}
