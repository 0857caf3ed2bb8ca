//! End-to-end tests in a real browser: headless Chromium, driven over
//! WebDriver by chromedriver. Each test serves one chapter on a free port of
//! 127.0.0.1 and clicks through it as a learner would, reading what the
//! browser renders. Where `tests/chapter_N.rs` pretends to be a browser,
//! these use one: its own cookie jar, its own form submission, and, for the
//! tests with cookies blocked, its own privacy setting.
//!
//! Run them with `just e2e` (or `just e2e chapter_3` for one chapter's).
//! Without Chromium and chromedriver they are skipped, and `cargo test` says
//! so. `just screenshots` runs the ignored tests in `screenshots.rs`, which
//! save the book's pictures into `book/src/screenshots/`. `book_layout.rs`
//! checks the built book itself at 1280 pixels wide.
//!
//! Each chapter's tests are in their own module, `chapter_N.rs`; this file
//! only collects them. The machinery (chromedriver, the browser, the runner)
//! is in `support.rs`: one chromedriver serves the whole run, and every test
//! opens its own browser with a new, empty profile.

mod support;

/// Declares each module of tests (the file `NAME.rs` beside this one), and
/// `all_tests()`, which collects the tests of every one of them.
macro_rules! test_modules {
    ($($module:ident),* $(,)?) => {
        $(mod $module;)*

        fn all_tests() -> Vec<libtest_mimic::Trial> {
            [$($module::tests()),*].into_iter().flatten().collect()
        }
    };
}

// A new chapter is one more file, `chapter_N.rs`, and one more line here.
test_modules! {
    chapter_1,
    chapter_2,
    chapter_3,
    chapter_4,
    chapter_5,
    chapter_6,
    chapter_7,
    chapter_8,
    chapter_9,
    chapter_10,
    chapter_11,
    book_layout,
    screenshots,
}

fn main() -> std::process::ExitCode {
    support::run(all_tests())
}
