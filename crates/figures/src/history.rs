//! The figures over training: each epoch's copy of every figure, and an animation of each.

use std::path::{Path, PathBuf};

use hsic_infogan_train::run::{self, RunError, files};
use image::Delay;
use image::Frame;
use image::codecs::gif::{GifEncoder, Repeat};

/// Milliseconds each epoch's frame shows in the animations.
const FRAME_MS: u32 = 500;

/// Keeps epoch `epoch`'s copy of each figure in `figures` (`figures/epoch_NNN_NAME.png`) and
/// redraws `figures/NAME.gif`, the figure over all epochs kept so far.
pub fn record_epoch(run: &Path, epoch: usize, figures: &[PathBuf]) -> Result<Vec<PathBuf>, RunError> {
    let history = run::figure_history_path(run);
    std::fs::create_dir_all(&history).map_err(RunError::io(&history))?;
    let mut animations = Vec::new();
    for figure in figures {
        let name = figure.file_stem().and_then(|n| n.to_str()).expect("figures have UTF-8 names");
        let kept = history.join(format!("epoch_{epoch:03}_{name}.png"));
        files::write_atomic(&kept, std::fs::read(figure).map_err(RunError::io(figure))?)?;
        let mut frames: Vec<PathBuf> = std::fs::read_dir(&history)
            .map_err(RunError::io(&history))?
            .filter_map(|entry| entry.ok().map(|e| e.path()))
            .filter(|path| is_frame_of(path, name))
            .collect();
        frames.sort();
        let animation = history.join(format!("{name}.gif"));
        write_animation(&frames, &animation)?;
        animations.push(animation);
    }
    Ok(animations)
}

/// Whether `path` is `epoch_NNN_NAME.png`.
fn is_frame_of(path: &Path, name: &str) -> bool {
    let file = path.file_name().and_then(|f| f.to_str()).unwrap_or("");
    file.strip_prefix("epoch_")
        .and_then(|rest| rest.split_once('_'))
        .is_some_and(|(epoch, rest)| epoch.bytes().all(|b| b.is_ascii_digit()) && rest == format!("{name}.png"))
}

/// An endlessly looping GIF of the PNG files `frames`, in order.
pub fn write_animation(frames: &[PathBuf], path: &Path) -> Result<(), RunError> {
    let mut bytes = Vec::new();
    {
        let mut encoder = GifEncoder::new_with_speed(&mut bytes, 10);
        encoder.set_repeat(Repeat::Infinite).map_err(|e| RunError::run(path, e))?;
        for frame in frames {
            let image = image::open(frame).map_err(|e| RunError::run(frame, e))?.into_rgba8();
            let delay = Delay::from_numer_denom_ms(FRAME_MS, 1);
            encoder.encode_frame(Frame::from_parts(image, 0, 0, delay)).map_err(|e| RunError::run(path, e))?;
        }
    }
    files::write_atomic(path, bytes)
}
