//! The book (`book/src`) checked against the code it shows, without running
//! mdbook: pure file reading, so it is fast and runs with every `cargo test`.
//!
//! mdbook itself is lenient. It includes nothing, silently, for an
//! `{{#include file:anchor}}` whose anchor is gone, and it happily renders a
//! link to a page, or an image, that does not exist. Here each of those fails:
//!
//! - every `{{#include}}` names a file that exists, and its anchor or its
//!   first line is in that file;
//! - every included transcript snapshot starts with insta's fixed three-line
//!   header, so that `:4:` includes exactly the transcript;
//! - every relative link between the book's pages points at a page listed in
//!   `SUMMARY.md`, and a `#fragment` at a heading of that page;
//! - every page in `book/src` is listed in `SUMMARY.md`;
//! - every image a page shows (`![alt](path)`) has alt text and is a file
//!   under `book/src`;
//! - every PNG in `book/src/screenshots` is shown on some page, so that a
//!   screenshot no page uses cannot go stale unnoticed;
//! - every chapter page has the seven sections, in order.

use std::{
    collections::BTreeSet,
    fs,
    path::{Component, Path, PathBuf},
};

/// The second-level headings of every chapter page, in this order.
const CHAPTER_SECTIONS: [&str; 7] = [
    "The idea",
    "The exchange, drawn",
    "The code",
    "Try it",
    "The exchange, as curl sees it",
    "What the Django original did",
    "Exercises",
];

const CHAPTERS: u8 = 7;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn book_src() -> PathBuf {
    root().join("book").join("src")
}

/// A page of the book: its path and its text.
struct Page {
    path: PathBuf,
    text: String,
}

impl Page {
    /// The path as a reader of the test output wants it: from the repository root.
    fn name(&self) -> String {
        from_root(&self.path)
    }
}

/// A path as a reader of the test output wants it: from the repository root.
fn from_root(path: &Path) -> String {
    path.strip_prefix(root())
        .unwrap_or(path)
        .display()
        .to_string()
}

/// Every `.md` file under `book/src`, sorted.
fn pages() -> Vec<Page> {
    fn walk(dir: &Path, found: &mut Vec<PathBuf>) {
        let entries = fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
        for entry in entries {
            let path = entry.expect("a readable directory entry").path();
            if path.is_dir() {
                walk(&path, found);
            } else if path.extension().is_some_and(|ext| ext == "md") {
                found.push(path);
            }
        }
    }
    let mut paths = Vec::new();
    walk(&book_src(), &mut paths);
    paths.sort();
    paths
        .into_iter()
        .map(|path| {
            let text =
                fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            Page { path, text }
        })
        .collect()
}

/// The lines of a page that are prose, not code: `(line number, line)`, with
/// fenced code blocks left out.
fn prose_lines(text: &str) -> Vec<(usize, &str)> {
    let mut fence: Option<String> = None;
    let mut lines = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let trimmed = line.trim_start();
        let marker: String = trimmed
            .chars()
            .take_while(|&c| c == '`' || c == '~')
            .collect();
        match &fence {
            Some(open) if trimmed.starts_with(open.as_str()) && trimmed.trim() == marker => {
                fence = None;
            }
            Some(_) => {}
            None if marker.len() >= 3 => fence = Some(marker),
            None => lines.push((index + 1, line)),
        }
    }
    lines
}

