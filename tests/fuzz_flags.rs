//! The program's flags that parse text fuzzed: the duration of `--checkpoint-every`, the lists
//! (`--categorical`, `sweep --sigma-x/--lambda/--seeds`, `tune --sigma-c`), `sweep --shard I/N`,
//! and `--config FILE` with a file cut anywhere, not UTF-8, missing or a folder. Parsing takes
//! a value or refuses it naming the flag, never panics; an accepted duration is a finite number
//! of minutes >= 0; a config file that does not read is an error naming it (the binary's exit
//! code 1, not a panic's 101). Deterministic: proptest is built without `std`.

mod common;

use clap::Parser;
use common::hsic_infogan;
use hsic_infogan::Cli;
use proptest::collection::vec;
use proptest::prelude::*;
use proptest::sample::select;

/// Cases per parsing property: clap parses a command line in microseconds.
const CASES: u32 = 2048;

/// Cases of `--config` through the binary: each starts the program, which fails at once.
const CONFIG_CASES: usize = 12;

/// Numbers as people and programs write them, and words that are not.
fn number() -> impl Strategy<Value = String> {
    let written = select(
        &[
            "0", "1", "90", "1.5", ".5", "-1", "-0", "1e3", "1e300", "1e308", "1e400", "NaN", "inf", "-inf", "0x10",
            "", " ", "1_000", "١",
        ][..],
    );
    prop_oneof![
        3 => written.prop_map(String::from),
        1 => any::<f64>().prop_map(|x| x.to_string()),
        1 => any::<u64>().prop_map(|n| n.to_string())
    ]
}

/// A duration: a number and a unit, or text built from a duration's pieces (numbers, units,
/// spaces, separators) in any order.
fn duration() -> impl Strategy<Value = String> {
    let unit = || {
        let other = select(&["ms", "d", " ", "/", ",", "mm", "é", ""][..]);
        prop_oneof![3 => select(&["s", "m", "h"][..]), 1 => other].prop_map(String::from)
    };
    prop_oneof![
        (number(), unit()).prop_map(|(number, unit)| number + &unit),
        vec(prop_oneof![number(), unit()], 0..4).prop_map(|pieces| pieces.concat()),
    ]
}

/// A comma-separated list of numbers, some empty or not numbers.
fn list() -> impl Strategy<Value = String> {
    vec(number(), 0..5).prop_map(|items| items.join(","))
}

/// The parsed `--checkpoint-every`, read from the command's debug form (the field is private).
fn checkpoint_every(cli: &Cli) -> Option<f64> {
    let shown = format!("{cli:?}");
    let value = shown.split("checkpoint_every: Some(").nth(1)?.split(')').next()?;
    Some(value.parse().expect("a number"))
}

/// Fails unless `parsed` is a command line, or an error naming `flag`.
fn parsed_or_naming(parsed: Result<Cli, clap::Error>, flag: &str) -> Result<Option<Cli>, TestCaseError> {
    match parsed {
        Ok(cli) => Ok(Some(cli)),
        Err(error) => {
            let message = error.to_string();
            prop_assert!(message.contains(flag), "does not name {flag}: {message}");
            Ok(None)
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(CASES))]

    #[test]
    fn a_duration_is_finite_minutes_or_refused_naming_the_flag(text in duration()) {
        // `--flag=value`: a value starting with `-` goes to the flag too.
        let parsed = Cli::try_parse_from(["hsic-infogan", "train", &format!("--checkpoint-every={text}")]);
        if let Some(cli) = parsed_or_naming(parsed, "--checkpoint-every")? {
            let minutes = checkpoint_every(&cli).expect("a parsed duration");
            prop_assert!(minutes.is_finite() && minutes >= 0.0, "`{text}` gave {minutes} minutes");
        }
    }

    #[test]
    fn list_flags_take_their_values_or_refuse_naming_the_flag(
        flag in select(&[
            ("train", "--categorical"),
            ("sweep", "--sigma-x"),
            ("sweep", "--lambda"),
            ("sweep", "--seeds"),
            ("sweep", "--shard"),
            ("tune", "--sigma-c"),
        ][..]),
        value in prop_oneof![list(), (number(), select(&["/", "//", "/ ", ""][..]), number()).prop_map(|(a, slash, b)| format!("{a}{slash}{b}"))],
    ) {
        let (command, flag) = flag;
        parsed_or_naming(Cli::try_parse_from(["hsic-infogan", command, &format!("{flag}={value}")]), flag)?;
    }
}

#[test]
fn a_config_file_that_does_not_read_is_an_error_naming_it_not_a_panic() {
    let work = tempfile::tempdir().unwrap();
    let json = serde_json::to_string_pretty(&serde_json::json!({"batch_size": 8, "epochs": 1, "seed": 3})).unwrap();
    // Cut at evenly spaced bytes (every cut leaves the object open), and not UTF-8.
    let mut files: Vec<Vec<u8>> =
        (0..CONFIG_CASES).map(|k| json.as_bytes()[..k * json.len() / CONFIG_CASES].to_vec()).collect();
    files.push(b"{\"epochs\": \xff}".to_vec());
    let mut paths = vec![work.path().join("missing.json"), work.path().to_path_buf()];
    for (i, bytes) in files.iter().enumerate() {
        let path = work.path().join(format!("config-{i}.json"));
        std::fs::write(&path, bytes).unwrap();
        paths.push(path);
    }
    let out = work.path().join("run");
    for path in paths {
        let output =
            hsic_infogan(&["train", "--config", path.to_str().unwrap(), "--out", out.to_str().unwrap(), "--quiet"]);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(1), "{}: {stderr}", path.display());
        assert!(stderr.contains(&path.display().to_string()), "does not name the file: {stderr}");
    }
}
