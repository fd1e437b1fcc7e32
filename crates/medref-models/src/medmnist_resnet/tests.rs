use super::*;
use burn::optim::{AdamConfig, GradientsParams};

fn paper(width: usize) -> PaperResnetConfig {
    PaperResnetConfig { width }
}

/// PyTorch's counts for the same builds: `scripts/pytorch/medmnist_resnet_counts.py`
/// (torch 2.15.0, torchvision 0.29.2; torchvision's resnet18/resnet50 with
/// MedMNIST's 3x3 stride-1 stem and no max-pool, and for "+3D" every Conv2d
/// kxk made Conv3d kxkxk as ACSConv's Conv3dConverter does). Cross-check:
/// torchvision's documented 11,689,512 for resnet18 (3 channels, 1000
/// classes, 7x7 stem) less 9,408 + 576 for the stem and 513,000 - 1,026
/// for the head is 11,168,706.
const TORCH_COUNTS: [(PaperDepth, Space, usize, usize, usize); 6] = [
    (PaperDepth::ResNet18, Space::Plane, 1, 2, 11_168_706),
    (PaperDepth::ResNet18, Space::Plane, 3, 8, 11_172_936),
    (PaperDepth::ResNet18, Space::Volume, 1, 2, 33_140_802),
    (PaperDepth::ResNet50, Space::Plane, 1, 2, 23_503_298),
    (PaperDepth::ResNet50, Space::Plane, 3, 8, 23_516_744),
    (PaperDepth::ResNet50, Space::Volume, 1, 2, 46_138_946),
];

#[test]
fn parameter_counts_are_pytorchs() {
    let device = Device::flex();
    for (depth, space, c, k, expected) in TORCH_COUNTS {
        let mut model = MedmnistResNet::new(depth, &paper(64), space, c, k, &device);
        // burn counts batch norm's running mean and variance as parameters;
        // PyTorch keeps them as buffers, outside `parameters()`.
        let running: usize = model.batch_norms_mut().iter().map(|n| 2 * n.gamma.dims()[0]).sum();
        assert_eq!(model.num_params() - running, expected, "{depth:?} {space:?} {c} channels {k} classes");
    }
}

#[test]
fn shapes_halve_three_times() {
    let device = Device::flex();
    let model = MedmnistResNet::new(PaperDepth::ResNet18, &paper(4), Space::Plane, 1, 2, &device);
    let images = Tensor::<4>::zeros([3, 1, 28, 28], &device);
    assert_eq!(model.forward_images(images.clone()).dims(), [3, 2]);
    // 28 -> 14 -> 7 -> 4, 4 -> 32 channels.
    assert_eq!(model.features(images.unsqueeze_dim(2)).dims(), [3, 32, 1, 4, 4]);
    let wide = MedmnistResNet::new(PaperDepth::ResNet50, &paper(2), Space::Volume, 1, 3, &device);
    let volumes = Tensor::<5>::zeros([2, 1, 8, 8, 8], &device);
    assert_eq!(wide.forward(volumes.clone()).dims(), [2, 3]);
    // Bottlenecks widen the last stage to 4 x 16 channels; 8 -> 1.
    assert_eq!(wide.features(volumes).dims(), [2, 64, 1, 1, 1]);
}

/// ResNet-18: stem + 8 blocks x 2 + 3 projections = 20; ResNet-50: stem +
/// 16 blocks x 3 + 4 projections (the first stage's widens 64 to 256) = 53.
#[test]
fn lists_every_batch_norm_layer() {
    let device = Device::flex();
    for (depth, expected) in [(PaperDepth::ResNet18, 20), (PaperDepth::ResNet50, 53)] {
        let mut model = MedmnistResNet::new(depth, &paper(2), Space::Plane, 1, 2, &device);
        let counted = crate::count_batch_norms(&model);
        assert_eq!((model.batch_norms_mut().len(), counted), (expected, expected), "{depth:?}");
        let mut both: ImageClassifier = Either::Right(model);
        assert_eq!(both.batch_norms_mut().len(), expected);
    }
}

