//! `export`, `sample --npy/--png-dir` and the PyTorch script: a run's generator taken elsewhere
//! gives the images this program gives for the same inputs. Also `sample` alone (the figures)
//! and the backend `--device` names for both commands.

use std::path::Path;
use std::process::Command;

mod common;

use burn::prelude::*;
use common::{fail, image_folder, run, succeed, text, tiny};
use hsic_infogan_train::export::{self, ExportLayout};
use hsic_infogan_train::models::{Latent, LatentConfig, Networks, Rng};

/// The float32 values of an `.npy` file (C order) and its shape, as NumPy writes it.
fn read_npy(path: &Path) -> (Vec<usize>, Vec<f32>) {
    let bytes = std::fs::read(path).unwrap();
    assert_eq!(&bytes[..6], b"\x93NUMPY", "{}", path.display());
    let len = u16::from_le_bytes([bytes[8], bytes[9]]) as usize;
    let header = std::str::from_utf8(&bytes[10..10 + len]).unwrap();
    assert!(header.contains("'descr': '<f4'"), "{header}");
    let shape = header.split("'shape': (").nth(1).unwrap().split(')').next().unwrap();
    let shape = shape.split(',').filter(|s| !s.trim().is_empty()).map(|s| s.trim().parse().unwrap()).collect();
    let values = bytes[10 + len..].chunks(4).map(|b| f32::from_le_bytes(b.try_into().unwrap())).collect();
    (shape, values)
}

/// The safetensors header: tensor name -> shape.
fn safetensors_shapes(path: &Path) -> Vec<(String, Vec<usize>)> {
    let bytes = std::fs::read(path).unwrap();
    let len = u64::from_le_bytes(bytes[..8].try_into().unwrap()) as usize;
    let header: serde_json::Value = serde_json::from_slice(&bytes[8..8 + len]).unwrap();
    let mut shapes: Vec<_> = header
        .as_object()
        .unwrap()
        .iter()
        .filter(|(name, _)| *name != "__metadata__")
        .map(|(name, info)| {
            assert_eq!(info["dtype"], "F32", "{name}");
            (name.clone(), info["shape"].as_array().unwrap().iter().map(|d| d.as_u64().unwrap() as usize).collect())
        })
        .collect();
    shapes.sort();
    shapes
}

/// A safetensors file's tensor entries (names, types, shapes, offsets) and data: all but its
/// metadata, whose keys come in any order.
#[cfg(feature = "ndarray")]
fn safetensors_tensors(path: &Path) -> (serde_json::Value, Vec<u8>) {
    let bytes = std::fs::read(path).unwrap();
    let len = u64::from_le_bytes(bytes[..8].try_into().unwrap()) as usize;
    let mut header: serde_json::Value = serde_json::from_slice(&bytes[8..8 + len]).unwrap();
    header.as_object_mut().unwrap().remove("__metadata__");
    (header, bytes[8 + len..].to_vec())
}

/// An 8x8 InfoGAN run of 6 iterations: batch norm has running statistics to export.
fn trained_run(work: &Path) -> String {
    let images = work.join("images");
    std::fs::create_dir(&images).unwrap();
    let dataset = image_folder(&images);
    let out = work.join("run");
    let trained = run(&tiny(&dataset, &out, &["--model", "infogan", "--max-iters", "6", "--quiet"]));
    assert!(trained.status.success(), "{}", text(&trained));
    out.display().to_string()
}

