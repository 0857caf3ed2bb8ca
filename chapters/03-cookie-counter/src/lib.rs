//! # Chapter 3: a page-hit counter in a cookie
//!
//! The simplest state a server can give back to the browser: a number. Each
//! response to `/countView/` sets a cookie `count=N`; the browser sends it
//! back with the next request; the server reads it, adds one, and sets it
//! again. The *browser* holds the state. The server remembers nothing.
//!
//! That has a consequence the Django original ignored: the cookie comes from
//! the browser, so it can hold anything. A learner can edit it in the
//! developer tools, and any client can send `Cookie: count=abc`. Django's
//! `int(count)` then raises an exception and the page fails with a 500. Here
//! every value the browser sends is checked, and a value that is not a count
//! restarts the counter at 1, with a notice that says why.

use axum::{Router, routing::get};
use course_kit::{Chapter, PageLink};
use maud::{Markup, html};
use tower_cookies::{Cookie, CookieManagerLayer, Cookies, cookie::SameSite};

pub const CHAPTER: Chapter = Chapter {
    number: 3,
    title: "A counter in a cookie",
    pages: &[PageLink {
        path: "/countView/",
        label: "Count my visits",
    }],
};

/// The cookie's name, as in the notes.
const COUNT_COOKIE: &str = "count";

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

// ANCHOR: previous_count
/// What the browser's `count` cookie told the server.
#[derive(Debug, PartialEq)]
pub enum PreviousCount {
    /// No `count` cookie: a first visit (or cookies are blocked).
    FirstVisit,
    /// A count this server could have set.
    Count(u64),
    /// Something else: not a whole number, negative, or too large for a u64.
    Unreadable(String),
}

impl PreviousCount {
    /// Reads the cookie's value. Never fails: a bad value is a variant, not a panic.
    pub fn from_cookie(value: Option<&str>) -> Self {
        match value {
            None => PreviousCount::FirstVisit,
            Some(text) => match text.parse::<u64>() {
                Ok(count) => PreviousCount::Count(count),
                Err(_) => PreviousCount::Unreadable(text.to_string()),
            },
        }
    }
}
// ANCHOR_END: previous_count

// ANCHOR: count_view
async fn count_view(cookies: Cookies) -> Markup {
    let previous =
        PreviousCount::from_cookie(cookies.get(COUNT_COOKIE).as_ref().map(Cookie::value));

    // The new count, and a notice if the old one could not be used.
    let (count, notice) = match previous {
        PreviousCount::FirstVisit => (1, None),
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
    };

    // Path=/ sends it back with every page of the site. No Max-Age: a
    // session cookie, forgotten when the browser closes. HttpOnly, since no
    // script needs it; SameSite=Lax, so other sites' form *posts* do not
    // carry it. (A link from another site does, and so would a GET form:
    // Lax does not protect a GET that changes something, like this counter.)
    let cookie = Cookie::build((COUNT_COOKIE, count.to_string()))
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .build();
    cookies.add(cookie);

    let content = html! {
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
    };
    CHAPTER.page("Page hit counter", content)
}
// ANCHOR_END: count_view
