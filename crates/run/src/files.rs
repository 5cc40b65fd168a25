//! Files written whole or not at all: into `NAME.tmp` beside the target, then renamed over it,
//! so an interrupted write leaves the previous file (or none), never part of one. And modules
//! read back from burnpack files.

use std::path::{Path, PathBuf};

use burn::config::{Config, config_to_json};
use burn::module::Module;
use burn::store::ModuleRecord;
use burn::tensor::Bytes;

use crate::RunError;

/// Writes `bytes` to `path` through `path.tmp`.
pub fn write_atomic(path: &Path, bytes: impl AsRef<[u8]>) -> Result<(), RunError> {
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".tmp");
    let tmp = PathBuf::from(tmp);
    std::fs::write(&tmp, bytes).map_err(RunError::io(&tmp))?;
    std::fs::rename(&tmp, path).map_err(RunError::io(path))
}

/// Saves `config` as JSON (what `Config::load` reads) to `path` through `path.tmp`.
pub fn save_config<C: Config>(config: &C, path: &Path) -> Result<(), RunError> {
    write_atomic(path, config_to_json(config))
}

/// A JSON file written by [`save_config`] (or by hand) read back; the error names the file and
/// what is wrong in it (Burn's `Config::load` reports a file that is not UTF-8 as not found).
pub fn load_json<C: Config>(path: &Path) -> Result<C, RunError> {
    let bytes = std::fs::read(path).map_err(RunError::io(path))?;
    C::load_binary(&bytes).map_err(|e| RunError::run(path, e))
}

/// Refuses a network of `weights` weights that the weights `file` is too small to hold at 2 bytes
/// each (half precision), before it is built: sizes from a damaged file (`described_by` names
/// it) would otherwise be allocated, and fail or exhaust the memory, before the weights are read.
pub fn check_can_hold(file: &Path, weights: u128, described_by: &str) -> Result<(), RunError> {
    let len = std::fs::metadata(file).map_err(RunError::io(file))?.len();
    if weights.saturating_mul(2) > u128::from(len) {
        return Err(RunError::run(
            file,
            format!(
                "{len} bytes cannot hold the {weights} weights of the network described by {described_by}: one of \
                 the files is damaged"
            ),
        ));
    }
    Ok(())
}

/// Reads a whole file into memory. Burn's file loader maps tensors lazily to the file, which a
/// checkpoint replaces while the run goes on.
pub fn read_bytes(path: &Path) -> Result<Bytes, RunError> {
    Ok(Bytes::from_bytes_vec(std::fs::read(path).map_err(RunError::io(path))?))
}

/// `fresh` (a module of the right shape) with the weights of the burnpack file `path`.
pub fn load_module<M: Module>(path: &Path, fresh: M) -> Result<M, RunError> {
    fresh.try_load_record(read_record(path)?).map_err(|e| RunError::run(path, e))
}

/// The module record (burnpack) in the file at `path`.
pub fn read_record(path: &Path) -> Result<ModuleRecord, RunError> {
    ModuleRecord::from_bytes(read_bytes(path)?).map_err(|e| RunError::run(path, e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_write_replaces_the_file_whole_and_leaves_no_temporary() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("table.md");
        write_atomic(&path, "old").unwrap();
        write_atomic(&path, "new text").unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "new text");
        assert!(!dir.path().join("table.md.tmp").exists());

        let missing = dir.path().join("no such folder").join("x.json");
        let err = save_config(&crate::TrainConfig::new(), &missing).unwrap_err();
        assert!(err.to_string().contains("x.json.tmp"), "{err}");
    }
}
