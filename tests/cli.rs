//! The `hsic-infogan` binary, run as a user runs it.

use std::path::Path;
use std::process::{Command, Output};

mod common;

use common::{MNIST_DIR, hsic_infogan, mnist_present};

/// Runs the binary with MNIST's environment variables set to `vars` (others removed) and the
/// user cache in `cache`.
fn hsic_infogan_with_env(args: &[&str], vars: &[(&str, &str)], cache: &Path) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_hsic-infogan"));
    command.args(args).env_remove("MNIST_DIR").env_remove("MNIST_MIRRORS").env("XDG_CACHE_HOME", cache);
    for (name, value) in vars {
        command.env(name, value);
    }
    command.output().unwrap()
}

fn stdout_of(args: &[&str]) -> String {
    let output = hsic_infogan(args);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{args:?} failed: {stderr}");
    String::from_utf8(output.stdout).unwrap()
}

fn assert_contains(text: &str, parts: &[&str]) {
    for part in parts {
        assert!(text.contains(part), "missing {part:?} in:\n{text}");
    }
}

#[test]
fn data_info_on_shapes() {
    let out = stdout_of(&["data", "info", "--dataset", "shapes"]);
    assert_contains(
        &out,
        &[
            "dSprites-style shapes",
            "rendered on demand",
            "1 x 64 x 64",
            "all    737280",
            "0..255",
            "0.000..1.000",
            "square   245760",
            "heart    245760",
            "orientation 40",
        ],
    );
}

#[test]
fn data_info_on_mnist() {
    if !mnist_present() {
        return;
    }
    let out = stdout_of(&["data", "info", "--dataset", "mnist", "--data-dir", MNIST_DIR]);
    assert_contains(
        &out,
        &["MNIST\n", "(--data-dir)", "1 x 28 x 28", "train  60000", "test   10000", "5923", "6742", "5949"],
    );
    let zero = out.lines().find(|line| line.trim_start().starts_with("0 ")).unwrap();
    assert_eq!(zero.split_whitespace().collect::<Vec<_>>(), ["0", "0", "5923", "980"]);
}

#[test]
fn mnist_dir_and_mnist_mirrors_come_from_the_environment() {
    if !mnist_present() {
        return;
    }
    let cache = tempfile::tempdir().unwrap();
    let args = ["data", "info", "--dataset", "mnist"];
    let found = hsic_infogan_with_env(&args, &[("MNIST_DIR", MNIST_DIR)], cache.path());
    assert!(found.status.success(), "{}", String::from_utf8_lossy(&found.stderr));
    assert_contains(&String::from_utf8_lossy(&found.stdout), &["($MNIST_DIR)", "train  60000"]);

    // The search always ends in the system folder, which would find MNIST there. No Debian
    // package installs it (CI installs only Fashion-MNIST's), so under CI this half must run.
    if Path::new("/usr/share/datasets/mnist").is_dir() {
        assert!(std::env::var_os("CI").is_none(), "CI must not have MNIST in /usr/share/datasets/mnist");
        println!("SKIPPED: the offline half (MNIST is installed in /usr/share/datasets/mnist)");
        return;
    }
    let refused = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}/", listener.local_addr().unwrap())
    };
    let offline = hsic_infogan_with_env(&args, &[("MNIST_MIRRORS", &refused)], cache.path());
    assert!(!offline.status.success());
    let stderr = String::from_utf8_lossy(&offline.stderr);
    let cache_dir = cache.path().join("hsic-infogan/mnist");
    assert_contains(
        &stderr,
        &[
            "error: MNIST not found",
            &format!("{} (user cache): no such folder", cache_dir.display()),
            &format!("{refused}train-images-idx3-ubyte.gz: "),
            "The data directory is given with --data-dir FOLDER.",
        ],
    );
}

#[test]
fn data_info_on_a_folder() {
    let root = tempfile::tempdir().unwrap();
    for (class, name) in [("a", "x.png"), ("a", "y.png"), ("b", "z.png")] {
        std::fs::create_dir_all(root.path().join(class)).unwrap();
        image::GrayImage::from_pixel(10, 12, image::Luma([200])).save(root.path().join(class).join(name)).unwrap();
    }
    std::fs::write(root.path().join("b/bad.png"), "broken").unwrap();
    let spec = format!("folder:{}", root.path().display());
    let failed = hsic_infogan(&["data", "info", "--dataset", &spec]);
    assert!(!failed.status.success());
    let stderr = String::from_utf8_lossy(&failed.stderr);
    assert_contains(&stderr, &["error: ", "bad.png", "cannot decode"]);

    let out = stdout_of(&["data", "info", "--dataset", &spec, "--size", "16", "--skip-bad"]);
    assert_contains(&out, &["1 x 16 x 16", "all    3", "200..200", "a      2", "b      1", "skipped 1 unreadable"]);
}

#[test]
fn bad_arguments_fail_with_a_message() {
    let output = hsic_infogan(&["data", "info", "--dataset", "cifar"]);
    assert!(!output.status.success());
    assert_contains(&String::from_utf8_lossy(&output.stderr), &["unknown dataset `cifar`", "folder:PATH"]);
}
