//! # Chapter 3, built by you: a counter in a cookie
//!
//! Chapter 3's counter (`chapters/03-cookie-counter`) is finished code to
//! read. This crate is the same counter as a skeleton for you to write, one
//! step at a time, the way the Rust Book builds its guessing game. Each step
//! is an exercise of `book/src/chapter-3.md`, with a check of its own:
//!
//! 1. A page at `/countView/`: `just exercise 3.4`
//! 2. Hand the browser a cookie: `just exercise 3.5`
//! 3. Read it back, and add one: `just exercise 3.6`
//! 4. Do not believe it: `just exercise 3.7`
//!
//! The skeleton compiles and runs as it is: `cargo run -p skeleton-3` (or
//! `just run skeleton-3`), then open <http://127.0.0.1:3003/countView/>
//! (stop chapter 3 first: they share its port; or add `--port 3103`). Until
//! step 1 is done, that address is the course's "no page here" page, with
//! the wire inspector at its bottom.
//!
//! Stuck? `tests/exercises/solutions/ch3_4.patch` to `ch3_7.patch` are the
//! reference solutions: each is this file with its step, and the steps
//! before it, done.

use axum::Router;
use course_kit::{Chapter, PageLink};
use maud::{Markup, html};

/// Your counter's routes, wrapped in the course's layout and wire inspector.
pub fn app() -> Router {
    // Step 1: route `GET /countView/` to your handler here.
    let routes = Router::new();
    // Step 2: the cookie layer goes around the routes, here.
    CHAPTER.app(routes)
}

pub const CHAPTER: Chapter = Chapter::new(
    3,
    "A counter in a cookie, built by you",
    &[PageLink::new("/countView/", "Count my visits")],
);

// Step 1: your handler goes here. It answers the counter's page, drawn by
// `counter_page` below, inside the course's layout: `CHAPTER.page(…)`.
//
// Step 2: it hands the browser a cookie, `count`, holding this visit's count.
//
// Step 3: it reads the `count` cookie the browser sent, and adds one.
//
// Step 4: it believes only a count this server could have written.

// ---------------------------------------------------------------------------
// The page's words: given, so that your steps are about HTTP.

/// The counter's page for a visit that counted `count`, with a notice above
/// it when the count had to start again (step 4 says when).
pub fn counter_page(count: u64, notice: Option<&str>) -> Markup {
    html! {
        @if let Some(notice) = notice {
            p.notice role="alert" { (notice) }
        }
        h1 {
            "You have visited this page " (count)
            @if count == 1 { " time" } @else { " times" }
        }
        p {
            "Reload the page to count again. The count lives in the "
            code { "count" } " cookie, which your browser sends with each request: "
            "look for it in the wire inspector below."
        }
    }
}
