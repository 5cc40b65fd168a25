//! A sweep's folder (`hsic-infogan sweep`, and `tune`'s short runs): one run per cell under
//! `cells/NAME/`, each with the sweep's own files beside the run's, and the tables and figures
//! of all cells at the top; and `tune`'s outputs.

use std::path::{Path, PathBuf};

/// `cells/`: one run folder per cell.
pub fn cells_path(out: &Path) -> PathBuf {
    out.join("cells")
}

/// `cells/NAME/`: the run of cell `name`.
pub fn cell_path(out: &Path, name: &str) -> PathBuf {
    cells_path(out).join(name)
}

/// `cells/NAME/failed.txt`: why a cell failed, so a resumed sweep does not train it again.
pub fn failure_path(cell: &Path) -> PathBuf {
    cell.join("failed.txt")
}

/// `cells/NAME/gradients.json`: the cell's gradient norms at its start and end.
pub fn gradients_path(cell: &Path) -> PathBuf {
    cell.join("gradients.json")
}

/// `sweep.csv`: every cell's settings and scores.
pub fn table_csv_path(out: &Path) -> PathBuf {
    out.join("sweep.csv")
}

/// `sweep.md`: the same as a markdown table.
pub fn table_md_path(out: &Path) -> PathBuf {
    out.join("sweep.md")
}

/// `fig2.png`: the paper's Fig. 2, each cell's first traversal in the grid of settings.
pub fn mosaic_path(out: &Path) -> PathBuf {
    out.join("fig2.png")
}

/// `accuracy.png`: the cells' categorical accuracy as a heat map.
pub fn heat_map_path(out: &Path) -> PathBuf {
    out.join("accuracy.png")
}

/// `tuned.json`: the config `tune` recommends, for `train --config`.
pub fn tuned_config_path(out: &Path) -> PathBuf {
    out.join("tuned.json")
}

/// `tune.md`: `tune`'s measurements and recommendation.
pub fn tune_report_path(out: &Path) -> PathBuf {
    out.join("tune.md")
}
