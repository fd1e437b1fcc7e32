//! Run-time choice between the CPU backend and a GPU through wgpu.
//!
//! The CPU backend is burn's `flex` with rayon threads and SIMD: measured on
//! this baseline it beat `ndarray` (see README), and burn's CubeCL `cpu`
//! backend cannot be built offline (its build script downloads LLVM).

use crate::TrainError;
use burn::prelude::*;

/// What `--device` accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeviceChoice {
    Cpu,
    Wgpu,
}

impl std::str::FromStr for DeviceChoice {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "cpu" => Ok(DeviceChoice::Cpu),
            "wgpu" => Ok(DeviceChoice::Wgpu),
            other => Err(format!("unknown device `{other}`, expected `cpu` or `wgpu`")),
        }
    }
}

impl DeviceChoice {
    pub fn as_str(self) -> &'static str {
        match self {
            DeviceChoice::Cpu => "cpu",
            DeviceChoice::Wgpu => "wgpu",
        }
    }
}

/// An opened device (without autodiff) and a description of its backend.
pub struct OpenDevice {
    pub device: Device,
    pub backend: String,
}

/// Opens the device, checking that a wgpu adapter really exists so that a
/// machine without one gets a clear error instead of a panic deep in burn.
pub fn open_device(choice: DeviceChoice) -> Result<OpenDevice, TrainError> {
    match choice {
        DeviceChoice::Cpu => {
            // burn's default device (where a loaded optimiser state is first
            // put) is the GPU backend when it is compiled in; pinning it to
            // the CPU keeps a CPU run from probing GPU adapters, whose
            // loaders print warnings on machines without a display.
            if std::env::var_os("BURN_DEVICE").is_none() {
                std::env::set_var("BURN_DEVICE", "flex");
            }
            Ok(OpenDevice { device: Device::flex(), backend: "flex (rayon, simd)".into() })
        }
        DeviceChoice::Wgpu => open_wgpu(),
    }
}

#[cfg(feature = "wgpu")]
fn open_wgpu() -> Result<OpenDevice, TrainError> {
    let probe = || {
        let device = Device::wgpu(Default::default());
        let x = Tensor::<1>::from_floats([1.0f32, 2.0], &device);
        let sum: f32 = (x * 2.0).sum().try_into_scalar::<f32>().ok()?;
        ((sum - 6.0).abs() < 1e-4).then_some(device)
    };
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let result = std::panic::catch_unwind(probe);
    std::panic::set_hook(previous);
    match result {
        Ok(Some(device)) => Ok(OpenDevice { device, backend: "wgpu".into() }),
        _ => Err(TrainError::Device(
            "--device wgpu: no usable GPU adapter found (wgpu found no Vulkan, Metal or DX12 \
             device). Use --device cpu, or on Linux without a GPU install a software Vulkan \
             driver (Debian: mesa-vulkan-drivers)."
                .into(),
        )),
    }
}

#[cfg(not(feature = "wgpu"))]
fn open_wgpu() -> Result<OpenDevice, TrainError> {
    Err(TrainError::Device(
        "--device wgpu: this medref was built without the `wgpu` feature; rebuild with \
         `cargo build --features wgpu` or use --device cpu"
            .into(),
    ))
}
