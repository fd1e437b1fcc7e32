//! The reference shapes of `scripts/peer-compare`, trained and run in
//! medref, with the same sizes, data volumes, optimiser and timing rules as
//! the PyTorch side (`scripts/peer/bench.py`), so the two can be compared as
//! ratios. `resnet` is the imaging baseline's network exactly as
//! `configs/imaging/pneumoniamnist.toml` builds it; `unet` and `resnet3d`
//! (see `imaging`) are the DRIVE and AdrenalMNIST3D configs' networks.
//!
//! `cargo run --release -p medref-models --example peer_shapes -- --model all --threads 2`
//!
//! Prints one JSON line per model with the same keys as the peer.
//!
//! `--train-batch 64,256` trains a fresh model at each batch size (default:
//! the shape's own batch, 128, 128, 256, 64, 16 or 32); `--infer-batch 1,64,1024`
//! scores the model trained last at each batch size (default 1024; batch 1
//! scores the first 256 samples one at a time, the `predict` case). The
//! line's `train` and `infer` lists hold one entry per batch size;
//! `train_samples_per_s` and `infer_samples_per_s` are the first entries.
//! Memory: `rss_start_mib` (resident at the start of `main`, the peer's
//! "after import"), `rss_built_mib` (after the data, the first model and
//! its batches are built) and `peak_rss_mib` (the high-water mark).
//! `params` is the model's parameter count, which the script checks
//! against the peer's twin.

use burn::nn::conv::{Conv1d, Conv1dConfig, Conv2d, Conv2dConfig};
use burn::nn::loss::CrossEntropyLossConfig;
use burn::nn::pool::{MaxPool1d, MaxPool1dConfig, MaxPool2d, MaxPool2dConfig};
use burn::nn::{Linear, LinearConfig, PaddingConfig1d, PaddingConfig2d};
use burn::optim::{AdamConfig, GradientsParams};
use burn::prelude::*;
use burn::tensor::activation::relu;
use burn::tensor::Distribution;
mod conv;
mod imaging;
mod pool;

use conv::{conv1d, conv2d, set_conv_path, ConvPath};
use medref_core::config::ResnetConfig;
use medref_models::{Mlp, ResNet, ResNet3d, Unet};
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
        if !medref_kernels_everywhere() {
            let x = pool2(&self.pool, relu(conv2d(&self.conv1, x)));
            let x = pool2(&self.pool, relu(conv2d(&self.conv2, x)));
            let x: Tensor<2> = x.flatten(1, 3);
            return self.fc2.forward(relu(self.fc1.forward(x)));
        }
        // medref's blocks: conv + bias + ReLU + pool in one pass at
        // inference (the same operations one by one in training), dense +
        // bias (+ ReLU) fused.
        let x = medref_kernels::conv2d_relu_pool(&self.conv1, x, true);
        let x = medref_kernels::conv2d_relu_pool(&self.conv2, x, true);
        let x: Tensor<2> = x.flatten(1, 3);
        medref_kernels::dense(&self.fc2, medref_kernels::dense(&self.fc1, x, true), false)
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

/// Whether both the convolution and the pool are medref's kernels (the
/// default), so the CNN may use the fused blocks built from them.
fn medref_kernels_everywhere() -> bool {
    pool_choice() == POOL_KERNEL && conv::conv_path() == ConvPath::Kernel
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
    if let Some(m) = imaging::macs(model) {
        return m;
    }
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
    train_batches: Vec<usize>,
    infer_batches: Vec<usize>,
    threads: usize,
    epochs: usize,
    device: String,
    conv: ConvPath,
}