#[test]
fn the_export_is_pytorchs_layout_and_loads_back_to_the_same_images() {
    let work = tempfile::tempdir().unwrap();
    let run_dir = trained_run(work.path());
    let printed = succeed(&["export", "--run", &run_dir]);
    let weights = Path::new(&run_dir).join("generator.safetensors");
    assert!(printed.contains(&weights.display().to_string()), "{printed}");
    assert!(!Path::new(&run_dir).join("generator.safetensors.tmp").exists());

    // PyTorch's names and shapes: Linear [out, in], batch norm weight/bias/running stats,
    // transposed convolutions [in, out, 4, 4]. Input: noise 4 + one-hot 3 + continuous 2.
    let shapes = safetensors_shapes(&weights);
    let expected: Vec<(String, Vec<usize>)> = [
        ("bn1.bias", vec![1024]),
        ("bn1.running_mean", vec![1024]),
        ("bn1.running_var", vec![1024]),
        ("bn1.weight", vec![1024]),
        ("bn2.bias", vec![512]),
        ("bn2.running_mean", vec![512]),
        ("bn2.running_var", vec![512]),
        ("bn2.weight", vec![512]),
        ("bn3.bias", vec![64]),
        ("bn3.running_mean", vec![64]),
        ("bn3.running_var", vec![64]),
        ("bn3.weight", vec![64]),
        ("fc1.weight", vec![1024, 9]),
        ("fc2.weight", vec![512, 1024]),
        ("up1.weight", vec![128, 64, 4, 4]),
        ("up2.bias", vec![1]),
        ("up2.weight", vec![64, 1, 4, 4]),
    ]
    .into_iter()
    .map(|(name, shape)| (name.to_string(), shape))
    .collect();
    assert_eq!(shapes, expected);

    let device = hsic_infogan_device::open("flex").unwrap().inner();
    let (exported, layout) = export::read(&weights, &device).unwrap();
    assert_eq!(
        layout,
        ExportLayout {
            noise: 4,
            categorical: vec![3],
            continuous: 2,
            continuous_range: [-1.0, 1.0],
            input_size: 9,
            input_order: layout.input_order.clone(),
            image: [1, 8, 8],
            iteration: 6,
            model: "infogan".into(),
            networks: Some(Networks::InfoGan),
        }
    );
    assert_eq!(layout.latent(), LatentConfig { noise: 4, categorical: vec![3], continuous: 2 });
    let trained = hsic_infogan_train::run::load_generator(Path::new(&run_dir), Some("flex")).unwrap();
    let latent = layout.latent().sample(16, &mut Rng::new(3));
    let ours = trained.generator.forward(latent.input(&device)).into_data().try_to_vec::<f32>().unwrap();
    let back = exported.forward(latent.input(&device)).into_data().try_to_vec::<f32>().unwrap();
    assert_eq!(ours, back, "the export read back must give the checkpoint's images");
    // Eval mode: a batch of one gives the image it gives within a batch (training-mode batch
    // norm would normalise the one sample to zero).
    let single = Latent {
        batch: 1,
        noise: latent.noise[..4].to_vec(),
        categories: latent.categories[..1].to_vec(),
        continuous: latent.continuous[..2].to_vec(),
        ..latent.clone()
    };
    let alone = exported.forward(single.input(&device)).into_data().try_to_vec::<f32>().unwrap();
    let worst = alone.iter().zip(&back[..64]).map(|(a, b)| (a - b).abs()).fold(0.0, f32::max);
    assert!(worst < 1e-6, "alone vs in a batch: {worst} (the products sum in another order)");
}

#[test]
fn a_bad_export_names_the_file() {
    let work = tempfile::tempdir().unwrap();
    let weights = work.path().join("generator.safetensors");
    let device = hsic_infogan_device::open("flex").unwrap().inner();
    let err = export::read(&weights, &device).unwrap_err().to_string();
    assert!(err.contains("generator.json"), "{err}");
    let run_dir = trained_run(work.path());
    let other = work.path().join("other.safetensors");
    succeed(&["export", "--run", &run_dir, "--out", &other.display().to_string()]);
    std::fs::copy(work.path().join("other.json"), export::layout_path(&weights)).unwrap();
    std::fs::write(&weights, b"not safetensors").unwrap();
    let err = export::read(&weights, &device).unwrap_err().to_string();
    assert!(err.contains("generator.safetensors"), "{err}");
}

/// Python with torch, safetensors and numpy: `HSIC_INFOGAN_PYTHON` or `python3`.
fn torch_python() -> Option<String> {
    let python = std::env::var("HSIC_INFOGAN_PYTHON").unwrap_or_else(|_| "python3".into());
    let found = Command::new(&python).args(["-c", "import torch, safetensors, numpy"]).output();
    if found.is_ok_and(|o| o.status.success()) {
        Some(python)
    } else {
        println!("SKIPPED: {python} cannot import torch, safetensors and numpy (pip install torch safetensors numpy)");
        None
    }
}

