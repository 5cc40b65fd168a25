//! `hsic-infogan data ...`: a user's first check that the data is there and looks right.

use std::fmt;
use std::path::Path;
use std::time::Instant;

use burn::data::dataset::Dataset;
use clap::{Args, Subcommand};
use hsic_infogan_data::folder::{Channels, FolderOptions, load_folder};
use hsic_infogan_data::mnist::{self, MnistKind, Split, Via};
use hsic_infogan_data::shapes::{Factor, Factors, SHAPE_NAMES, SHAPES_LEN, SHAPES_SIZE};
use hsic_infogan_data::{DataError, DatasetSpec, ImageSet};

use super::shared::{DataDirArg, Hint, format_table};
use crate::progress::showing_downloads;

#[derive(Debug, Subcommand)]
pub enum DataCommand {
    /// Counts, image shape, label histogram, pixel range and where the data was found.
    Info(InfoArgs),
}

#[derive(Debug, Args)]
pub struct InfoArgs {
    /// mnist, fashion-mnist, shapes or folder:PATH.
    #[arg(long)]
    dataset: DatasetSpec,
    #[command(flatten)]
    data_dir: DataDirArg,
    /// folder: side of the square images the files are resized to, in pixels.
    #[arg(long, default_value_t = 64)]
    size: usize,
    /// folder: load RGB instead of grayscale.
    #[arg(long)]
    rgb: bool,
    /// folder: skip unreadable files (and list them) instead of failing.
    #[arg(long)]
    skip_bad: bool,
}

impl DataCommand {
    pub fn run(self) -> Result<(), Box<dyn std::error::Error>> {
        match self {
            Self::Info(args) => print!("{}", info(&args).map_err(Hint::with_hint)?),
        }
        Ok(())
    }
}

/// Number of shapes rendered for the pixel range: all 737,280 would take seconds.
const SHAPES_SAMPLED: usize = 4096;

/// What `data info` prints.
struct Report {
    dataset: String,
    found: String,
    dims: [usize; 3],
    /// Seconds to read the files, if any were read.
    load_seconds: Option<f64>,
    splits: Vec<SplitSummary>,
    class_names: Vec<String>,
    notes: Vec<String>,
}

struct SplitSummary {
    name: &'static str,
    images: usize,
    /// Smallest and largest pixel byte.
    pixels: (u8, u8),
    /// How many images the pixel range is taken over, when not all.
    sampled: Option<usize>,
    /// Images per class, if the split has labels.
    label_counts: Option<Vec<usize>>,
}

fn info(args: &InfoArgs) -> Result<Report, DataError> {
    match &args.dataset {
        DatasetSpec::Mnist => idx_report(MnistKind::Mnist, args.data_dir.data_dir.as_deref()),
        DatasetSpec::FashionMnist => idx_report(MnistKind::FashionMnist, args.data_dir.data_dir.as_deref()),
        DatasetSpec::Shapes => Ok(shapes_report()),
        DatasetSpec::Folder(root) => folder_report(root, args),
    }
}

fn idx_report(kind: MnistKind, data_dir: Option<&Path>) -> Result<Report, DataError> {
    let files = showing_downloads(|on_download| mnist::find_with(kind, data_dir, on_download))?;
    let start = Instant::now();
    let (train, test) = (files.load(Split::Train)?, files.load(Split::Test)?);
    let load_seconds = start.elapsed().as_secs_f64();
    let class_names = kind.class_names().map(String::from).to_vec();
    Ok(Report {
        dataset: kind.name().into(),
        found: format!("{} ({})", files.place.dir.display(), via(&files.place.via)),
        dims: train.dims(),
        load_seconds: Some(load_seconds),
        splits: vec![summarize("train", &train, class_names.len()), summarize("test", &test, class_names.len())],
        class_names,
        notes: Vec::new(),
    })
}

/// Why the folder was searched, the data directory by its flag.
fn via(via: &Via) -> String {
    match via {
        Via::DataDir => "--data-dir".into(),
        other => other.to_string(),
    }
}

