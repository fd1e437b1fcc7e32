//! medref-models: the burn networks of medref, one file per model family.
//!
//! Every model maps a batch of inputs to logits `[batch, n_outputs]`; what
//! the logits mean (softmax over classes, one sigmoid per label) is the
//! training loop's business, so one loop serves every domain.

pub mod batch_norm_moments;
pub mod dna_cnn;
pub mod either;
pub mod medmnist_resnet;
pub mod mlp;
pub mod network;
pub mod padded;
pub mod resnet;
pub mod resnet3d;
pub mod segmenter;
pub mod signal_cnn;
pub mod sliding_window;
pub mod tcn;
pub mod unet;

pub use batch_norm_moments::{count_batch_norms, BatchNormMoments};
pub use dna_cnn::DnaCnn;
pub use either::Either;
pub use medmnist_resnet::{ImageClassifier, MedmnistResNet, PaperDepth, Space, VolumeClassifier};
pub use mlp::Mlp;
pub use network::Network;
pub use padded::FrameBatch;
pub use resnet::ResNet;
pub use resnet3d::ResNet3d;
pub use segmenter::{SegmentationInput, Segmenter, SlidingWindow};
pub use signal_cnn::SignalCnn;
pub use tcn::Tcn;
pub use unet::{Unet, UnetSpec};
