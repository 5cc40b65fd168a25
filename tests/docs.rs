//! The documentation's links lead somewhere, and the README keeps CI's test command.
//!
//! README.md, CHANGELOG.md, docs/*.md and crates/*/README.md link to each other, to figures and to
//! source files by relative paths, which break silently when a file moves or a heading is reworded.
//! `.ci/run` runs the README's test command, so the README must keep that line as it is, and the
//! README stays short by design (everything else lives in docs/).
//!
//! Plain std, no markdown parser: these files use only inline links, `[text](target)` and
//! `![alt](target)`, and ATX headings (`## Title`), which is all that is read here.

use std::collections::HashMap;
use std::fs;
use std::path::{Component, Path, PathBuf};

/// The README's test command; `.ci/run` runs the same line.
const TEST_COMMAND: &str = "cargo test --release --workspace --features ndarray,wgpu";

/// The README shows what the project is, how to run, test and install it, and links to docs/.
const README_MAX_LINES: usize = 220;

fn repository() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The markdown files whose links are checked, as paths relative to the repository root.
fn documents() -> Vec<PathBuf> {
    let root = repository();
    let mut documents = vec![PathBuf::from("README.md"), PathBuf::from("CHANGELOG.md")];
    let mut pages: Vec<PathBuf> = fs::read_dir(root.join("docs"))
        .expect("docs/ exists")
        .map(|entry| entry.expect("docs/ is readable").path())
        .filter(|path| path.extension().is_some_and(|extension| extension == "md"))
        .map(|path| path.strip_prefix(&root).unwrap().to_path_buf())
        .collect();
    let mut crate_readmes: Vec<PathBuf> = fs::read_dir(root.join("crates"))
        .expect("crates/ exists")
        .map(|entry| entry.expect("crates/ is readable").path().join("README.md"))
        .filter(|path| path.is_file())
        .map(|path| path.strip_prefix(&root).unwrap().to_path_buf())
        .collect();
    pages.sort();
    crate_readmes.sort();
    documents.extend(pages);
    documents.extend(crate_readmes);
    documents
}

fn read(path: &Path) -> String {
    fs::read_to_string(repository().join(path)).unwrap_or_else(|error| panic!("{}: {error}", path.display()))
}

/// A link's target as written, and the line (from 1) it is on.
#[derive(Debug, PartialEq)]
struct Link {
    line: usize,
    target: String,
}

/// Whether a line opens or closes a fenced code block (``` or ~~~, indented or not).
fn is_fence(line: &str) -> bool {
    let line = line.trim_start();
    line.starts_with("```") || line.starts_with("~~~")
}

/// The text outside code: fenced blocks and inline code spans become spaces, newlines stay, so
/// that positions still give line numbers. A code span may continue on the next line of its
/// paragraph, as markdown allows.
fn prose(text: &str) -> String {
    let mut without_fences = String::with_capacity(text.len());
    let mut in_fence = false;
    for line in text.split_inclusive('\n') {
        if is_fence(line) {
            in_fence = !in_fence;
        }
        if in_fence || is_fence(line) {
            without_fences.extend(line.chars().map(|c| if c == '\n' { '\n' } else { ' ' }));
        } else {
            without_fences.push_str(line);
        }
    }

    let chars: Vec<char> = without_fences.chars().collect();
    let mut out = chars.clone();
    let mut i = 0;
    while i < chars.len() {
        if chars[i] != '`' {
            i += 1;
            continue;
        }
        let run = chars[i..].iter().take_while(|&&c| c == '`').count();
        match closing_backticks(&chars, i + run, run) {
            Some(end) => {
                for c in &mut out[i..end + run] {
                    if *c != '\n' {
                        *c = ' ';
                    }
                }
                i = end + run;
            }
            None => i += run,
        }
    }
    out.into_iter().collect()
}

/// Where a run of exactly `run` backticks starts at or after `from`, before the paragraph ends.
fn closing_backticks(chars: &[char], from: usize, run: usize) -> Option<usize> {
    let mut i = from;
    while i < chars.len() {
        if chars[i] == '\n' && chars[i + 1..].iter().take_while(|c| **c != '\n').all(|c| c.is_whitespace()) {
            return None; // a blank line ends the paragraph
        }
        if chars[i] == '`' {
            let length = chars[i..].iter().take_while(|&&c| c == '`').count();
            if length == run {
                return Some(i);
            }
            i += length;
        } else {
            i += 1;
        }
    }
    None
}

/// Every `[text](target)` and `![alt](target)` outside code: what follows `](` up to its closing
/// parenthesis on the same line, without a title (`"..."` after a space) or angle brackets.
fn links(text: &str) -> Vec<Link> {
    let mut links = Vec::new();
    for (index, line) in prose(text).lines().enumerate() {
        let mut rest = line;
        while let Some(start) = rest.find("](") {
            let after = &rest[start + 2..];
            let mut depth = 1;
            let end = after.char_indices().find_map(|(at, c)| {
                match c {
                    '(' => depth += 1,
                    ')' => depth -= 1,
                    _ => {}
                }
                (depth == 0).then_some(at)
            });
            let Some(end) = end else { break };
            let inside = after[..end].trim();
            let target = inside.split_whitespace().next().unwrap_or("");
            let target = target.trim_start_matches('<').trim_end_matches('>');
            links.push(Link { line: index + 1, target: target.to_string() });
            rest = &after[end + 1..];
        }
    }
    links
}

