//! The book (`book/src`) checked against the code it shows, without running
//! mdbook: pure file reading, so it is fast and runs with every `cargo test`.
//!
//! mdbook itself is lenient. It includes nothing, silently, for an
//! `{{#include file:anchor}}` whose anchor is gone, and it happily renders a
//! link to a page, or an image, that does not exist. Here each of those fails:
//!
//! - every `{{#include}}` names a file that exists, and its anchor or its
//!   first line is in that file;
//! - every `ANCHOR: name` in the chapters' sources and in `tests/` is
//!   included by some page, so that code marked for the book cannot drop out
//!   of it unnoticed;
//! - every included transcript snapshot starts with insta's fixed three-line
//!   header, so that `:4:` includes exactly the transcript;
//! - every relative link between the book's pages points at a page listed in
//!   `SUMMARY.md`, and a `#fragment` at a heading of that page;
//! - every page in `book/src` is listed in `SUMMARY.md`;
//! - every image a page shows (`![alt](path)`) has alt text and is a file
//!   under `book/src`;
//! - every PNG in `book/src/screenshots` is shown on some page, so that a
//!   screenshot no page uses cannot go stale unnoticed;
//! - every chapter page has the seven sections, in order. The chapters are
//!   found, not counted: one per crate `chapters/NN-name` and one per
//!   `chapter-N.md` that `SUMMARY.md` lists.
//!
//! The pages are read with pulldown-cmark, the Markdown parser mdbook uses,
//! with the options mdbook 0.5 turns on, so that a heading, a link or an
//! image is what it is in the built book, and text in code is left alone.
//! Includes are the exception: mdbook expands them in the raw text, before
//! any Markdown is read, so they are found in the raw text too.

use std::{
    collections::{BTreeSet, HashSet},
    fs,
    path::{Component, Path, PathBuf},
};

use pulldown_cmark::{Event, HeadingLevel, LinkType, Options, Parser, Tag, TagEnd};

/// The second-level headings of every chapter page, in this order.
const CHAPTER_SECTIONS: [&str; 9] = [
    "The idea",
    "The exchange, drawn",
    "The code",
    "Try it",
    "The exchange, as curl sees it",
    "What the Django original did",
    "Exercises",
    "Summary",
    "Check yourself",
];

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

/// Every file under `dir` whose name ends in `.{extension}`, sorted; none if
/// there is no such directory.
fn files_under(dir: &Path, extension: &str) -> Vec<PathBuf> {
    fn walk(dir: &Path, extension: &str, found: &mut Vec<PathBuf>) {
        let Ok(entries) = fs::read_dir(dir) else {
            return;
        };
        for entry in entries {
            let path = entry.expect("a readable directory entry").path();
            if path.is_dir() {
                walk(&path, extension, found);
            } else if path.extension().is_some_and(|ext| ext == extension) {
                found.push(path);
            }
        }
    }
    let mut found = Vec::new();
    walk(dir, extension, &mut found);
    found.sort();
    found
}

