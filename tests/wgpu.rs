//! The program with wgpu compiled in: it names the adapter a run uses, warns of a software one,
//! and a CPU run resumes where no GPU adapter exists at all.
#![cfg(feature = "wgpu")]

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use common::{TinyRun, image_folder, metric_rows, text, tiny, tiny_run};

/// Environment that hides every GPU driver from wgpu: no Vulkan ICD and no EGL vendor (hiding
/// the ICD alone leaves wgpu on Mesa's OpenGL adapter).
const NO_ADAPTER: [(&str, &str); 2] =
    [("VK_ICD_FILENAMES", "/nonexistent.json"), ("__EGL_VENDOR_LIBRARY_FILENAMES", "/nonexistent.json")];

/// A wgpu run names a software adapter (lavapipe, on the machines CI runs on) and what it costs,
/// even with `--quiet`, before its first training step (seconds there); the run is stopped once
/// the line is read.
#[test]
fn a_wgpu_run_names_its_adapter_before_training() {
    let device = hsic_infogan::device::parse_device("wgpu").unwrap();
    let Some(adapter) = hsic_infogan::device::adapter(&device) else {
        assert!(std::env::var_os("CI").is_none(), "wgpu is compiled in but has no adapter under CI");
        println!("SKIPPED: wgpu has no adapter here");
        return;
    };
    let images = tempfile::tempdir().unwrap();
    let dataset = image_folder(images.path());
    let work = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_hsic-infogan"))
        .args(tiny(&dataset, &work.path().join("run"), &["--device", "wgpu", "--max-iters", "1", "--quiet"]))
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Mesa may print its own warnings first.
    let named =
        BufReader::new(child.stderr.take().unwrap()).lines().map(Result::unwrap).find(|l| l.contains(" runs on "));
    child.kill().unwrap();
    child.wait().unwrap();
    if adapter.software {
        let line = named.expect("a line naming the adapter");
        assert!(line.starts_with(&format!("wgpu runs on `{}`", adapter.name)), "{line}");
        assert!(line.contains("software renderer on the CPU"), "{line}");
    } else {
        assert_eq!(named, None, "with --quiet, a hardware adapter is not named");
    }
}

/// A flex run resumes in a build with wgpu compiled in, on a machine without any GPU adapter:
/// the saved Adam state loads onto the run's device, not onto Burn's default device (wgpu here,
/// whose adapter would be opened and fail).
#[test]
fn a_flex_run_resumes_where_wgpu_is_compiled_in_but_has_no_adapter() {
    // The image folder and the run folder must outlive the resume.
    let TinyRun { _images, work: _work, out, .. } = tiny_run();
    let output = Command::new(env!("CARGO_BIN_EXE_hsic-infogan"))
        .args(["train", "--resume", &out.display().to_string(), "--max-iters", "4", "--quiet"])
        .envs(NO_ADAPTER)
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", text(&output));
    assert_eq!(metric_rows(&out), 4, "two iterations before the resume and two after");
}