/// GitHub's anchor for a heading: lower case, spaces to '-', other punctuation dropped (letters
/// and digits of any script stay, as do '-' and '_').
fn slug(heading: &str) -> String {
    heading
        .trim()
        .chars()
        .filter_map(|c| match c {
            ' ' => Some('-'),
            '-' | '_' => Some(c),
            c if c.is_alphanumeric() => Some(c),
            _ => None,
        })
        .flat_map(char::to_lowercase)
        .collect()
}

/// The anchors of a markdown file's headings (`#` to `######` outside code blocks), a repeated
/// one numbered `-1`, `-2`, ... as GitHub does.
fn anchors(text: &str) -> Vec<String> {
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut anchors = Vec::new();
    let mut in_fence = false;
    for line in text.lines() {
        if is_fence(line) {
            in_fence = !in_fence;
            continue;
        }
        let level = line.chars().take_while(|&c| c == '#').count();
        if in_fence || !(1..=6).contains(&level) || !line[level..].starts_with(' ') {
            continue;
        }
        let title = line[level..].trim().trim_end_matches('#');
        let base = slug(title);
        let count = seen.entry(base.clone()).or_insert(0);
        anchors.push(if *count == 0 { base.clone() } else { format!("{base}-{count}") });
        *count += 1;
    }
    anchors
}

/// `docs/../assets/f.png` as `assets/f.png`, for the messages (the file system is not asked).
fn lexically_normal(path: &Path) -> PathBuf {
    let mut normal = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir if matches!(normal.components().next_back(), Some(Component::Normal(_))) => {
                normal.pop();
            }
            other => normal.push(other),
        }
    }
    normal
}

/// What is wrong with one link of `document`, if anything.
fn broken(document: &Path, link: &Link) -> Option<String> {
    let target = link.target.as_str();
    if target.is_empty() {
        return Some("an empty target".to_string());
    }
    if target.starts_with("http://") || target.starts_with("https://") || target.starts_with("mailto:") {
        return None;
    }
    let (path, fragment) = match target.split_once('#') {
        Some((path, fragment)) => (path, Some(fragment)),
        None => (target, None),
    };
    let file = if path.is_empty() {
        document.to_path_buf()
    } else if let Some(from_root) = path.strip_prefix('/') {
        PathBuf::from(from_root)
    } else {
        lexically_normal(&document.parent().unwrap_or(Path::new("")).join(path))
    };
    let on_disk = repository().join(&file);
    if !on_disk.exists() {
        return Some(format!("{} does not exist", file.display()));
    }
    let fragment = fragment?;
    if on_disk.extension().is_none_or(|extension| extension != "md") {
        return None; // fragments into source files (#L10) are not headings
    }
    let headings = anchors(&read(&file));
    if headings.iter().any(|anchor| anchor == fragment) {
        None
    } else {
        Some(format!("{} has no heading with the anchor #{fragment}", file.display()))
    }
}

#[test]
fn relative_links_lead_to_files_and_headings() {
    let mut problems = Vec::new();
    let mut checked = 0;
    for document in documents() {
        for link in links(&read(&document)) {
            checked += 1;
            if let Some(problem) = broken(&document, &link) {
                problems.push(format!("{}:{}: ({}): {problem}", document.display(), link.line, link.target));
            }
        }
    }
    assert!(checked > 20, "only {checked} links found: is the link reader broken?");
    assert!(problems.is_empty(), "broken links in the documentation:\n{}", problems.join("\n"));
}

#[test]
fn readme_is_short_and_keeps_the_test_command() {
    let readme = read(Path::new("README.md"));
    let lines = readme.lines().count();
    assert!(
        lines <= README_MAX_LINES,
        "README.md has {lines} lines, more than {README_MAX_LINES}: move the detail into docs/"
    );
    assert!(
        readme.lines().any(|line| line == TEST_COMMAND),
        "README.md:1: no line is exactly `{TEST_COMMAND}`, the test command .ci/run runs"
    );
}

#[test]
fn links_and_anchors_are_read_as_github_does() {
    assert_eq!(slug("The paper's form at 3 epochs"), "the-papers-form-at-3-epochs");
    assert_eq!(slug("`tune`: the paper's strategy as a command"), "tune-the-papers-strategy-as-a-command");
    assert_eq!(slug("Tuning: the sigma x lambda sweep (Fig. 2)"), "tuning-the-sigma-x-lambda-sweep-fig-2");
    assert_eq!(anchors("# A\n```sh\n# not a heading\n```\n## A\n#no\n"), ["a", "a-1"]);

    let text = "See [the `x` docs](docs/x.md#part) and ![a figure](../assets/f.png \"title\").\n\
                `[not](a-link)` and\n```rust\nlet v = [1](2);\n```\n[last](y.md)";
    let found = links(text);
    let found: Vec<(usize, &str)> = found.iter().map(|link| (link.line, link.target.as_str())).collect();
    assert_eq!(found, [(1, "docs/x.md#part"), (1, "../assets/f.png"), (6, "y.md")]);
}