fn parse() -> Result<Opts, String> {
    let mut o = Opts {
        models: vec![],
        train_batches: vec![],
        infer_batches: vec![1024],
        threads: 2,
        epochs: 5,
        device: "cpu".into(),
        conv: ConvPath::Kernel,
    };
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut value = || args.next().ok_or(format!("{a} needs a value"));
        match a.as_str() {
            "--model" => o.models.push(value()?),
            "--threads" => o.threads = value()?.parse().map_err(|e| format!("--threads: {e}"))?,
            "--epochs" => o.epochs = value()?.parse().map_err(|e| format!("--epochs: {e}"))?,
            "--device" => o.device = value()?,
            "--train-batch" => o.train_batches = sizes(&value()?, "--train-batch")?,
            "--infer-batch" => o.infer_batches = sizes(&value()?, "--infer-batch")?,
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
    if let Some(bad) = o.models.iter().find(|m| !SHAPES.contains(&m.as_str())) {
        return Err(format!("--model: `{bad}` is not one of {} or all", SHAPES.join(", ")));
    }
    let small = o.models.iter().any(|m| samples(m) == imaging::SAMPLES);
    if let Some(b) =
        o.train_batches.iter().chain(&o.infer_batches).find(|&&b| small && !imaging::SAMPLES.is_multiple_of(b))
    {
        return Err(format!("batch {b} does not divide the {} samples of unet and resnet3d", imaging::SAMPLES));
    }
    Ok(o)
}

/// The shapes; `all` means the first four (the imaging two take minutes).
const SHAPES: [&str; 6] = ["cnn2d", "dna1d", "mlp", "resnet", "unet", "resnet3d"];

/// Samples in one training epoch of a shape.
fn samples(model: &str) -> usize {
    match model {
        "mlp" => 65536,
        "unet" | "resnet3d" => imaging::SAMPLES,
        _ => 8192,
    }
}

/// The parameter count of a shape's model, for the script to check
/// against the peer's twin.
fn params(model: &str, device: &Device) -> usize {
    match model {
        "cnn2d" => Cnn2d::new(device).num_params(),
        "dna1d" => Dna1d::new(device).num_params(),
        "resnet" => ResNet::new(&pneumonia_resnet(), 1, 2, device).num_params(),
        "unet" => Unet::new(&imaging::unet_spec(), device).num_params(),
        "resnet3d" => ResNet3d::new(&imaging::resnet3d_config(), 1, 2, device).num_params(),
        _ => Mlp::new(&[256, 256], 0.0, 128, 1, device).num_params(),
    }
}

/// A comma-separated list of batch sizes, each dividing 8192 (batch 1 at
/// inference scores 256 samples).
fn sizes(list: &str, flag: &str) -> Result<Vec<usize>, String> {
    list.split(',')
        .map(|b| match b.trim().parse::<usize>() {
            Ok(b) if b > 0 && 8192 % b == 0 => Ok(b),
            _ => Err(format!("{flag}: `{b}` is not a batch size dividing 8192")),
        })
        .collect()
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// The median time, the times, and the first (warm-up) and last values.
type Timed = (f64, Vec<f64>, f32, f32);

/// Times `epochs` calls of `f` after one warm-up call; the median, the
/// times and the warm-up's return value.
fn timed(epochs: usize, mut f: impl FnMut() -> f32) -> Timed {
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

/// The timings of one shape: per training batch size (a fresh model
/// each), then per inference batch size (the model trained last), and
/// the resident memory once the data and the first model were built.
struct Measured {
    train: Vec<(usize, Timed)>,
    infer: Vec<(usize, usize, Timed)>,
    rss_built_mib: Option<f64>,
}

/// Trains a model from `make` with Adam for the timed epochs at each
/// batch size (`batches` splits the data), then scores the inputs
/// `infer` splits at each inference batch size with the model trained
/// last, as the peer does (`forward` maps a model and an input to logits).
#[allow(clippy::too_many_arguments)]
fn measure<M, X, Y>(
    make: impl Fn() -> M,
    batches: impl Fn(usize) -> Vec<(X, Y)>,
    infer: impl Fn(usize) -> Vec<X>,
    forward: impl Fn(&M, X) -> Tensor<2>,
    loss: impl Fn(Tensor<2>, Y) -> Tensor<1>,
    epochs: usize,
    train_batches: &[usize],
    infer_batches: &[usize],
) -> Measured
where
    M: burn::module::Module + Clone,
    X: Clone,
    Y: Clone,
{
    let mut rss_built_mib = None;
    let mut train = Vec::new();
    let mut trained = None;
    for &b in train_batches {
        let data = batches(b);
        let mut model = Some(make());
        rss_built_mib = rss_built_mib.or_else(|| rss_mib("VmRSS:"));
        let mut optim = AdamConfig::new().with_epsilon(1e-8).init();
        let t = timed(epochs, || {
            let mut last = None;
            for (x, y) in &data {
                let m = model.take().expect("model");
                let l = loss(forward(&m, x.clone()), y.clone());
                let grads = GradientsParams::from_grads(l.backward(), &m);
                model = Some(optim.step(1e-3, m, grads));
                last = Some(l);
            }
            last.expect("one batch").into_scalar::<f32>()
        });
        train.push((b, t));
        trained = model;
    }
    let valid = trained.expect("a training batch size").valid();
    let infer = infer_batches
        .iter()
        .map(|&b| {
            let xs = infer(b);
            let n = xs.len() * b;
            let t = timed(epochs, || {
                let out = xs.iter().map(|x| forward(&valid, x.clone())).last().expect("one batch");
                out.slice([0..1, 0..1]).into_scalar::<f32>()
            });
            (b, n, t)
        })
        .collect();
    Measured { train, infer, rss_built_mib }
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

/// How many timed epochs, and the batch sizes to train and to score at.
struct Plan<'a> {
    epochs: usize,
    train_batches: &'a [usize],
    infer_batches: &'a [usize],
}

/// The first `n` samples (256 at batch 1) in inference batches of `b`.
fn infer_chunks<const D: usize>(x: &Tensor<D>, b: usize) -> Vec<Tensor<D>> {
    let n = if b == 1 { 256 } else { x.dims()[0] };
    x.clone().narrow(0, 0, n).chunk(n / b, 0)
}

/// Trains and scores an image classifier on 8192 random 1x28x28 images
/// with two classes and cross-entropy, as cnn2d and resnet do.
fn bench_images<M: burn::module::Module + Clone>(
    make: impl Fn() -> M,
    forward: impl Fn(&M, Tensor<4>) -> Tensor<2>,
    device: &Device,
    plain: &Device,
    plan: &Plan,
) -> Measured {
    let n = 8192;
    let x = Tensor::<4>::random([n, 1, 28, 28], Distribution::Uniform(0.0, 1.0), plain);
    let y = Tensor::<1, Int>::random([n], Distribution::Uniform(0.0, 2.0), plain);
    let loss_fn = CrossEntropyLossConfig::new().init(device);
    measure(
        make,
        |b| batches(&x, y.clone(), b, device),
        |b| infer_chunks(&x, b),
        forward,
        |l, y| loss_fn.forward(l, y),
        plan.epochs,
        plan.train_batches,
        plan.infer_batches,
    )
}

fn bench_cnn2d(device: &Device, plain: &Device, plan: &Plan) -> Measured {
    bench_images(|| Cnn2d::new(device), |m, x| m.forward(x), device, plain, plan)
}

fn bench_dna1d(device: &Device, plain: &Device, plan: &Plan) -> Measured {
    let n = 8192;
    let idx = Tensor::<2, Int>::random([n, 200], Distribution::Uniform(0.0, 4.0), plain);
    let x: Tensor<3> = idx.one_hot::<3>(4).float().swap_dims(1, 2);
    let y = Tensor::<2, Int>::random([n, 1], Distribution::Uniform(0.0, 2.0), plain).float();
    measure(
        || Dna1d::new(device),
        |b| batches(&x, y.clone(), b, device),
        |b| infer_chunks(&x, b),
        |m, x| m.forward(x),
        bce_with_logits,
        plan.epochs,
        plan.train_batches,
        plan.infer_batches,
    )
}

/// Binary cross-entropy on logits, in the numerically stable form.
fn bce_with_logits(logits: Tensor<2>, y: Tensor<2>) -> Tensor<1> {
    let softplus_neg = (-logits.clone().abs()).exp().log1p() + relu(-logits.clone());
    (logits.clone() - logits * y + softplus_neg).mean()
}

fn bench_mlp(device: &Device, plain: &Device, plan: &Plan) -> Measured {
    let n = 65536;
    let x = Tensor::<2>::random([n, 128], Distribution::Normal(0.0, 1.0), plain);
    let w = Tensor::<2>::random([128, 1], Distribution::Normal(0.0, 1.0), plain) / (128f32).sqrt();
    let noise = Tensor::<2>::random([n, 1], Distribution::Normal(0.0, 0.1), plain);
    let y = x.clone().matmul(w) + noise;
    let mse = |p: Tensor<2>, y: Tensor<2>| (p - y).powf_scalar(2.0).mean();
    measure(
        || Mlp::new(&[256, 256], 0.0, 128, 1, device),
        |b| batches(&x, y.clone(), b, device),
        |b| infer_chunks(&x, b),
        |m, x| m.forward(x),
        mse,
        plan.epochs,
        plan.train_batches,
        plan.infer_batches,
    )
}

/// The imaging baseline's network, as `configs/imaging/pneumoniamnist.toml`
/// builds it, on 1x28x28 images with 2 classes (its own batch is 64).
fn bench_resnet(device: &Device, plain: &Device, plan: &Plan) -> Measured {
    let config = pneumonia_resnet();
    bench_images(|| ResNet::new(&config, 1, 2, device), |m, x| m.forward(x), device, plain, plan)
}

fn pneumonia_resnet() -> ResnetConfig {
    ResnetConfig { width: 16, stages: 3, blocks_per_stage: 1, dropout: 0.1, batch_norm: true }
}

/// A field of `/proc/self/status` in MiB: `VmRSS:` (resident now) or
/// `VmHWM:` (the peak), as the PyTorch side reads its own.
fn rss_mib(field: &str) -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with(field))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some((kib / 1024.0 * 10.0).round() / 10.0)
}

fn main() {
    let rss_start_mib = rss_mib("VmRSS:");
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
        let own_batch = match name.as_str() {
            "mlp" => 256,
            "resnet" => 64,
            "unet" => 16,
            "resnet3d" => 32,
            _ => 128,
        };
        let train_batches = if opts.train_batches.is_empty() { vec![own_batch] } else { opts.train_batches.clone() };
        let plan = Plan { epochs: opts.epochs, train_batches: &train_batches, infer_batches: &opts.infer_batches };
        let bench = || match name.as_str() {
            "cnn2d" => bench_cnn2d(&device, &plain, &plan),
            "dna1d" => bench_dna1d(&device, &plain, &plan),
            "resnet" => bench_resnet(&device, &plain, &plan),
            "unet" => imaging::bench_unet(&device, &plain, &plan),
            "resnet3d" => imaging::bench_resnet3d(&device, &plain, &plan),
            _ => bench_mlp(&device, &plain, &plan),
        };
        // As the CLI runs its commands.
        let m = medref_kernels::threads::on_pool_thread(bench);
        let n = samples(name) as f64;
        let train: Vec<_> = m
            .train
            .iter()
            .map(|(b, t)| {
                serde_json::json!({
                    "batch": b,
                    "samples_per_s": (n / t.0 * 10.0).round() / 10.0,
                    "epoch_s": t.1,
                    "loss_first_epoch_end": t.2,
                    "loss_last_epoch_end": t.3,
                })
            })
            .collect();
        let infer: Vec<_> = m
            .infer
            .iter()
            .map(|(b, samples, t)| {
                serde_json::json!({
                    "batch": b,
                    "samples": samples,
                    "samples_per_s": (*samples as f64 / t.0 * 10.0).round() / 10.0,
                    "pass_s": t.1,
                })
            })
            .collect();
        let (train0, infer0) = (&m.train[0].1, &m.infer[0]);
        let (train_sps, infer_sps) = (n / train0.0, infer0.1 as f64 / infer0.2 .0);
        let pool_name = ["kernel", "burn", "strided"][pool_choice() as usize];
        let json = serde_json::json!({
            "model": name,
            "params": params(name, &plain),
            "train_samples_per_s": (train_sps * 10.0).round() / 10.0,
            "infer_samples_per_s": (infer_sps * 10.0).round() / 10.0,
            "train_gflop_per_s": train_sps * 6.0 * macs(name) / 1e9,
            "infer_gflop_per_s": infer_sps * 2.0 * macs(name) / 1e9,
            "train_epoch_s": train0.1,
            "infer_pass_s": infer0.2 .1,
            "loss_first_epoch_end": train0.2,
            "loss_last_epoch_end": train0.3,
            "train": train,
            "infer": infer,
            "rss_start_mib": rss_start_mib,
            "rss_built_mib": m.rss_built_mib,
            "peak_rss_mib": rss_mib("VmHWM:"),
            "threads": opts.threads,
            "device": opts.device,
            "conv": format!("{:?}", opts.conv).to_lowercase(),
            "pool": pool_name,
            "burn": "0.22.1",
        });
        println!("{json}");
    }
}