/// A line with its `inline code` spans removed.
fn without_inline_code(line: &str) -> String {
    let mut out = String::new();
    let mut rest = line;
    while let Some(start) = rest.find('`') {
        out.push_str(&rest[..start]);
        let ticks = rest[start..].chars().take_while(|&c| c == '`').count();
        let after = &rest[start + ticks..];
        match after.find(&"`".repeat(ticks)) {
            Some(end) => rest = &after[end + ticks..],
            None => {
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// One `{{#include path:spec}}` found on a page.
struct Include {
    line: usize,
    path: String,
    spec: Option<String>,
}

/// Every include directive on a page (in code blocks too: that is where they
/// usually are). An escaped `\{{#include …}}` is text, not a directive.
fn includes(text: &str) -> Vec<Include> {
    let mut found = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let mut rest = line;
        while let Some(start) = rest.find("{{#") {
            let escaped = rest[..start].ends_with('\\');
            let after = &rest[start + 3..];
            let Some(end) = after.find("}}") else { break };
            let directive = after[..end].trim();
            rest = &after[end + 2..];
            if escaped {
                continue;
            }
            let Some((kind, argument)) = directive.split_once(char::is_whitespace) else {
                continue;
            };
            if !matches!(kind, "include" | "rustdoc_include") {
                continue;
            }
            let argument = argument.trim();
            let (path, spec) = match argument.split_once(':') {
                Some((path, spec)) => (path, Some(spec.to_string())),
                None => (argument, None),
            };
            found.push(Include {
                line: index + 1,
                path: path.to_string(),
                spec,
            });
        }
    }
    found
}

/// The name of the anchor a line opens (`ANCHOR: name`) or closes
/// (`ANCHOR_END: name`), read as mdbook reads it.
fn anchor_on(line: &str, marker: &str) -> Option<String> {
    let start = line.find(marker)? + marker.len();
    let name: String = line[start..]
        .trim_start()
        .chars()
        .take_while(|&c| c.is_alphanumeric() || c == '_' || c == '-')
        .collect();
    (!name.is_empty()).then_some(name)
}

/// What is wrong with an anchor in a file's text, if anything.
fn anchor_problem(text: &str, anchor: &str) -> Option<String> {
    let lines: Vec<&str> = text.lines().collect();
    let is_start = |line: &&str| anchor_on(line, "ANCHOR:").as_deref() == Some(anchor);
    let is_end = |line: &&str| anchor_on(line, "ANCHOR_END:").as_deref() == Some(anchor);
    let Some(start) = lines.iter().position(is_start) else {
        return Some(format!("has no `ANCHOR: {anchor}`"));
    };
    let Some(end) = lines[start..].iter().position(is_end) else {
        return Some(format!("has no `ANCHOR_END: {anchor}` after its ANCHOR"));
    };
    let has_code = lines[start + 1..start + end]
        .iter()
        .any(|line| !line.trim().is_empty() && !line.contains("ANCHOR"));
    (!has_code).then(|| format!("has nothing between `ANCHOR: {anchor}` and its end"))
}

/// `path` with `.` and `..` resolved, without touching the file system.
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

#[test]
fn every_include_finds_its_file_and_anchor() {
    let mut problems = Vec::new();
    let mut count = 0;
    for page in pages() {
        let dir = page.path.parent().expect("a page is in a directory");
        for include in includes(&page.text) {
            count += 1;
            let directive = match &include.spec {
                Some(spec) => format!("{}:{spec}", include.path),
                None => include.path.clone(),
            };
            let at = format!(
                "{}:{}: {{{{#include {directive}}}}}",
                page.name(),
                include.line
            );
            let target = normalize(&dir.join(&include.path));
            let Ok(text) = fs::read_to_string(&target) else {
                problems.push(format!("{at}: no such file"));
                continue;
            };
            let Some(spec) = include.spec else { continue };
            let first = spec.split(':').next().unwrap_or("");
            let is_range = spec.chars().all(|c| c.is_ascii_digit() || c == ':');
            if !is_range {
                if let Some(problem) = anchor_problem(&text, &spec) {
                    problems.push(format!("{at}: {} {problem}", include.path));
                }
            } else if let Ok(line) = first.parse::<usize>() {
                let lines = text.lines().count();
                if line == 0 || line > lines {
                    problems.push(format!("{at}: the file has only {lines} lines"));
                }
            }
            if include.path.ends_with(".snap") && spec != "4:" {
                problems.push(format!(
                    "{at}: include a snapshot from line 4 (`:4:`), after insta's header"
                ));
            }
        }
    }
    assert!(count > 0, "the book includes no code at all");
    assert!(
        problems.is_empty(),
        "{} broken include(s) in the book:\n{}",
        problems.len(),
        problems.join("\n")
    );
}

#[test]
fn transcripts_have_the_fixed_header() {
    // The pages include `tests/snapshots/chapter_N__transcript.snap:4:`: the
    // header must be exactly three lines for that to start at the transcript.
    let mut problems = Vec::new();
    for page in pages() {
        for include in includes(&page.text) {
            if !include.path.ends_with(".snap") {
                continue;
            }
            let dir = page.path.parent().expect("a page is in a directory");
            let Ok(text) = fs::read_to_string(normalize(&dir.join(&include.path))) else {
                continue; // reported by every_include_finds_its_file_and_anchor
            };
            let header: Vec<&str> = text.lines().take(4).collect();
            let fits = header.len() == 4
                && header[0] == "---"
                && header[1].starts_with("source: tests/")
                && header[2] == "---"
                && header[3] != "---";
            if !fits {
                problems.push(format!(
                    "{}:{}: {} does not start with `---`, `source: …`, `---` \
                     (remove any `assertion_line:` or `expression:` line; \
                     snapshot it with `omit_expression => true`)",
                    page.name(),
                    include.line,
                    include.path
                ));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// The id mdbook gives a heading: its text, lower-cased, spaces turned into
/// `-`, punctuation dropped; or the id written as `{#id}` after it.
fn heading_id(heading: &str) -> String {
    let heading = heading.trim();
    if let Some(open) = heading.rfind("{#")
        && heading.ends_with('}')
    {
        let inside = &heading[open + 2..heading.len() - 1];
        return inside.split_whitespace().next().unwrap_or("").to_string();
    }
    // Markup is not part of the text: drop `*`, `_`-emphasis markers are kept
    // as mdbook keeps `_`, and link targets are dropped with their brackets.
    let mut text = String::new();
    let mut rest = heading;
    while let Some(start) = rest.find("](") {
        text.push_str(&rest[..start]);
        rest = match rest[start..].find(')') {
            Some(end) => &rest[start + end + 1..],
            None => "",
        };
    }
    text.push_str(rest);
    text.chars()
        .filter_map(|c| {
            if c.is_alphanumeric() || c == '_' || c == '-' {
                Some(c.to_ascii_lowercase())
            } else if c.is_whitespace() {
                Some('-')
            } else {
                None
            }
        })
        .collect()
}

/// The ids of a page's headings, with mdbook's `-1`, `-2` for repeats.
fn heading_ids(text: &str) -> BTreeSet<String> {
    let mut ids = BTreeSet::new();
    for (_, line) in prose_lines(text) {
        let hashes = line.chars().take_while(|&c| c == '#').count();
        if !(1..=6).contains(&hashes) || !line[hashes..].starts_with(' ') {
            continue;
        }
        let base = heading_id(&line[hashes..]);
        let mut id = base.clone();
        let mut n = 1;
        while ids.contains(&id) {
            id = format!("{base}-{n}");
            n += 1;
        }
        ids.insert(id);
    }
    ids
}

/// A line's images, `![alt](target)`, as `(alt, target)`, and the line
/// without them. What is left may still hold a link: a linked image
/// `[![alt](image)](page)` leaves `[](page)`.
fn take_images(line: &str) -> (String, Vec<(String, String)>) {
    let mut left = String::new();
    let mut found = Vec::new();
    let mut rest = line;
    while let Some(start) = rest.find("![") {
        let after = &rest[start + 2..];
        let Some(close) = after.find("](") else { break };
        let inside = &after[close + 2..];
        let Some(end) = inside.find(')') else { break };
        left.push_str(&rest[..start]);
        let target = inside[..end].split_whitespace().next().unwrap_or("");
        found.push((
            after[..close].to_string(),
            target.trim_matches(['<', '>']).to_string(),
        ));
        rest = &inside[end + 1..];
    }
    left.push_str(rest);
    (left, found)
}

/// One image shown on a page: `![alt](target)`, outside code.
struct Image {
    line: usize,
    alt: String,
    target: String,
}

/// Every image a page shows. Images in code, fenced or inline, are text.
fn images(text: &str) -> Vec<Image> {
    let mut found = Vec::new();
    for (number, line) in prose_lines(text) {
        let (_, on_line) = take_images(&without_inline_code(line));
        for (alt, target) in on_line {
            found.push(Image {
                line: number,
                alt,
                target,
            });
        }
    }
    found
}

/// The targets of the page's links: `[text](target)`, `[name]: target` and
/// `href="target"`, outside code, and not images (see `images`).
/// `(line number, target)`.
fn links(text: &str) -> Vec<(usize, String)> {
    let mut found = Vec::new();
    for (number, line) in prose_lines(text) {
        let (line, _) = take_images(&without_inline_code(line));
        let mut rest = line.as_str();
        while let Some(start) = rest.find("](") {
            let after = &rest[start + 2..];
            let end = after.find(')').unwrap_or(after.len());
            let target = after[..end].split_whitespace().next().unwrap_or("");
            found.push((number, target.trim_matches(['<', '>']).to_string()));
            rest = &after[end..];
        }
        let trimmed = line.trim_start();
        if trimmed.starts_with('[')
            && let Some(close) = trimmed.find("]: ")
        {
            let target = trimmed[close + 3..].split_whitespace().next().unwrap_or("");
            found.push((number, target.to_string()));
        }
        let mut rest = line.as_str();
        while let Some(start) = rest.find("href=\"") {
            let after = &rest[start + 6..];
            let end = after.find('"').unwrap_or(after.len());
            found.push((number, after[..end].to_string()));
            rest = &after[end..];
        }
    }
    found
}

/// The pages `SUMMARY.md` lists, as paths under `book/src`.
fn summary_pages() -> BTreeSet<PathBuf> {
    let summary = fs::read_to_string(book_src().join("SUMMARY.md")).expect("book/src/SUMMARY.md");
    links(&summary)
        .into_iter()
        .filter(|(_, target)| !target.is_empty())
        .map(|(_, target)| normalize(&book_src().join(target)))
        .collect()
}

#[test]
fn every_link_between_pages_resolves() {
    let src = book_src();
    let listed = summary_pages();
    let all = pages();
    let mut problems = Vec::new();
    for page in &all {
        let dir = page.path.parent().expect("a page is in a directory");
        for (line, target) in links(&page.text) {
            let at = format!("{}:{line}: link to `{target}`", page.name());
            if target.is_empty() {
                problems.push(format!("{at}: empty link"));
                continue;
            }
            if target.contains("://") || target.starts_with("mailto:") {
                continue; // outside the book: not checked here
            }
            let (file, fragment) = match target.split_once('#') {
                Some((file, fragment)) => (file, Some(fragment)),
                None => (target.as_str(), None),
            };
            let linked = if file.is_empty() {
                page.path.clone()
            } else {
                normalize(&dir.join(file))
            };
            if !linked.starts_with(&src) {
                problems.push(format!(
                    "{at}: leaves book/src, so it is not in the built book \
                     (write the path as code instead)"
                ));
                continue;
            }
            if !linked.is_file() {
                problems.push(format!("{at}: no such page"));
                continue;
            }
            let is_page = linked.extension().is_some_and(|ext| ext == "md");
            if is_page && !listed.contains(&linked) && !linked.ends_with("SUMMARY.md") {
                problems.push(format!("{at}: not listed in SUMMARY.md, so never built"));
            }
            if let Some(fragment) = fragment.filter(|_| is_page) {
                let text = fs::read_to_string(&linked).unwrap_or_default();
                if !heading_ids(&text).contains(fragment) {
                    problems.push(format!("{at}: no heading with the id `{fragment}` there"));
                }
            }
        }
    }
    for page in &all {
        if !page.path.ends_with("SUMMARY.md") && !listed.contains(&page.path) {
            problems.push(format!(
                "{}: not listed in SUMMARY.md, so never built",
                page.name()
            ));
        }
    }
    assert!(
        problems.is_empty(),
        "{} broken link(s) in the book:\n{}",
        problems.len(),
        problems.join("\n")
    );
}

/// Every PNG in `book/src/screenshots`, sorted; none if there is no such
/// directory.
fn screenshots() -> Vec<PathBuf> {
    let Ok(entries) = fs::read_dir(book_src().join("screenshots")) else {
        return Vec::new();
    };
    let mut found: Vec<PathBuf> = entries
        .map(|entry| entry.expect("a readable directory entry").path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "png"))
        .collect();
    found.sort();
    found
}

#[test]
fn every_image_exists_and_every_screenshot_is_shown() {
    let src = book_src();
    let mut shown = BTreeSet::new();
    let mut problems = Vec::new();
    for page in pages() {
        let dir = page.path.parent().expect("a page is in a directory");
        for image in images(&page.text) {
            let at = format!("{}:{}: image `{}`", page.name(), image.line, image.target);
            if image.alt.trim().is_empty() {
                problems.push(format!(
                    "{at}: no alt text (say what the picture shows: screen readers \
                     read it, and it stands in for an image that fails to load)"
                ));
            }
            if image.target.is_empty() {
                problems.push(format!("{at}: no path"));
                continue;
            }
            if image.target.contains("://") || image.target.starts_with("data:") {
                continue; // outside the book: not checked here
            }
            let file = normalize(&dir.join(&image.target));
            if !file.starts_with(&src) {
                problems.push(format!(
                    "{at}: leaves book/src, so it is not in the built book"
                ));
                continue;
            }
            if !file.is_file() {
                problems.push(format!("{at}: no such file"));
                continue;
            }
            shown.insert(file);
        }
    }
    for screenshot in screenshots() {
        if !shown.contains(&screenshot) {
            problems.push(format!(
                "{}: shown on no page (show it where a learner needs it, \
                 usually in its chapter's `## Try it`, or delete it)",
                from_root(&screenshot)
            ));
        }
    }
    assert!(
        problems.is_empty(),
        "{} problem(s) with the book's images:\n{}",
        problems.len(),
        problems.join("\n")
    );
}

#[test]
fn every_chapter_page_has_the_seven_sections_in_order() {
    let mut problems = Vec::new();
    for number in 1..=CHAPTERS {
        let path = book_src().join(format!("chapter-{number}.md"));
        let Ok(text) = fs::read_to_string(&path) else {
            problems.push(format!("book/src/chapter-{number}.md: missing"));
            continue;
        };
        let sections: Vec<&str> = prose_lines(&text)
            .into_iter()
            .filter_map(|(_, line)| line.strip_prefix("## "))
            .map(str::trim)
            .collect();
        if sections != CHAPTER_SECTIONS {
            problems.push(format!(
                "book/src/chapter-{number}.md: its `## ` sections are\n    {sections:?}\n  \
                 but every chapter page has exactly these, in order:\n    {CHAPTER_SECTIONS:?}"
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// The checker itself, on small made-up pages: a checker that accepts
/// everything would pass every test above.
#[test]
fn the_checks_catch_what_they_should() {
    let text = "```rust\n{{#include ../../a.rs:view}}\n```\n\\{{#include not/this.rs}}\n\
                See [one](chapter-1.md#the-idea) and `[not](code.md)`.\n\
                ```text\n[also not](inside.md)\n```\n## The code: `count_view` & more\n";
    let found = includes(text);
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].path, "../../a.rs");
    assert_eq!(found[0].spec.as_deref(), Some("view"));
    assert_eq!(links(text), vec![(5, "chapter-1.md#the-idea".to_string())]);
    assert!(heading_ids(text).contains("the-code-count_view--more"));
    assert_eq!(
        heading_id("The exchange, as curl sees it"),
        "the-exchange-as-curl-sees-it"
    );

    let text = "![The shop page](screenshots/shop.png \"Shop\") and `![code](c.png)`\n\
                [![linked](screenshots/b.png)](chapter-2.md)\n\
                ```md\n![fenced](f.png)\n```\n![](no-alt.png)\n";
    let found = images(text);
    let found: Vec<(usize, &str, &str)> = found
        .iter()
        .map(|image| (image.line, image.alt.as_str(), image.target.as_str()))
        .collect();
    assert_eq!(
        found,
        vec![
            (1, "The shop page", "screenshots/shop.png"),
            (2, "linked", "screenshots/b.png"),
            (6, "", "no-alt.png"),
        ]
    );
    assert_eq!(links(text), vec![(2, "chapter-2.md".to_string())]);

    let source = "// ANCHOR: view\nfn view() {}\n// ANCHOR_END: view\n// ANCHOR: empty\n// ANCHOR_END: empty\n";
    assert_eq!(anchor_problem(source, "view"), None);
    assert!(anchor_problem(source, "viewer").is_some());
    assert!(anchor_problem(source, "empty").is_some());
    assert!(anchor_problem("// ANCHOR: open\nx\n", "open").is_some());
}
