//! CPU kernels of medref's own, for the operations burn's CPU backend
//! (flex) runs slowly.
//!
//! burn lets a crate add operations to a backend without forking it: a
//! trait marked `#[backend_extension(Flex, Autodiff)]` is routed to our
//! implementation for flex tensors, and our `Autodiff<Flex>` implementation
//! records our own backward step. On any other device (wgpu) the models
//! keep burn's operations, so the GPU path is unchanged.
//!
//! What is here: 1D and 2D convolution whose backward is two GEMMs over
//! the unfolded input (`conv`), and max-pooling over non-overlapping
//! windows (the DNA and signal CNNs' 1D pools, the 2x2 image pool) whose
//! backward keeps one byte per output instead of flex's 8-byte index
//! tensor (`max_pool`).

pub mod conv;
mod gemm;
pub mod max_pool;

pub use conv::{conv1d, conv2d};
pub use max_pool::{max_pool1d, max_pool2d_2x2};

use burn::prelude::Device;

/// Whether a tensor on `device` runs on flex, where our kernels apply.
pub(crate) fn on_flex(device: &Device) -> bool {
    device.clone().without_autodiff() == Device::flex()
}
