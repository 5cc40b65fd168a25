//! Turns a user's backend choice (`flex`, `ndarray`, `wgpu`, `cuda`, `cuda:1`, ...) into a Burn
//! [`Device`], and owns the cargo features that compile the backends in.
//!
//! | choice | device | feature |
//! |---|---|---|
//! | `flex` | `Device::flex()`, pure-Rust CPU (the default) | `flex` |
//! | `ndarray` | `Device::ndarray()`, CPU (deprecated upstream; slow convolutions) | `ndarray` |
//! | `wgpu`, `wgpu:N` | `Device::wgpu(..)`: the best adapter, or discrete GPU `N` (Vulkan, Metal, ...) | `wgpu` |
//! | `cuda`, `cuda:N` | `Device::cuda(N)`, NVIDIA GPU `N` (default 0) | `cuda` |

use core::fmt;
use std::panic::{AssertUnwindSafe, catch_unwind};

#[cfg(any(feature = "wgpu", feature = "cuda"))]
use burn::backend::DispatchDevice;
use burn::prelude::*;

/// The backends compiled into this build.
pub const COMPILED_BACKENDS: &[&str] = &[
    #[cfg(feature = "flex")]
    "flex",
    #[cfg(feature = "ndarray")]
    "ndarray",
    #[cfg(feature = "wgpu")]
    "wgpu",
    #[cfg(feature = "cuda")]
    "cuda",
];

/// The backend used when none is named: the first compiled in of flex (fastest on a CPU),
/// cuda, wgpu, ndarray (its convolution backward is too slow to train with).
pub fn default_backend() -> &'static str {
    ["flex", "cuda", "wgpu", "ndarray"].into_iter().find(|name| COMPILED_BACKENDS.contains(name)).unwrap_or("flex")
}

/// Every backend this project knows, compiled in or not.
pub const KNOWN_BACKENDS: &[&str] = &["flex", "ndarray", "wgpu", "cuda"];

/// Why a backend choice gave no device.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeviceChoiceError {
    /// Not a backend this project knows.
    Unknown { choice: String },
    /// A known backend whose cargo feature was not enabled in this build.
    NotCompiled { backend: String },
    /// A device index that is not a number, or an index for a backend that takes none.
    BadIndex { choice: String },
}

impl fmt::Display for DeviceChoiceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let compiled = COMPILED_BACKENDS.join(", ");
        match self {
            Self::Unknown { choice } => write!(
                f,
                "unknown device `{choice}`: expected one of {known} (with `:N` for a GPU index); \
                 compiled into this build: {compiled}",
                known = KNOWN_BACKENDS.join(", ")
            ),
            Self::NotCompiled { backend } => write!(
                f,
                "device `{backend}` is not compiled into this build (compiled: {compiled}); \
                 rebuild with `--features {backend}`"
            ),
            Self::BadIndex { choice } => write!(
                f,
                "bad device index in `{choice}`: only wgpu and cuda take one, as `wgpu:N` or \
                 `cuda:N` with N a number"
            ),
        }
    }
}

impl std::error::Error for DeviceChoiceError {}

/// A backend choice as a user writes it (`flex`, `wgpu`, `cuda:1`): a backend this project
/// knows, compiled into this build or not (a run's config written by another build still
/// reads), with a GPU index where the backend takes one. Written as its canonical text, the way
/// a run's `config.json` stores it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceChoice {
    backend: &'static str,
    index: Option<usize>,
}

impl DeviceChoice {
    /// [`default_backend`].
    pub fn default_backend() -> Self {
        Self { backend: default_backend(), index: None }
    }

    /// The backend's name, one of [`KNOWN_BACKENDS`].
    pub fn backend(&self) -> &'static str {
        self.backend
    }

    /// The device, if its backend is compiled into this build.
    pub fn device(&self) -> Result<Device, DeviceChoiceError> {
        compiled_device(self.backend, self.index).ok_or(DeviceChoiceError::NotCompiled { backend: self.backend.into() })
    }

    /// The autodiff device, checked with [`probe`]: what training and evaluation run on.
    pub fn open(&self) -> Result<Device, DeviceError> {
        let device = self.device()?;
        probe(&device).map_err(|reason| DeviceError::Broken { choice: self.to_string(), reason })?;
        Ok(device.autodiff())
    }
}

impl std::str::FromStr for DeviceChoice {
    type Err = DeviceChoiceError;

    /// A backend name (any case, spaces around it ignored), optionally followed by `:N`.
    fn from_str(choice: &str) -> Result<Self, Self::Err> {
        let (name, index) = match choice.trim().split_once(':') {
            Some((name, index)) => (name, Some(index)),
            None => (choice.trim(), None),
        };
        let name = name.to_ascii_lowercase();
        let Some(&backend) = KNOWN_BACKENDS.iter().find(|known| **known == name) else {
            return Err(DeviceChoiceError::Unknown { choice: choice.to_string() });
        };
        let bad_index = || DeviceChoiceError::BadIndex { choice: choice.to_string() };
        let index = match index {
            Some(_) if !matches!(backend, "wgpu" | "cuda") => return Err(bad_index()),
            Some(index) => Some(index.trim().parse::<usize>().map_err(|_| bad_index())?),
            None => None,
        };
        Ok(Self { backend, index })
    }
}

