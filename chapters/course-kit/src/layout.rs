//! The page layout every page of the course shares, the stylesheet, and the
//! way every page writes a date.

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
