//! The course kit: the scaffolding every chapter stands on, so that a
//! chapter's own `src/lib.rs` can be nothing but its lesson.
//!
//! A learner does not need to read this crate before a chapter. It holds:
//!
//! - [`Chapter`]: a chapter's number, title and pages, and the shared page
//!   layout ([`Chapter::page`]).
//! - [`Chapter::app`]: wraps a chapter's routes with what every chapter shares:
//!   the stylesheet, the "missing slash" redirects, a clear 404 page, security
//!   headers, a request-body limit, and the **wire inspector**
//!   ([`inspector`]), the panel at the bottom of every page that shows what
//!   this exchange carried.
//! - [`serve`]: the command line, the server start-up, the request log on the
//!   terminal ([`request_log`]) and a clean stop on Ctrl-C.
//! - [`csrf`]: cross-site request forgery tokens for the chapters with forms.
//! - [`forms`]: form fields with an error message beside them, and the
//!   extractor that turns a malformed form body into a clear page.
//! - [`testing`]: the in-process browser that `tests/` uses.

mod chapter;
pub mod csrf;
pub mod forms;
pub mod inspector;
pub mod request_log;
mod serve;
pub mod testing;

pub use chapter::{BODY_LIMIT, Chapter, ErrorPage, PageLink};
pub use serve::serve;

/// The name of the session cookie in every chapter that has a session. It is
/// Django's name, so that students who know the notes recognise it.
pub const SESSION_COOKIE: &str = "sessionid";

/// Every value of one header, as text. A header is bytes on the wire, and a
/// client may send bytes that are not UTF-8; they are shown, not refused.
pub(crate) fn header_strings(
    headers: &axum::http::HeaderMap,
    name: axum::http::HeaderName,
) -> Vec<String> {
    headers
        .get_all(name)
        .iter()
        .map(|value| String::from_utf8_lossy(value.as_bytes()).into_owned())
        .collect()
}

/// What a request asked for, as its request line says it: the path and the
/// query string, e.g. `/hello/?name=Ada`.
pub(crate) fn request_target(uri: &axum::http::Uri) -> String {
    uri.path_and_query()
        .map_or_else(|| uri.path().to_string(), |pq| pq.as_str().to_string())
}
