//! What the course's tests share: an in-process browser that drives a
//! chapter ([`Browser`]), the page reading it is built on ([`page`]), the
//! snapshot macro that keeps dates out of snapshots ([`snapshot!`]), and the
//! stores chapter 11's tests start for themselves ([`stores`]).
//!
//! It is the root package's library, so it is compiled once for every test
//! file, and never into a chapter's server.

pub mod browser;
pub mod page;
pub mod stores;

pub use browser::{Answer, Browser, Exchange, Site, answer, book_log_line};
pub use page::FormOnPage;
// The snapshot macro below names insta through this crate, so that a test
// file needs no `use insta` of its own for it.
pub use insta;

/// insta's filters for what changes from run to run but is not a secret:
/// the dates the course writes (`2026-11-25 23:18:07 UTC`) and those of
/// HTTP headers (`Expires=Tue, 25 Nov 2025 23:26:55 GMT`, as in a cookie
/// removal). Session ids and CSRF tokens are numbered by the [`Browser`]
/// instead, which keeps visible *when* an id changes.
pub const DATE_FILTERS: [(&str, &str); 2] = [
    (r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC", "[date]"),
    (
        r"[A-Z][a-z]{2}, \d\d [A-Z][a-z]{2} \d{4} \d\d:\d\d:\d\d GMT",
        "[date]",
    ),
];

/// Whether `text` is a date as the course writes it, `2026-11-25 23:18:07 UTC`.
pub fn is_course_date(text: &str) -> bool {
    const SHAPE: &str = "dddd-dd-dd dd:dd:dd UTC";
    text.len() == SHAPE.len()
        && SHAPE
            .bytes()
            .zip(text.bytes())
            .all(|(want, got)| match want {
                b'd' => got.is_ascii_digit(),
                other => other == got,
            })
}

/// `snapshot!("name", text)`: insta's `assert_snapshot!`, with every date
/// replaced by `[date]` and without the expression in the snapshot's
/// header, so that the book can include a snapshot from its fourth line.
#[macro_export]
macro_rules! snapshot {
    ($name:expr, $text:expr $(,)?) => {
        $crate::insta::with_settings!({
            filters => $crate::DATE_FILTERS.to_vec(),
            omit_expression => true,
        }, {
            $crate::insta::assert_snapshot!($name, $text);
        })
    };
}
