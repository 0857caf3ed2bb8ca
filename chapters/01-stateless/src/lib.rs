//! # Chapter 1: HTTP forgets
//!
//! HTTP is *stateless*: each request carries only what the browser puts into
//! it, and nothing in the protocol ties it to the request before. This
//! chapter shows it with a greeting:
//!
//! 1. `/` asks for your name in a form;
//! 2. `/hello/?name=Ada` greets you, because the name is *in that request*;
//! 3. `/whoami/`, one click later, no longer knows you.
//!
//! The server does count every request, to show that it *can* remember; what
//! it cannot do is tell whose requests they were.
//!
//! Run it: `cargo run -p chapter-1` (or `just run 1`), then open
//! <http://127.0.0.1:3001/>. The book explains it in `book/src/chapter-1.md`.

use std::sync::{
    Arc,
    atomic::{AtomicU64, Ordering},
};

use axum::{Router, extract::State, routing::get};
use course_kit::{Chapter, PageLink, forms::QueryParams, forms::TextField};
use maud::{Markup, html};
use serde::Deserialize;

// ANCHOR: routes
/// The chapter's routes, wrapped in the course's shared layout and inspector.
pub fn app() -> Router {
    let routes = Router::new()
        .route("/", get(ask_name))
        .route("/hello/", get(hello))
        .route("/whoami/", get(who_am_i))
        .with_state(RequestCounter::default());
    CHAPTER.app(routes)
}
// ANCHOR_END: routes

pub const CHAPTER: Chapter = Chapter::new(
    1,
    "HTTP forgets",
    &[
        PageLink::new("/", "Say your name"),
        PageLink::new("/hello/", "Greeting"),
        PageLink::new("/whoami/", "Who am I?"),
    ],
);

// ANCHOR: state
/// What the server remembers between requests: one number for everybody.
/// It lives in the server's memory, so a restart sets it back to zero.
#[derive(Clone, Default)]
pub struct RequestCounter(Arc<AtomicU64>);

impl RequestCounter {
    /// Counts this request and returns how many there have been.
    fn count(&self) -> u64 {
        self.0.fetch_add(1, Ordering::Relaxed) + 1
    }
}
// ANCHOR_END: state

async fn ask_name(State(counter): State<RequestCounter>) -> Markup {
    let requests = counter.count();
    let content = html! {
        h1 { "What is your name?" }
        (name_form("", None))
        (served(requests))
    };
    CHAPTER.page("What is your name?", content)
}

// ANCHOR: hello
/// The query string of `/hello/?name=…`. Every field is a `String` with a
/// default, so any query string can be read and checked here.
#[derive(Deserialize)]
pub struct NameQuery {
    #[serde(default)]
    name: String,
}

/// Names longer than this are refused, so a page stays readable.
pub const MAX_NAME_CHARS: usize = 100;

async fn hello(
    State(counter): State<RequestCounter>,
    QueryParams(query): QueryParams<NameQuery>,
) -> Markup {
    let requests = counter.count();
    let name = query.name.trim();
    let content = match name_error(name) {
        Some(error) => html! {
            h1 { "What is your name?" }
            (name_form(&query.name, Some(&error)))
        },
        // The name came in this request's URL and goes out in this response.
        // Nothing is stored: the next request will not carry it.
        None => html! {
            h1 { "Hello, " (name) "!" }
            p { "Your name reached the server inside this request's URL: "
                code { "/hello/?name=…" } ". The server did not store it anywhere." }
            p { a href="/whoami/" { "Who am I?" } }
        },
    };
    CHAPTER.page("Hello", html! { (content) (served(requests)) })
}

/// What is wrong with a name (already trimmed), if anything.
fn name_error(name: &str) -> Option<String> {
    if name.is_empty() {
        Some("Please type a name.".to_string())
    } else if name.chars().count() > MAX_NAME_CHARS {
        Some(format!(
            "A name can be at most {MAX_NAME_CHARS} characters."
        ))
    } else if name.chars().any(char::is_control) {
        // A URL can carry a line break or a NUL byte (%0A, %00): no one's
        // name, and text a page should not print.
        Some("A name cannot contain control characters.".to_string())
    } else {
        None
    }
}
// ANCHOR_END: hello

// ANCHOR: whoami
async fn who_am_i(State(counter): State<RequestCounter>) -> Markup {
    let requests = counter.count();
    let content = html! {
        h1 { "Who am I?" }
        p { strong { "I don't know who you are." } }
        (why_not_known())
        (served(requests))
    };
    CHAPTER.page("Who am I?", content)
}
// ANCHOR_END: whoami

// ---------------------------------------------------------------------------
// The pages' words around the lesson.

// ANCHOR: name_form
fn name_form(typed: &str, error: Option<&str>) -> Markup {
    // A GET form: the browser puts the field into the URL, /hello/?name=Ada.
    // It changes nothing on the server, so it needs no CSRF token.
    html! {
        form method="get" action="/hello/" {
            (TextField { label: "Your name", name: "name", value: typed, numeric: false, error })
            button type="submit" { "Say hello" }
        }
    }
}
// ANCHOR_END: name_form

/// A short paragraph every page ends with: the server's one shared memory.
fn served(requests: u64) -> Markup {
    html! {
        p.explain {
            "This server has answered " strong { (requests) }
            @if requests == 1 { " request" } @else { " requests" }
            " since it started, "
            "but it cannot tell whose they were: nothing in a request says who sent it."
        }
    }
}

fn why_not_known() -> Markup {
    html! {
        p {
            "You told the server your name one click ago, but this request "
            "does not carry it, and HTTP keeps nothing between requests. "
            "This chapter sets no cookies, so nothing connects this request to the last one. "
            "(If the wire inspector below lists some, other chapters set them on 127.0.0.1, "
            "and this server ignores them.)"
        }
        p { "To be remembered, the browser must send something back with every request. "
            "That is what a cookie is: chapter 2 sets the first one." }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_must_be_there_short_and_printable() {
        assert_eq!(name_error("Ada"), None);
        assert_eq!(name_error("").as_deref(), Some("Please type a name."));
        assert!(name_error(&"a".repeat(MAX_NAME_CHARS)).is_none());
        assert!(name_error(&"a".repeat(MAX_NAME_CHARS + 1)).is_some());
        assert!(name_error("Ada\nLovelace").is_some());
    }

    #[test]
    fn the_counter_counts_every_request() {
        let counter = RequestCounter::default();
        assert_eq!(
            (counter.count(), counter.count(), counter.count()),
            (1, 2, 3)
        );
    }
}
