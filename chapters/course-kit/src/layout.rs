//! The page layout every page of the course shares, the stylesheet, and the
//! way every page writes a date.

use axum::{
    http::{HeaderMap, HeaderValue, header},
    response::IntoResponse,
};
use maud::{DOCTYPE, Markup, PreEscaped, html};
use time::{OffsetDateTime, macros::format_description};

/// The empty element every page ends with. The wire inspector finds it in
/// the finished page and fills it in, once the response and all of its
/// `Set-Cookie` headers are final. It is a constant of the course's own, not
/// user input, so writing it unescaped is safe.
pub(crate) const INSPECTOR_PLACEHOLDER: &str =
    r#"<aside id="wire" aria-label="Wire inspector"></aside>"#;

/// The course's stylesheet, served at `/course.css`.
pub(crate) const STYLESHEET: &str = include_str!("course.css");

/// The stylesheet's content type.
pub(crate) const CSS: (header::HeaderName, &str) =
    (header::CONTENT_TYPE, "text/css; charset=utf-8");

/// The handler of `/course.css`, on a chapter's site and on a lab's attacker site.
pub(crate) async fn stylesheet() -> impl IntoResponse {
    ([CSS], STYLESHEET)
}

/// The headers every response of the course carries: `nosniff`, so that a
/// browser never guesses a content type, and a Content-Security-Policy, the
/// chapter's strict one or an attacker site's looser one.
pub(crate) fn set_security_headers(headers: &mut HeaderMap, policy: &'static str) {
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(policy),
    );
}

/// A whole page: the head, the chapter's header, the content, and the place
/// where the wire inspector goes.
pub(crate) fn page(title: &str, header: Markup, content: Markup) -> Markup {
    page_with(title, header, content, true)
}

/// A page with or without the wire inspector's place (the attacker's site
/// of a lab has no inspector).
pub(crate) fn page_with(title: &str, header: Markup, content: Markup, inspector: bool) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) }
                link rel="icon" href="data:,";
                link rel="stylesheet" href="/course.css";
            }
            body {
                header { (header) }
                main { (content) }
                @if inspector {
                    (PreEscaped(INSPECTOR_PLACEHOLDER))
                }
            }
        }
    }
}

/// Formats a moment the way every page of the course shows it:
/// `2026-11-26 14:05:09 UTC`.
pub fn format_date(date: OffsetDateTime) -> String {
    let format = format_description!("[year]-[month]-[day] [hour]:[minute]:[second] UTC");
    date.to_offset(time::UtcOffset::UTC)
        .format(&format)
        .unwrap_or_else(|_| date.to_string())
}