fn read(path: &Path) -> String {
    fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Every `.md` file under `book/src`, sorted.
fn pages() -> Vec<Page> {
    files_under(&book_src(), "md")
        .into_iter()
        .map(|path| Page {
            text: read(&path),
            path,
        })
        .collect()
}

/// Turns byte offsets in a text into line numbers, counted from 1.
struct LineNumbers(Vec<usize>);

impl LineNumbers {
    fn new(text: &str) -> Self {
        let starts = text.match_indices('\n').map(|(at, _)| at + 1);
        LineNumbers(std::iter::once(0).chain(starts).collect())
    }

    fn of(&self, offset: usize) -> usize {
        self.0.partition_point(|&start| start <= offset)
    }
}

/// One `{{#include path:spec}}` found on a page.
struct Include {
    line: usize,
    path: String,
    spec: Option<String>,
}

impl Include {
    /// The anchor the include names, read as mdbook reads it: the spec up to
    /// its first `:`, unless that is a line number or empty (a line range).
    fn anchor(&self) -> Option<&str> {
        let first = self.spec.as_deref()?.split(':').next()?;
        (!first.is_empty() && first.parse::<usize>().is_err()).then_some(first)
    }
}

/// Every include directive on a page, found as mdbook's `links` preprocessor
/// finds them: in the raw text, before the Markdown is read. So one in a
/// fenced code block is an include (that is where they usually are), and so
/// is one in `inline code`: mdbook expands it there too. Only an escaped
/// `\{{#include …}}` is text, and mdbook prints it without the backslash.
fn includes(text: &str) -> Vec<Include> {
    let lines = LineNumbers::new(text);
    let mut found = Vec::new();
    let mut from = 0;
    while let Some(at) = text[from..].find("{{") {
        let start = from + at;
        let line_end = text[start..].find('\n').map_or(text.len(), |n| start + n);
        // mdbook's escape is `\{{#`, then anything up to the last `}}` of
        // the line, all of it text.
        if text[..start].ends_with('\\')
            && text[start + 2..].starts_with('#')
            && let Some(close) = text[start..line_end].rfind("}}")
        {
            from = start + close + 2;
            continue;
        }
        from = start + 2;
        // The directive: `{{`, optional white space, `#`, a kind, white
        // space, then everything up to the first `}`, which must open `}}`.
        let Some(directive) = text[start + 2..].trim_start().strip_prefix('#') else {
            continue;
        };
        let kind_length = directive
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(directive.len());
        let (kind, rest) = directive.split_at(kind_length);
        let Some(close) = rest.find('}') else {
            continue;
        };
        let argument = &rest[..close];
        if !rest[close..].starts_with("}}")
            || !argument.starts_with(char::is_whitespace)
            || !matches!(kind, "include" | "rustdoc_include")
        {
            continue;
        }
        // The file is the first word; mdbook ignores what follows it.
        let Some(file) = argument.split_whitespace().next() else {
            continue;
        };
        let (path, spec) = match file.split_once(':') {
            Some((path, spec)) => (path, Some(spec.to_string())),
            None => (file, None),
        };
        found.push(Include {
            line: lines.of(start),
            path: path.to_string(),
            spec,
        });
    }
    found
}

/// The name of the anchor a line opens (`ANCHOR: name`) or closes
/// (`ANCHOR_END: name`), read as mdbook reads it: the first marker on the
/// line that is followed by a name.
fn anchor_on(line: &str, marker: &str) -> Option<String> {
    line.match_indices(marker).find_map(|(at, _)| {
        let name: String = line[at + marker.len()..]
            .trim_start()
            .chars()
            .take_while(|&c| c.is_alphanumeric() || c == '_' || c == '-')
            .collect();
        (!name.is_empty()).then_some(name)
    })
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
            let Some(spec) = &include.spec else { continue };
            if let Some(anchor) = include.anchor() {
                if let Some(problem) = anchor_problem(&text, anchor) {
                    problems.push(format!("{at}: {} {problem}", include.path));
                }
            } else if let Ok(line) = spec.split(':').next().unwrap_or("").parse::<usize>() {
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

/// The anchors a source file opens, as `(line number, name)`.
fn anchors_opened(text: &str) -> Vec<(usize, String)> {
    text.lines()
        .enumerate()
        .filter_map(|(index, line)| Some((index + 1, anchor_on(line, "ANCHOR:")?)))
        .collect()
}

/// A problem for every anchor of `sources` (`(path, text)`) that no include
/// in `included` (`(path, anchor)`) names.
fn dead_anchors(
    sources: &[(PathBuf, String)],
    included: &BTreeSet<(PathBuf, String)>,
) -> Vec<String> {
    let mut problems = Vec::new();
    for (path, text) in sources {
        for (line, anchor) in anchors_opened(text) {
            if !included.contains(&(path.clone(), anchor.clone())) {
                problems.push(format!(
                    "{}:{line}: `ANCHOR: {anchor}` is included by no page \
                     (show it with `{{{{#include …:{anchor}}}}}`, or remove the marker)",
                    from_root(path)
                ));
            }
        }
    }
    problems
}

#[test]
fn every_anchor_is_included_somewhere() {
    // The trees the book includes code from: each chapter's `src/` and
    // `tests/`. This file is left out: its self-test writes made-up anchors,
    // and the book never shows it.
    let this_file = root().join("tests").join("book.rs");
    let mut sources = Vec::new();
    let chapters = fs::read_dir(root().join("chapters")).expect("the chapters/ folder");
    for chapter in chapters {
        let src = chapter
            .expect("a readable directory entry")
            .path()
            .join("src");
        sources.extend(files_under(&src, "rs"));
    }
    sources.extend(files_under(&root().join("tests"), "rs"));
    sources.retain(|path| *path != this_file);
    sources.sort();
    let sources: Vec<(PathBuf, String)> = sources
        .into_iter()
        .map(|path| {
            let text = read(&path);
            (path, text)
        })
        .collect();

    let mut included = BTreeSet::new();
    for page in pages() {
        let dir = page.path.parent().expect("a page is in a directory");
        for include in includes(&page.text) {
            if let Some(anchor) = include.anchor() {
                included.insert((normalize(&dir.join(&include.path)), anchor.to_string()));
            }
        }
    }
    assert!(!included.is_empty(), "the book includes no anchor at all");
    let problems = dead_anchors(&sources, &included);
    assert!(
        problems.is_empty(),
        "{} anchor(s) that no page of the book includes:\n{}",
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

/// The Markdown extensions mdbook 0.5 turns on by default (its
/// `new_cmark_parser`). Smart punctuation matters here: it turns `--` into
/// `–` and quotes into curly ones, which a heading's id then leaves out.
fn mdbook_options() -> Options {
    Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_HEADING_ATTRIBUTES
        | Options::ENABLE_SMART_PUNCTUATION
        | Options::ENABLE_DEFINITION_LIST
        | Options::ENABLE_GFM
}

/// A heading of a page, or a term of a definition list: mdbook gives both
/// an id that a `#fragment` can point at.
struct Heading {
    /// `None` for a definition list's term.
    level: Option<HeadingLevel>,
    /// The text as the reader sees it, markup left out.
    text: String,
    id: String,
}

/// One link on a page: where it is and where it points.
struct Link {
    line: usize,
    target: String,
}

/// One image shown on a page: `![alt](target)`.
struct Image {
    line: usize,
    alt: String,
    target: String,
}

/// What the checks need from a page's Markdown, outside code.
struct Markdown {
    headings: Vec<Heading>,
    links: Vec<Link>,
    images: Vec<Image>,
}

/// The id mdbook 0.5 gives a heading from its text (`id_from_content` in
/// mdbook-html): lower-cased, white space turned into `-`, everything but
/// letters, digits, `_` and `-` dropped.
fn heading_id(text: &str) -> String {
    text.trim()
        .to_lowercase()
        .chars()
        .filter_map(|c| {
            if c.is_alphanumeric() || c == '_' || c == '-' {
                Some(c)
            } else if c.is_whitespace() {
                Some('-')
            } else {
                None
            }
        })
        .collect()
}

/// The values of the `href="…"` attributes in a piece of raw HTML, with
/// their byte offsets in it.
fn hrefs(html: &str) -> Vec<(usize, &str)> {
    html.match_indices("href=\"")
        .map(|(at, marker)| {
            let value = &html[at + marker.len()..];
            (at, &value[..value.find('"').unwrap_or(value.len())])
        })
        .collect()
}

/// A page's headings, links and images, read as mdbook reads them. Whatever
/// is in code, fenced or inline, is text: a link or a `#` line there is not
/// one.
fn parse(text: &str) -> Markdown {
    let lines = LineNumbers::new(text);
    let parser = Parser::new_ext(text, mdbook_options());
    let mut links = Vec::new();
    // A reference link `[text][name]` is checked where its target is
    // written, `[name]: target`, once, whether or not a link uses it.
    for (_, definition) in parser.reference_definitions().iter() {
        links.push(Link {
            line: lines.of(definition.span.start),
            target: definition.dest.to_string(),
        });
    }
    let mut headings = Vec::new();
    let mut images = Vec::new();
    // The heading being read, if any: its level and explicit `{#id}`, and
    // its text so far.
    let mut heading: Option<(Option<HeadingLevel>, Option<String>, String)> = None;
    let mut events = parser.into_offset_iter();
    while let Some((event, range)) = events.next() {
        match event {
            Event::Start(Tag::Heading { level, id, .. }) => {
                heading = Some((Some(level), id.map(|id| id.to_string()), String::new()));
            }
            Event::Start(Tag::DefinitionListTitle) => heading = Some((None, None, String::new())),
            Event::End(TagEnd::Heading(_) | TagEnd::DefinitionListTitle) => {
                if let Some((level, id, text)) = heading.take() {
                    headings.push((level, id, text));
                }
            }
            Event::Start(Tag::Image { dest_url, .. }) => {
                // Like mdbook, everything up to the image's end is its alt
                // text, markup left out: a link or image in there is text.
                let mut alt = String::new();
                let mut depth = 0;
                for (event, _) in events.by_ref() {
                    match event {
                        Event::Start(_) => depth += 1,
                        Event::End(_) if depth == 0 => break,
                        Event::End(_) => depth -= 1,
                        Event::Text(text) | Event::Code(text) | Event::InlineHtml(text) => {
                            alt.push_str(&text);
                        }
                        Event::SoftBreak | Event::HardBreak => alt.push(' '),
                        _ => {}
                    }
                }
                images.push(Image {
                    line: lines.of(range.start),
                    alt,
                    target: dest_url.to_string(),
                });
            }
            Event::Start(Tag::Link {
                link_type,
                dest_url,
                ..
            }) => {
                // Reference links were taken from their definitions above;
                // an e-mail autolink has no `mailto:` in its target.
                let by_reference = matches!(
                    link_type,
                    LinkType::Reference | LinkType::Collapsed | LinkType::Shortcut
                );
                if !by_reference && link_type != LinkType::Email {
                    links.push(Link {
                        line: lines.of(range.start),
                        target: dest_url.to_string(),
                    });
                }
            }
            // The heading's text is what mdbook's id is made of: plain text
            // and code, not the alt text of an image (taken above).
            Event::Text(part) | Event::Code(part) => {
                if let Some((_, _, text)) = &mut heading {
                    text.push_str(&part);
                }
            }
            Event::SoftBreak => {
                if let Some((_, _, text)) = &mut heading {
                    text.push('\n');
                }
            }
            Event::Html(html) | Event::InlineHtml(html) => {
                for (at, target) in hrefs(&html) {
                    links.push(Link {
                        line: lines.of(range.start) + html[..at].matches('\n').count(),
                        target: target.to_string(),
                    });
                }
            }
            _ => {}
        }
    }
    links.sort_by_key(|link| link.line);
    // mdbook numbers repeated ids `-1`, `-2`, …; an id written as `{#id}` is
    // used as it is, and not counted.
    let mut used = HashSet::new();
    let headings = headings
        .into_iter()
        .map(|(level, explicit, text)| {
            let id = explicit.unwrap_or_else(|| {
                let base = heading_id(&text);
                let mut id = base.clone();
                let mut n = 1;
                while !used.insert(id.clone()) {
                    id = format!("{base}-{n}");
                    n += 1;
                }
                id
            });
            Heading { level, text, id }
        })
        .collect();
    Markdown {
        headings,
        links,
        images,
    }
}

/// The ids of a page's headings: what a `#fragment` can point at.
fn heading_ids(text: &str) -> BTreeSet<String> {
    parse(text).headings.into_iter().map(|h| h.id).collect()
}

/// The pages `SUMMARY.md` lists, as paths under `book/src`.
fn summary_pages() -> BTreeSet<PathBuf> {
    let summary = read(&book_src().join("SUMMARY.md"));
    parse(&summary)
        .links
        .into_iter()
        .filter(|link| !link.target.is_empty())
        .map(|link| normalize(&book_src().join(link.target)))
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
        for Link { line, target } in parse(&page.text).links {
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

#[test]
fn every_image_exists_and_every_screenshot_is_shown() {
    let src = book_src();
    let mut shown = BTreeSet::new();
    let mut problems = Vec::new();
    for page in pages() {
        let dir = page.path.parent().expect("a page is in a directory");
        for image in parse(&page.text).images {
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
    for screenshot in files_under(&src.join("screenshots"), "png") {
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

/// A number written with digits only (no sign, no space), or `None`.
fn digits_only(text: &str) -> Option<u32> {
    let all_digits = !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit());
    all_digits.then(|| text.parse().ok()).flatten()
}

/// The chapter a crate's folder is for: 7 for `07-hidden-field`, `None` for
/// `course-kit`.
fn chapter_of_crate(folder: &str) -> Option<u32> {
    digits_only(folder.split_once('-')?.0)
}

/// The chapter a page is for: 7 for `chapter-7.md`, `None` for `glossary.md`.
fn chapter_of_page(file: &str) -> Option<u32> {
    digits_only(file.strip_prefix("chapter-")?.strip_suffix(".md")?)
}

/// The course's chapters: one per crate `chapters/NN-name`, and one per
/// `chapter-N.md` page that `SUMMARY.md` lists. A new chapter is checked as
/// soon as either exists, and a crate without its page is reported.
fn chapter_numbers() -> BTreeSet<u32> {
    let crates = fs::read_dir(root().join("chapters")).expect("the chapters/ folder");
    let from_crates = crates.filter_map(|entry| {
        let name = entry.expect("a readable directory entry").file_name();
        chapter_of_crate(name.to_str()?)
    });
    let from_summary = summary_pages()
        .into_iter()
        .filter_map(|page| chapter_of_page(page.file_name()?.to_str()?));
    from_crates.chain(from_summary).collect()
}

#[test]
fn every_chapter_page_has_the_seven_sections_in_order() {
    let chapters = chapter_numbers();
    assert!(
        !chapters.is_empty(),
        "no chapters found in chapters/ or SUMMARY.md"
    );
    let mut problems = Vec::new();
    for number in chapters {
        let path = book_src().join(format!("chapter-{number}.md"));
        let Ok(text) = fs::read_to_string(&path) else {
            problems.push(format!("book/src/chapter-{number}.md: missing"));
            continue;
        };
        let sections: Vec<String> = parse(&text)
            .headings
            .into_iter()
            .filter(|heading| heading.level == Some(HeadingLevel::H2))
            .map(|heading| heading.text.trim().to_string())
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
    // Includes: in a fenced block and in inline code they are real (mdbook
    // expands them there too); escaped, or not `#include`, they are not.
    let text = "```rust\n{{#include ../../a.rs:view}}\n```\n\\{{#include not/this.rs}}\n\
                `{{ #rustdoc_include b.rs:2:5 }}` {{#title Not an include}} {{#include}}\n";
    let found = includes(text);
    let found: Vec<(usize, &str, Option<&str>)> = found
        .iter()
        .map(|include| (include.line, include.path.as_str(), include.spec.as_deref()))
        .collect();
    assert_eq!(
        found,
        vec![(2, "../../a.rs", Some("view")), (5, "b.rs", Some("2:5"))]
    );
    let anchors: Vec<Option<String>> = includes(text)
        .iter()
        .map(|include| include.anchor().map(str::to_string))
        .collect();
    assert_eq!(anchors, vec![Some("view".to_string()), None]);

    // Links: not in code, fenced or inline; a reference link once, where its
    // target is written; raw HTML's `href` too.
    let text = "See [one](chapter-1.md#the-idea) and `[not](code.md)`, ``[nor](this.md)``.\n\
                ```text\n[also not](inside.md)\n```\n\
                A [reference][glossary] and <a href=\"appendix-django.md\">HTML</a>.\n\n\
                [glossary]: glossary.md#cookie\n";
    let links = parse(text).links;
    let found: Vec<(usize, &str)> = links
        .iter()
        .map(|link| (link.line, link.target.as_str()))
        .collect();
    assert_eq!(
        found,
        vec![
            (1, "chapter-1.md#the-idea"),
            (5, "appendix-django.md"),
            (7, "glossary.md#cookie"),
        ]
    );

    // Headings: ids as mdbook 0.5 makes them, with smart punctuation; a `#`
    // line in a code block is no heading.
    let text = "# Chapter 3: A counter\n## The code: `count_view` & more\n\
                ### 1. \"1 times\"\n### Don't -- stop\n## The idea\n## The idea\n\
                ## Custom {#my-id}\n```python\n# not a heading\n```\nÜber alles\n---\n\
                Term\n: its definition\n";
    let ids: Vec<String> = parse(text).headings.into_iter().map(|h| h.id).collect();
    assert_eq!(
        ids,
        [
            "chapter-3-a-counter",
            "the-code-count_view--more",
            "1-1-times",
            "dont--stop",
            "the-idea",
            "the-idea-1",
            "my-id",
            "über-alles",
            "term",
        ]
    );
    assert_eq!(
        heading_id("The exchange, as curl sees it"),
        "the-exchange-as-curl-sees-it"
    );
    let sections: Vec<String> = parse("## The `code`\n### Not a section\n")
        .headings
        .into_iter()
        .filter(|heading| heading.level == Some(HeadingLevel::H2))
        .map(|heading| heading.text)
        .collect();
    assert_eq!(sections, ["The code"]);

    // Images: alt text as mdbook reads it; none in code.
    let text = "![The shop page](screenshots/shop.png \"Shop\") and `![code](c.png)`\n\
                [![linked](screenshots/b.png)](chapter-2.md)\n\
                ```md\n![fenced](f.png)\n```\n![](no-alt.png) ![The `count` *cookie*](d.png)\n";
    let markdown = parse(text);
    let found: Vec<(usize, &str, &str)> = markdown
        .images
        .iter()
        .map(|image| (image.line, image.alt.as_str(), image.target.as_str()))
        .collect();
    assert_eq!(
        found,
        vec![
            (1, "The shop page", "screenshots/shop.png"),
            (2, "linked", "screenshots/b.png"),
            (6, "", "no-alt.png"),
            (6, "The count cookie", "d.png"),
        ]
    );
    let links: Vec<&str> = markdown.links.iter().map(|l| l.target.as_str()).collect();
    assert_eq!(links, ["chapter-2.md"]);

    // Anchors: each found, and one no include names is dead.
    let source = "// ANCHOR: view\nfn view() {}\n// ANCHOR_END: view\n// ANCHOR: empty\n// ANCHOR_END: empty\n";
    assert_eq!(anchor_problem(source, "view"), None);
    assert!(anchor_problem(source, "viewer").is_some());
    assert!(anchor_problem(source, "empty").is_some());
    assert!(anchor_problem("// ANCHOR: open\nx\n", "open").is_some());
    let path = root().join("chapters").join("lesson.rs");
    let included = BTreeSet::from([(path.clone(), "view".to_string())]);
    let problems = dead_anchors(&[(path, source.to_string())], &included);
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(
        problems[0].starts_with("chapters/lesson.rs:4: `ANCHOR: empty`"),
        "{problems:?}"
    );

    // Chapter numbers, from a crate's folder or a page's name.
    assert_eq!(chapter_of_crate("07-hidden-field"), Some(7));
    assert_eq!(chapter_of_crate("course-kit"), None);
    assert_eq!(chapter_of_page("chapter-11.md"), Some(11));
    assert_eq!(chapter_of_page("chapter-1-notes.md"), None);
    assert_eq!(chapter_of_page("appendix-django.md"), None);
}
