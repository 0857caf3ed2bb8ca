//! The book in a real browser: at 1280 pixels wide, a chapter page of the
//! book has no horizontal scrollbar, and nothing in it scrolls sideways: no
//! listing, no transcript, no table, no screenshot. (The course's promise:
//! the book reads on a projector or a laptop without sideways scrolling.)
//!
//! The test builds the book with mdbook into a folder of its own (never
//! `book/book/`, which may be stale or half-built), opens some of its pages
//! over `file://` in Chromium with a 1280-pixel window, and measures them.
//! Without mdbook and mdbook-mermaid (`just setup` installs them) it is
//! skipped, and says so; with `E2E_REQUIRED=1` (`just e2e`) it fails
//! instead. It saves a screenshot of one page at 1280 pixels into the
//! temporary folder, and prints where, for a human to look at.
//!
//! When it fails, fix the page or `book/course.css`, not the check.

use std::{
    path::{Path, PathBuf},
    process::Command,
};

use axum::Router;
use libtest_mimic::{Completion, Trial};

use crate::support::{Cookies, E2e, WINDOW, browser_test};

/// The pages measured: an appendix, and chapters with long listings,
/// transcripts, tables and screenshots.
const PAGES: &[&str] = &[
    "appendix-django.html",
    "chapter-3.html",
    "chapter-7.html",
    "chapter-10.html",
];

/// The page whose picture at 1280 pixels is saved for a human to look at,
/// around its first screenshot.
const PICTURED: &str = "chapter-7.html";

/// The book's test, or, without mdbook, a test that says it was skipped (or
/// fails, if `E2E_REQUIRED=1`).
pub fn tests() -> Vec<Trial> {
    match book_tools() {
        Ok(_) => vec![browser_test!(chapter_pages_fit_a_1280_pixel_window)],
        Err(missing) => {
            let name = "book_layout::chapter_pages_fit_a_1280_pixel_window";
            let required = std::env::var("E2E_REQUIRED").is_ok_and(|v| v == "1");
            let trial = if required {
                Trial::test(name, move || {
                    Err(format!("E2E_REQUIRED=1, but the book cannot be built: {missing}").into())
                })
            } else {
                Trial::ignorable_test(name, move || {
                    Ok(Completion::ignored_with(format!(
                        "book test skipped: {missing}"
                    )))
                })
            };
            vec![trial]
        }
    }
}

/// mdbook, and the folder that holds it and mdbook-mermaid (the book's
/// preprocessor, which mdbook runs by name): on `PATH`, or in
/// `~/.cargo/bin`, where `cargo install` (and `just setup`) puts them.
fn book_tools() -> Result<(PathBuf, PathBuf), String> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    let cargo_bin = std::env::var_os("HOME").map(|home| Path::new(&home).join(".cargo/bin"));
    let folders: Vec<PathBuf> = std::env::split_paths(&path).chain(cargo_bin).collect();
    let find = |name: &str| {
        folders
            .iter()
            .map(|dir| dir.join(name))
            .find(|p| p.is_file())
    };
    match (find("mdbook"), find("mdbook-mermaid")) {
        (Some(mdbook), Some(mermaid)) => {
            let folder = mermaid.parent().map(Path::to_path_buf).unwrap_or_default();
            Ok((mdbook, folder))
        }
        (None, _) => Err("no mdbook on PATH or in ~/.cargo/bin (run `just setup`)".into()),
        (_, None) => Err("no mdbook-mermaid on PATH or in ~/.cargo/bin (run `just setup`)".into()),
    }
}