fn shapes_report() -> Report {
    let mut label_counts = vec![0; SHAPE_NAMES.len()];
    for index in 0..SHAPES_LEN {
        label_counts[Factors::from_index(index).get(Factor::Shape)] += 1;
    }
    let (low, high) = (0..SHAPES_LEN)
        .step_by(SHAPES_LEN / SHAPES_SAMPLED)
        .flat_map(|index| Factors::from_index(index).render())
        .fold((u8::MAX, u8::MIN), |(low, high), pixel| (low.min(pixel), high.max(pixel)));
    let factors: Vec<String> =
        Factor::ALL.iter().map(|factor| format!("{} {}", factor.name(), factor.count())).collect();
    Report {
        dataset: "dSprites-style shapes".into(),
        found: "rendered on demand (no files)".into(),
        dims: [1, SHAPES_SIZE, SHAPES_SIZE],
        load_seconds: None,
        splits: vec![SplitSummary {
            name: "all",
            images: SHAPES_LEN,
            pixels: (low, high),
            sampled: Some(SHAPES_SAMPLED),
            label_counts: Some(label_counts),
        }],
        class_names: SHAPE_NAMES.map(String::from).to_vec(),
        notes: vec![format!("factors: {} (index: mixed radix, posY fastest); label = shape", factors.join(", "))],
    }
}

fn folder_report(root: &Path, args: &InfoArgs) -> Result<Report, DataError> {
    let options = FolderOptions {
        channels: if args.rgb { Channels::Rgb } else { Channels::Gray },
        size: [args.size, args.size],
        skip_bad: args.skip_bad,
    };
    let start = Instant::now();
    let folder = load_folder(root, &options)?;
    let load_seconds = start.elapsed().as_secs_f64();
    let mut notes = vec![match folder.classes.len() {
        0 => "no labels: some images sit directly in the folder, not in a class sub-folder".into(),
        n => format!("labels: {n} classes, one per sub-folder"),
    }];
    if !folder.skipped.is_empty() {
        let count = folder.skipped.len();
        let plural = if count == 1 { "" } else { "s" };
        notes.push(format!("skipped {count} unreadable file{plural}:"));
        notes.extend(folder.skipped.iter().map(|(path, why)| format!("  {}: {why}", path.display())));
    }
    Ok(Report {
        dataset: format!("image folder, resized to {0} x {0}", args.size),
        found: root.display().to_string(),
        dims: folder.images.dims(),
        load_seconds: Some(load_seconds),
        splits: vec![summarize("all", &folder.images, folder.classes.len())],
        class_names: folder.classes,
        notes,
    })
}

fn summarize(name: &'static str, set: &ImageSet, classes: usize) -> SplitSummary {
    let (low, high) =
        set.pixels().iter().fold((u8::MAX, u8::MIN), |(low, high), &pixel| (low.min(pixel), high.max(pixel)));
    let label_counts = set.labels().map(|labels| {
        let mut counts = vec![0; classes];
        for &label in labels {
            counts[label] += 1;
        }
        counts
    });
    SplitSummary { name, images: set.len(), pixels: (low, high), sampled: None, label_counts }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let [channels, height, width] = self.dims;
        writeln!(f, "{}", self.dataset)?;
        let mut facts = vec![
            vec!["found in".into(), self.found.clone()],
            vec!["image shape".into(), format!("{channels} x {height} x {width} (channels x height x width)")],
        ];
        if let Some(seconds) = self.load_seconds {
            facts.push(vec!["loaded in".into(), format!("{seconds:.2} s")]);
        }
        write!(f, "{}", indent(&format_table(&facts)))?;

        let mut splits = vec![vec!["split".into(), "images".into(), "pixel bytes".into(), "in batches".into()]];
        for split in &self.splits {
            let (low, high) = split.pixels;
            let sampled = split.sampled.map_or(String::new(), |n| format!("  (over {n} sampled images)"));
            splits.push(vec![
                split.name.into(),
                split.images.to_string(),
                format!("{low}..{high}"),
                format!("{:.3}..{:.3}{sampled}", f32::from(low) / 255.0, f32::from(high) / 255.0),
            ]);
        }
        write!(f, "\n{}", indent(&format_table(&splits)))?;

        let labelled: Vec<&SplitSummary> = self.splits.iter().filter(|split| split.label_counts.is_some()).collect();
        if !labelled.is_empty() {
            let mut header = vec!["label".to_string(), "class".to_string()];
            header.extend(labelled.iter().map(|split| split.name.to_string()));
            let mut rows = vec![header];
            for (label, class) in self.class_names.iter().enumerate() {
                let mut row = vec![label.to_string(), class.clone()];
                row.extend(
                    labelled.iter().map(|split| split.label_counts.as_ref().expect("labelled")[label].to_string()),
                );
                rows.push(row);
            }
            write!(f, "\n{}", indent(&format_table(&rows)))?;
        }
        if !self.notes.is_empty() {
            writeln!(f)?;
            for note in &self.notes {
                writeln!(f, "  {note}")?;
            }
        }
        Ok(())
    }
}

/// `text` with every line indented by two spaces.
fn indent(text: &str) -> String {
    text.lines().map(|line| format!("  {line}\n")).collect()
}
