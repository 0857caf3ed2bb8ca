//! The course kit: the scaffolding every chapter stands on, so that a
//! chapter's own `src/lib.rs` can be nothing but its lesson.
//!
//! A learner does not need to read this crate before a chapter. It holds:
//!
//! - [`Chapter`]: a chapter's number, title and pages; [`Chapter::page`]
//!   draws a page in the course's layout, and [`Chapter::app`] wraps the
//!   chapter's routes with what every chapter shares: the stylesheet, the
//!   "missing slash" redirects, clear 404 and 405 pages, security headers, a
//!   request-body limit, and the **wire inspector**, the panel at the bottom
//!   of every page that shows what this exchange carried.
//! - [`serve`]: the command line ([`Settings`]), the server start-up, the
//!   request log on the terminal, and a clean stop on Ctrl-C.
//! - [`csrf`]: cross-site request forgery tokens for the chapters with forms.
//! - [`forms`]: reading a form without a bare error, and a text field with
//!   its error message beside it.
//! - [`shop`]: the shopping cart's form, its checks and the cart itself,
//!   shared by the chapters that keep a cart (in cookies or in the session).
//! - [`sessions`]: the session store of the session chapters, which deletes
//!   expired sessions and never grows past a limit, and `--session-expiry`.
//! - [`lab`]: the attack labs' pieces: the attacker's site, and the banner
//!   of a page whose defence is switched off.
//! - [`ErrorPage`]: a request the server refuses, as a page that says why.

mod app;
mod chapter;
pub mod csrf;
mod error_page;
pub mod forms;
mod inspector;
pub mod lab;
mod layout;
mod random;
mod request_log;
mod serve;
pub mod sessions;
mod settings;
pub mod shop;

pub use app::{App, OtherSite, Sites};
pub use chapter::{Chapter, PageLink};
pub use error_page::ErrorPage;
pub use layout::format_date;
pub use random::use_predictable_ids_for_screenshots;
pub use request_log::log_line;
pub use serve::serve;
pub use settings::{CliOption, OptionValue, Settings};

/// The name of the session cookie in every chapter that has a session. It is
/// Django's name, so that students who know the notes recognise it.
pub const SESSION_COOKIE: &str = "sessionid";

/// The largest request body any chapter accepts. The forms of the course send
/// a few hundred bytes; refusing more keeps a hostile client from making the
/// server buffer megabytes.
pub const BODY_LIMIT: usize = 16 * 1024;

/// Every value of one header, as text. A header is bytes on the wire, and a
/// client may send bytes that are not UTF-8; they are shown, not refused.
fn header_strings(headers: &axum::http::HeaderMap, name: axum::http::HeaderName) -> Vec<String> {
    headers
        .get_all(name)
        .iter()
        .map(|value| String::from_utf8_lossy(value.as_bytes()).into_owned())
        .collect()
}

/// What a request asked for, as its request line says it: the path and the
/// query string, e.g. `/hello/?name=Ada`.
fn request_target(uri: &axum::http::Uri) -> String {
    uri.path_and_query()
        .map_or_else(|| uri.path().to_string(), |pq| pq.as_str().to_string())
}

/// The query parameter `name` of this request's URL, as `name=value`, ready
/// to append to a link (chapter 7 carries its session id this way).
fn carried_query(uri: &axum::http::Uri, name: &str) -> Option<String> {
    let (_, value) =
        form_urlencoded::parse(uri.query()?.as_bytes()).find(|(key, _)| key == name)?;
    Some(
        form_urlencoded::Serializer::new(String::new())
            .append_pair(name, &value)
            .finish(),
    )
}