/// Builds the book into `out`, and panics with mdbook's output if it fails.
fn build_book(out: &Path) {
    let (mdbook, mermaid_folder) = book_tools().expect("mdbook was found before the test");
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    // mdbook runs the preprocessor by name: its folder goes first on PATH.
    let path = std::env::var_os("PATH").unwrap_or_default();
    let path =
        std::env::join_paths(std::iter::once(mermaid_folder).chain(std::env::split_paths(&path)))
            .expect("a PATH");
    let built = Command::new(&mdbook)
        .arg("build")
        .arg(root.join("book"))
        .arg("--dest-dir")
        .arg(out)
        .env("PATH", path)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", mdbook.display()));
    assert!(
        built.status.success(),
        "mdbook build failed:\n{}{}",
        String::from_utf8_lossy(&built.stdout),
        String::from_utf8_lossy(&built.stderr)
    );
}

/// Run in a page of the book: what sticks out sideways. The page itself
/// must be no wider than the window; and no listing (`pre`, or the `code`
/// inside it, which mdbook lets scroll), table (or the box mdbook wraps it
/// in), or image may be wider than the room it has,
/// which would give it a scrollbar of its own or push it out of the text
/// column; and an image that has the room must be shown at its own size.
/// Returns one line per problem.
const MEASURE_SCRIPT: &str = r##"
const problems = [];
const page = document.documentElement;
if (page.scrollWidth > window.innerWidth) {
    problems.push(`the page is ${page.scrollWidth} px wide, in a window of ${window.innerWidth} px`);
}
const column = document.querySelector("main").getBoundingClientRect();
const elements = document.querySelectorAll(
    "main pre, main pre > code, main table, main .table-wrapper, main img");
for (const element of elements) {
    const what = `${element.tagName.toLowerCase()}${element.className ? "." + element.className : ""}` +
        ` "${(element.textContent || element.getAttribute("src") || "").replace(/\s+/g, " ").trim().slice(0, 60)}"`;
    if (element.scrollWidth > element.clientWidth + 1) {
        problems.push(`${what} scrolls sideways: ${element.scrollWidth} px of content in ${element.clientWidth} px`);
    }
    const right = element.getBoundingClientRect().right;
    if (right > column.right + 1) {
        problems.push(`${what} sticks out of the text column by ${Math.ceil(right - column.right)} px`);
    }
    // A screenshot that has the room is shown at its own size: scaled, a
    // picture of text blurs.
    const room = element.parentElement && element.parentElement.clientWidth;
    if (element.tagName === "IMG" && element.naturalWidth <= room && element.width !== element.naturalWidth) {
        problems.push(`${what} is shown ${element.width} px wide, not at its own ${element.naturalWidth} px`);
    }
}
return problems;
"##;

async fn chapter_pages_fit_a_1280_pixel_window(e2e: E2e) {
    let out = std::env::temp_dir().join(format!("session-course-book-{}", std::process::id()));
    build_book(&out);
    // A browser on an empty server: the pages come from the disk.
    let b = e2e.browser(Router::new(), Cookies::Allowed).await;
    let mut problems = Vec::new();
    for page in PAGES {
        let file = out.join(page);
        assert!(file.is_file(), "mdbook wrote no {}", file.display());
        b.open_at(&format!("file://{}", file.display()), "").await;
        let found = b.script(MEASURE_SCRIPT).await;
        let found: Vec<String> = serde_json::from_value(found).expect("a list of problems");
        problems.extend(
            found
                .into_iter()
                .map(|problem| format!("{page}: {problem}")),
        );
        if *page == PICTURED {
            // Where the page shows a screenshot: the picture shows both.
            b.script(r#"document.querySelector("main img")?.scrollIntoView({ block: "center" });"#)
                .await;
            let picture = std::env::temp_dir().join("session-course-book-at-1280px.png");
            std::fs::write(&picture, b.window_screenshot().await)
                .unwrap_or_else(|e| panic!("write {}: {e}", picture.display()));
            println!(
                "\n  {PICTURED} at {} px wide: {}",
                WINDOW.0,
                picture.display()
            );
        }
    }
    let _ = std::fs::remove_dir_all(&out);
    assert!(
        problems.is_empty(),
        "at {} px wide, the book scrolls sideways (fix the page or book/course.css):\n{}",
        WINDOW.0,
        problems.join("\n")
    );
}