impl fmt::Display for DeviceChoice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.index {
            Some(index) => write!(f, "{}:{index}", self.backend),
            None => f.write_str(self.backend),
        }
    }
}

impl burn::serde::Serialize for DeviceChoice {
    fn serialize<S: burn::serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> burn::serde::Deserialize<'de> for DeviceChoice {
    fn deserialize<D: burn::serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(burn::serde::de::Error::custom)
    }
}

/// The device for `choice`: a backend name, optionally followed by `:N` for a GPU index.
pub fn parse_device(choice: &str) -> Result<Device, DeviceChoiceError> {
    choice.parse::<DeviceChoice>()?.device()
}

/// The device of a known backend, or `None` when its feature is not compiled in.
#[allow(unused_variables)]
fn compiled_device(name: &str, index: Option<usize>) -> Option<Device> {
    match name {
        #[cfg(feature = "flex")]
        "flex" => Some(Device::flex()),
        #[cfg(feature = "ndarray")]
        #[allow(deprecated)]
        "ndarray" => Some(Device::ndarray()),
        #[cfg(feature = "wgpu")]
        "wgpu" => {
            without_fusion();
            Some(Device::wgpu(index.map_or(DeviceKind::DefaultDevice, DeviceKind::DiscreteGpu)))
        }
        #[cfg(feature = "cuda")]
        "cuda" => {
            without_fusion();
            Some(Device::cuda(index.unwrap_or(0)))
        }
        _ => None,
    }
}

/// Why [`open`] gave no working device.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeviceError {
    /// The choice names no compiled backend.
    Choice(DeviceChoiceError),
    /// The backend is compiled in but failed its [`probe`] (e.g. wgpu without a driver).
    Broken { choice: String, reason: String },
}

impl fmt::Display for DeviceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Choice(err) => err.fmt(f),
            Self::Broken { choice, reason } => write!(f, "device `{choice}` does not work: {reason}"),
        }
    }
}

impl std::error::Error for DeviceError {}

impl From<DeviceChoiceError> for DeviceError {
    fn from(err: DeviceChoiceError) -> Self {
        Self::Choice(err)
    }
}

/// The autodiff device for `choice` (see [`parse_device`]), checked with [`probe`]: what
/// training and evaluation run on.
pub fn open(choice: &str) -> Result<Device, DeviceError> {
    choice.parse::<DeviceChoice>()?.open()
}

/// The adapter a GPU backend's kernels run on, as it names itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Adapter {
    /// E.g. `NVIDIA H200`, or `llvmpipe (LLVM 15.0.6, 256 bits)` for Mesa's software renderer.
    pub name: String,
    /// A renderer that runs on the CPU (no card behind it): Mesa's lavapipe on Vulkan, or llvmpipe
    /// through OpenGL where no Vulkan driver is found.
    pub software: bool,
}

impl fmt::Display for Adapter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "`{}`", self.name)?;
        if self.software {
            // Measured with `cargo bench --bench train_step` (docs/performance.md).
            f.write_str(
                ", a software renderer on the CPU, not a GPU: a training step of the MNIST networks took \
                 about 30 s there against 0.25 s on flex (the default) on a 2-core VM",
            )?;
        }
        Ok(())
    }
}

/// Whether `device` runs on CubeCL (wgpu or CUDA), with or without autodiff.
#[cfg(any(feature = "wgpu", feature = "cuda"))]
fn is_cube(device: &Device) -> bool {
    matches!(device.clone().inner().as_dispatch(), DispatchDevice::Cube(_))
}

/// The adapter behind a GPU device (opening it); `None` for the CPU backends, or where the device
/// does not open (see [`probe`] for why).
#[allow(unused_variables)]
pub fn adapter(device: &Device) -> Option<Adapter> {
    #[cfg(any(feature = "wgpu", feature = "cuda"))]
    if is_cube(device) {
        let identity = catch_unwind(AssertUnwindSafe(|| device.identity())).ok().flatten()?;
        return Some(Adapter { name: identity.name, software: identity.physical.is_none() });
    }
    None
}

/// Turns Burn's kernel fusion off for this process, unless the user's `burn.toml` or
/// `BURN_FUSION_MAX_EXPLORATIONS` set how far it explores; `false` where Burn had already read its
/// configuration (it is read once, at the first fused operation), so nothing changed.
///
/// With fusion, Burn 0.22.1's wgpu backend gets D's first Adam step wrong: on lavapipe (and, by
/// its first losses, on an NVIDIA H200) conv1's weights leave it off by up to 5 where flex,
/// ndarray and unfused wgpu agree to 1e-7, and a GAN's losses turn NaN at iteration 2
/// (docs/backends.md, "Known fault"). Unfused, every operation is its own kernel.
#[cfg(any(feature = "wgpu", feature = "cuda"))]
pub fn without_fusion() -> bool {
    use burn::BurnConfig;
    use burn::cubecl::config::RuntimeConfig;
    let mut config = serde_json::to_value(BurnConfig::from_current_dir().override_from_env())
        .expect("Burn's configuration is plain data");
    let explorations = &mut config["fusion"]["beam_search"]["max_explorations"];
    if explorations.is_null() {
        *explorations = 0.into();
    }
    BurnConfig::try_set(serde_json::from_value(config).expect("the same configuration, one field set"))
}

