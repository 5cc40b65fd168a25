//! What several commands share: flag groups, the hints added to the libraries' errors, tables and
//! the short scored runs of `sweep` and `tune`. A command imports from here, never from another
//! command.

mod cell_table;
mod flags;
mod hint;
mod scores;
mod short_runs;
mod table;

pub use cell_table::{csv, markdown};
pub use flags::{DataDirArg, DeviceArg, EncoderArg, EstimatorArg, RunDeviceArg, absolute};
pub use hint::Hint;
pub use scores::{captured, percent};
pub use short_runs::{ShortRunArgs, announcer};
pub use table::{format_table, markdown_table};