#[test]
fn sample_writes_the_generator_input_and_pngs_and_pytorch_regenerates_the_images() {
    let work = tempfile::tempdir().unwrap();
    let run_dir = trained_run(work.path());
    let npy = work.path().join("gen.npy");
    let pngs = work.path().join("pngs");
    let args = ["sample", "--run", &run_dir, "--n", "12", "--npy", &npy.display().to_string()];
    succeed(&[&args[..], &["--png-dir", &pngs.display().to_string()]].concat());

    let (shape, images) = read_npy(&npy);
    assert_eq!(shape, vec![12, 1, 8, 8]);
    let (shape, latent) = read_npy(&work.path().join("gen_latent.npy"));
    assert_eq!(shape, vec![12, 9]);
    let (_, codes) = read_npy(&work.path().join("gen_codes.npy"));
    for row in 0..12 {
        assert_eq!(latent[row * 9 + 4..row * 9 + 9], codes[row * 5..row * 5 + 5], "row {row}: [z | c]");
    }
    // The generator fed the latent file gives the sampled images.
    let trained = hsic_infogan_train::run::load_generator(Path::new(&run_dir), Some("flex")).unwrap();
    let input = Tensor::<2>::from_data(TensorData::new(latent.clone(), [12, 9]), &trained.device);
    let again = trained.generator.forward(input).into_data().try_to_vec::<f32>().unwrap();
    assert_eq!(again, images);
    // One 8-bit PNG per image.
    let mut files: Vec<_> = std::fs::read_dir(&pngs).unwrap().map(|e| e.unwrap().file_name()).collect();
    files.sort();
    assert_eq!(files.len(), 12);
    assert_eq!(files[11], "00011.png");
    let png = image::open(pngs.join("00011.png")).unwrap().into_luma8();
    assert_eq!(png.dimensions(), (8, 8), "the image alone, no border");
    let expected: Vec<u8> = images[11 * 64..].iter().map(|v| (v * 255.0).round() as u8).collect();
    assert_eq!(png.into_raw(), expected);

    let Some(python) = torch_python() else { return };
    succeed(&["export", "--run", &run_dir]);
    let weights = Path::new(&run_dir).join("generator.safetensors");
    let torch_npy = work.path().join("torch.npy");
    let grid = work.path().join("grid.png");
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/torch_generator.py");
    let output = Command::new(python)
        .arg(script)
        .arg(&weights)
        .args(["--latent", &work.path().join("gen_latent.npy").display().to_string()])
        .args(["--out", &torch_npy.display().to_string(), "--grid", &grid.display().to_string()])
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", text(&output));
    let (shape, torch_images) = read_npy(&torch_npy);
    assert_eq!(shape, vec![12, 1, 8, 8]);
    let worst = images.iter().zip(&torch_images).map(|(a, b)| (a - b).abs()).fold(0.0, f32::max);
    assert!(worst < 1e-4, "PyTorch's images differ by up to {worst}");
    assert_eq!(image::open(&grid).unwrap().into_luma8().dimensions(), (10 * 10 + 2, 10 * 10 + 2));
}

/// `sample` without `--npy` or `--png-dir` draws the run's figures again, into `--out`, as the
/// training drew them, and nothing else.
#[test]
fn sample_alone_redraws_the_figures_of_the_training() {
    let work = tempfile::tempdir().unwrap();
    let run_dir = trained_run(work.path());
    let figures = work.path().join("figures");
    let printed = succeed(&["sample", "--run", &run_dir, "--out", &figures.display().to_string()]);
    let names = ["samples.png", "traverse_c1.png", "traverse_c2.png"];
    for name in names {
        assert!(printed.contains(&format!("figure: {}", figures.join(name).display())), "{name} in {printed}");
        let (again, trained) =
            (std::fs::read(figures.join(name)).unwrap(), std::fs::read(Path::new(&run_dir).join(name)));
        assert_eq!(again, trained.unwrap(), "{name} as the training drew it");
    }
    let mut written: Vec<_> = std::fs::read_dir(&figures).unwrap().map(|e| e.unwrap().file_name()).collect();
    written.sort();
    assert_eq!(written, names);
}

/// `--device` of `sample` and `export` is the backend they open: a name that is none fails, and
/// ndarray gives flex's images and weights.
#[test]
fn sample_and_export_open_the_device_asked_for() {
    let work = tempfile::tempdir().unwrap();
    let run_dir = trained_run(work.path());
    let file = |name: &str| work.path().join(name).display().to_string();
    for command in ["sample", "export"] {
        let refused = fail(&[command, "--run", &run_dir, "--device", "abacus", "--out", &file(command)]);
        assert!(refused.contains("unknown device `abacus`"), "{command}: {refused}");
    }
    #[cfg(feature = "ndarray")]
    {
        for device in ["flex", "ndarray"] {
            let npy = file(&format!("{device}.npy"));
            succeed(&[
                "sample",
                "--run",
                &run_dir,
                "--n",
                "12",
                "--npy",
                &npy,
                "--device",
                device,
                "--out",
                &file(device),
            ]);
            succeed(&[
                "export",
                "--run",
                &run_dir,
                "--device",
                device,
                "--out",
                &file(&format!("{device}.safetensors")),
            ]);
        }
        let ((shape, flex), (_, ndarray)) =
            (read_npy(Path::new(&file("flex.npy"))), read_npy(Path::new(&file("ndarray.npy"))));
        assert_eq!(shape, vec![12, 1, 8, 8]);
        let worst = flex.iter().zip(&ndarray).map(|(a, b)| (a - b).abs()).fold(0.0, f32::max);
        assert!(worst < 1e-5, "ndarray's images differ from flex's by up to {worst}");
        let weights = |device: &str| safetensors_tensors(Path::new(&file(&format!("{device}.safetensors"))));
        assert!(weights("flex") == weights("ndarray"), "the weights exported from ndarray differ from flex's");
    }
}
