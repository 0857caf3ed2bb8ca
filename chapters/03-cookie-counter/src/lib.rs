//! # Chapter 3: a page-hit counter in a cookie
//!
//! The simplest state a server can give the browser to keep: a number. Each
//! response to `/countView/` sets a cookie `count=N`; the browser sends it
//! back with the next request; the server reads it, adds one, and sets it
//! again. The *browser* holds the state; the server remembers nothing.
//!
//! So the cookie is input, like a form field: anyone can edit it, and any
//! client can send `Cookie: count=abc`. The Django original's `int(count)`
//! then failed with a 500; here a value that is not a count this server
//! could have set restarts the counter at 1, with a notice that says why.
//!
//! Run it: `cargo run -p chapter-3` (or `just run 3`), then open
//! <http://127.0.0.1:3003/countView/>. The book explains it in
//! `book/src/chapter-3.md`.

use axum::{Router, routing::get};
use course_kit::{Chapter, PageLink};
use maud::{Markup, html};
use tower_cookies::{Cookie, CookieManagerLayer, Cookies, cookie::SameSite};

// ANCHOR: app
pub fn app() -> Router {
    // CookieManagerLayer reads the request's `Cookie` header for the handler
    // (the `Cookies` extractor) and writes the cookies the handler adds as
    // `Set-Cookie` headers on the response.
    let routes = Router::new()
        .route("/countView/", get(count_view))
        .layer(CookieManagerLayer::new());
    CHAPTER.app(routes)
}
// ANCHOR_END: app

pub const CHAPTER: Chapter = Chapter::new(
    3,
    "A counter in a cookie",
    &[PageLink::new("/countView/", "Count my visits")],
);

/// The cookie's name, as in the notes.
const COUNT_COOKIE: &str = "count";

// ANCHOR: count_view
async fn count_view(cookies: Cookies) -> Markup {
    // What did the browser send? Whatever it is, reading it cannot fail.
    let sent = cookies.get(COUNT_COOKIE);
    let previous = PreviousCount::from_cookie(sent.as_ref().map(Cookie::value));

    // This visit's count, and a notice if the old one could not be used.
    let (count, notice) = previous.next();

    // Path=/ sends it back with every page of the site. No Max-Age: a
    // session cookie, forgotten when the browser closes. HttpOnly, since no
    // script needs it; SameSite=Lax, so that requests other sites' pages
    // send in the background (form posts, images) do not carry it. (A
    // top-level navigation from another site, a link or a GET form, does:
    // Lax does not protect a GET that changes something, like this counter.)
    let cookie = Cookie::build((COUNT_COOKIE, count.to_string()))
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .build();
    cookies.add(cookie);

    CHAPTER.page("Page hit counter", counter_page(count, notice.as_deref()))
}
// ANCHOR_END: count_view

// ANCHOR: previous_count
/// What the browser's `count` cookie told the server.
#[derive(Debug, PartialEq)]
pub enum PreviousCount {
    /// No `count` cookie: a first visit (or cookies are blocked).
    FirstVisit,
    /// A count this server could have set.
    Count(u64),
    /// Something else: not plain digits, or too large for a u64.
    Unreadable(String),
}

impl PreviousCount {
    /// Reads the cookie's value. Never fails: a bad value is a variant, not a
    /// panic. Only plain digits are a count, since that is all this server
    /// ever writes; `+5`, ` 5` or `05x` were edited by someone.
    pub fn from_cookie(value: Option<&str>) -> Self {
        match value {
            None => PreviousCount::FirstVisit,
            Some(text) if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) => {
                PreviousCount::Unreadable(text.to_string())
            }
            Some(text) => match text.parse::<u64>() {
                Ok(count) => PreviousCount::Count(count),
                Err(_) => PreviousCount::Unreadable(text.to_string()),
            },
        }
    }

    /// This visit's count, and why the count starts again, if it does.
    pub fn next(self) -> (u64, Option<String>) {
        match self {
            PreviousCount::FirstVisit => (1, None),
            // checked_add is None where `count + 1` would overflow.
            PreviousCount::Count(count) => match count.checked_add(1) {
                Some(next) => (next, None),
                None => (1, Some("Your count cookie was already at the largest number a u64 can hold, so the counter starts again at 1.".to_string())),
            },
            PreviousCount::Unreadable(text) => (
                1,
                Some(format!(
                    "Your browser sent count={text:?}, which is not a count this server could have set, so the counter starts again at 1."
                )),
            ),
        }
    }
}
// ANCHOR_END: previous_count

// ---------------------------------------------------------------------------
// The page's words around the lesson.

fn counter_page(count: u64, notice: Option<&str>) -> Markup {
    html! {
        @if let Some(notice) = notice {
            p.notice role="alert" { (notice) }
        }
        h1 { "You have visited this page " (count) " times" }
        p {
            "Reload the page to count again. The number is not stored on the server: it lives in "
            "the " code { "count" } " cookie, which your browser sends with each request and this "
            "response sets to " code { "count=" (count) } "."
        }
        @if count == 1 {
            p { "If reloading never goes past 1, your browser is not sending the cookie back." }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_digits_are_a_count() {
        assert_eq!(PreviousCount::from_cookie(None), PreviousCount::FirstVisit);
        assert_eq!(
            PreviousCount::from_cookie(Some("41")),
            PreviousCount::Count(41)
        );
        for edited in ["", "-1", "+5", " 5", "1.5", "abc", "18446744073709551616"] {
            assert_eq!(
                PreviousCount::from_cookie(Some(edited)),
                PreviousCount::Unreadable(edited.into()),
                "{edited:?}"
            );
        }
    }

    #[test]
    fn the_next_count_adds_one_or_starts_again() {
        assert_eq!(PreviousCount::FirstVisit.next(), (1, None));
        assert_eq!(PreviousCount::Count(41).next(), (42, None));
        let (count, notice) = PreviousCount::Count(u64::MAX).next();
        assert_eq!(count, 1);
        assert!(notice.unwrap().contains("largest number"));
        let (count, notice) = PreviousCount::Unreadable("abc".into()).next();
        assert_eq!(count, 1);
        assert!(notice.unwrap().contains(r#"count="abc""#));
    }
}