/// Runs one tiny computation on `device` and reads it back. GPU backends open their adapter
/// lazily and panic when none exists (e.g. wgpu with no Vulkan driver); this turns that panic
/// into an error carrying its message, so a caller can report or skip instead of crashing.
pub fn probe(device: &Device) -> Result<(), String> {
    let run =
        catch_unwind(AssertUnwindSafe(|| Tensor::<1>::from_floats([1.0, 2.0], device).sum().into_scalar::<f32>()));
    match run {
        Ok(3.0) => Ok(()),
        Ok(sum) => Err(format!("1 + 2 gave {sum}")),
        Err(payload) => Err(payload
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_else(|| "the backend panicked".to_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_choice_lists_compiled_backends() {
        let err = parse_device("tpu").unwrap_err();
        let message = err.to_string();
        assert!(message.contains("unknown device `tpu`"), "{message}");
        for backend in COMPILED_BACKENDS {
            assert!(message.contains(backend), "{message}");
        }
    }

    #[test]
    fn the_default_backend_is_compiled_in_and_prefers_flex() {
        let default = default_backend();
        assert!(COMPILED_BACKENDS.contains(&default), "{default} is not among {COMPILED_BACKENDS:?}");
        assert!(parse_device(default).is_ok());
        if COMPILED_BACKENDS.contains(&"flex") {
            assert_eq!(default, "flex");
        } else if COMPILED_BACKENDS.contains(&"wgpu") && !COMPILED_BACKENDS.contains(&"cuda") {
            assert_eq!(default, "wgpu", "wgpu trains, ndarray is too slow to");
        }
    }

    #[test]
    fn index_only_for_gpu_backends() {
        assert_eq!(parse_device("flex:1").unwrap_err(), DeviceChoiceError::BadIndex { choice: "flex:1".into() });
        assert_eq!(parse_device("cuda:x").unwrap_err(), DeviceChoiceError::BadIndex { choice: "cuda:x".into() });
    }

    #[test]
    fn every_known_backend_is_a_device_or_a_not_compiled_error() {
        for &backend in KNOWN_BACKENDS {
            match parse_device(backend) {
                Ok(_) => assert!(COMPILED_BACKENDS.contains(&backend), "{backend}"),
                Err(err) => {
                    assert!(!COMPILED_BACKENDS.contains(&backend), "{backend}: {err}");
                    let message = err.to_string();
                    assert!(message.contains(&format!("--features {backend}")), "{message}");
                }
            }
        }
    }

    #[test]
    fn a_choice_reads_back_from_its_text_and_json() {
        for text in ["flex", "ndarray", "wgpu", "wgpu:1", "cuda", "cuda:0"] {
            let choice: DeviceChoice = text.parse().unwrap();
            assert_eq!(choice.to_string(), text);
            let json = format!("\"{text}\"");
            assert_eq!(serde_json::to_string(&choice).unwrap(), json);
            assert_eq!(serde_json::from_str::<DeviceChoice>(&json).unwrap(), choice);
        }
        assert_eq!(" WGPU:2 ".parse::<DeviceChoice>().unwrap().to_string(), "wgpu:2");
        let err = serde_json::from_str::<DeviceChoice>("\"tpu\"").unwrap_err().to_string();
        assert!(err.contains("unknown device `tpu`"), "{err}");
    }

    #[test]
    fn names_are_case_and_space_insensitive() {
        for &backend in COMPILED_BACKENDS {
            assert!(parse_device(&format!(" {} ", backend.to_uppercase())).is_ok());
        }
    }

    #[test]
    fn open_names_the_choice_it_cannot_open() {
        let err = open("tpu").unwrap_err();
        assert!(matches!(err, DeviceError::Choice(DeviceChoiceError::Unknown { .. })), "{err:?}");
        assert!(err.to_string().contains("unknown device `tpu`"), "{err}");
        for backend in COMPILED_BACKENDS.iter().filter(|b| matches!(**b, "flex" | "ndarray")) {
            assert!(open(backend).is_ok(), "{backend}");
        }
    }

    #[test]
    fn only_gpu_backends_have_an_adapter() {
        for &backend in COMPILED_BACKENDS {
            let device = parse_device(backend).unwrap();
            let gpu = matches!(backend, "wgpu" | "cuda");
            match adapter(&device) {
                Some(adapter) => assert!(gpu && !adapter.name.is_empty(), "{backend}: {adapter:?}"),
                None => assert!(!gpu || probe(&device).is_err(), "{backend} runs but names no adapter"),
            }
        }
    }

    #[test]
    fn cpu_backends_pass_the_probe() {
        for backend in COMPILED_BACKENDS.iter().filter(|b| matches!(**b, "flex" | "ndarray")) {
            assert_eq!(probe(&parse_device(backend).unwrap()), Ok(()), "{backend}");
        }
    }
}