/// The choice between the compact and the paper's network adds nothing to
/// parameter names, so saved runs and their PyTorch export keep theirs.
#[test]
fn the_choice_keeps_parameter_names() {
    use burn::module::ModuleVisitor;
    struct Paths(Vec<String>, Vec<String>);
    impl ModuleVisitor for Paths {
        fn enter_module(&mut self, name: &str, _: &str) {
            self.1.push(name.to_string());
        }
        fn exit_module(&mut self, _: &str, _: &str) {
            self.1.pop();
        }
        fn visit_float<const D: usize>(&mut self, _: &burn::module::Param<Tensor<D>>) {
            self.0.push(self.1.join("."));
        }
    }
    let device = Device::flex();
    let names = |m: &dyn Fn(&mut Paths)| {
        let mut p = Paths(Vec::new(), Vec::new());
        m(&mut p);
        p.0
    };
    let cfg = medref_core::config::ResnetConfig { width: 4, stages: 2, ..Default::default() };
    let compact = ResNet::new(&cfg, 1, 2, &device);
    let chosen: ImageClassifier = Either::Left(compact.clone());
    let alone = names(&|p| compact.visit(p));
    assert!(alone.contains(&"stem.conv.weight".to_string()), "{alone:?}");
    assert_eq!(names(&|p| chosen.visit(p)), alone);
    let paper = MedmnistResNet::new(PaperDepth::ResNet18, &paper(2), Space::Plane, 1, 2, &device);
    assert_eq!(names(&|p| paper.visit(p))[0], "stem.conv.weight");
}

/// A bright square anywhere on noise is class 1: 100 Adam steps of a
/// narrow ResNet-18 (width 4) must learn it well enough to sort new images.
const STEPS: usize = 100;

#[test]
fn resnet18_learns_a_planted_square() {
    let device = Device::flex().autodiff();
    device.seed(11);
    let batch = |seed: u64, n: usize| -> (Vec<f32>, Vec<i64>) {
        let mut state = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        let mut next = move || {
            state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            (state >> 33) as usize
        };
        let mut x = vec![0.0; n * 256];
        let mut y = vec![0; n];
        for (i, (image, label)) in x.chunks_mut(256).zip(y.iter_mut()).enumerate() {
            for v in image.iter_mut() {
                *v = (next() % 1000) as f32 / 1000.0 * 0.6;
            }
            *label = (i % 2) as i64;
            if *label == 1 {
                let (r0, c0) = (next() % 12, next() % 12);
                for r in r0..r0 + 4 {
                    image[r * 16 + c0..r * 16 + c0 + 4].fill(1.0);
                }
            }
        }
        (x, y)
    };
    let mut model = MedmnistResNet::new(PaperDepth::ResNet18, &paper(4), Space::Plane, 1, 2, &device);
    let mut optim = AdamConfig::new().init();
    let (xs, ys) = batch(1, 32);
    let x = Tensor::<4>::from_data(TensorData::new(xs, [32, 1, 16, 16]), &device);
    let y = Tensor::<1, Int>::from_data(TensorData::new(ys, [32]), &device);
    let loss_fn = burn::nn::loss::CrossEntropyLossConfig::new().init(&device);
    for _ in 0..STEPS {
        let loss = loss_fn.forward(model.forward_images(x.clone()), y.clone());
        let grads = GradientsParams::from_grads(loss.backward(), &model);
        model = optim.step(0.01, model, grads);
    }
    let (tx, ty) = batch(2, 32);
    let plain = Device::flex();
    let logits = model.valid().forward_images(Tensor::<4>::from_data(TensorData::new(tx, [32, 1, 16, 16]), &plain));
    let predicted = logits.argmax(1).into_data().convert::<i64>().try_to_vec::<i64>().unwrap();
    let correct = predicted.iter().zip(&ty).filter(|(p, t)| p == t).count();
    // Chance is 16. 60 steps gave 26 once the direct convolution kernel
    // changed the rounding; 100 steps give 32 on 1 and 2 threads.
    assert!(correct >= 27, "{correct} of 32 new images right");
}
