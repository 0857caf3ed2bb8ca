//! # Chapter 1: HTTP forgets
//!
//! HTTP is *stateless*: every request stands alone. The browser sends a
//! request and reads the response, and as far as the protocol is concerned
//! that is the end of it. (The connection may stay open for the next request,
//! but HTTP attaches no memory to it, and the next one may come on another.)
//! The next request carries only what the browser puts into it; nothing in
//! HTTP ties it to the one before.
//!
//! This chapter shows that with a greeting:
//!
//! 1. `/` asks for your name in a form.
//! 2. `/hello/?name=Ada` greets you. Your name reached the server only because
//!    it was *inside this request*, in the URL's query string.
//! 3. `/whoami/`, one click later, no longer knows you: that request carries
//!    no name, and the server kept none.
//!
//! The server does keep one thing, a count of the requests it has answered.
//! That count shows the server *can* remember, but it cannot tell whose
//! requests they were: nothing in a request says "this is the same visitor
//! as before". Putting that back is what cookies (chapters 2 to 4) and
//! sessions (chapters 5 to 7) are for. No cookie is set anywhere in this
//! chapter: watch the wire inspector say so on every page.

use std::sync::{
    Arc,
    atomic::{AtomicU64, Ordering},
};

use axum::{Router, extract::State, routing::get};
use course_kit::{Chapter, PageLink, forms::QueryParams};
use maud::{Markup, html};
use serde::Deserialize;

pub const CHAPTER: Chapter = Chapter {
    number: 1,
    title: "HTTP forgets",
    pages: &[
        PageLink {
            path: "/",
            label: "Say your name",
        },
        PageLink {
            path: "/hello/",
            label: "Greeting",
        },
        PageLink {
            path: "/whoami/",
            label: "Who am I?",
        },
    ],
};

/// Names longer than this are refused, so a page stays readable.
pub const MAX_NAME_CHARS: usize = 100;

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

// ANCHOR: name_form
fn name_form(typed: &str, error: Option<&str>) -> Markup {
    // A GET form: the browser puts the field into the URL, /hello/?name=Ada.
    // It changes nothing on the server, so it needs no CSRF token.
    html! {
        form method="get" action="/hello/" {
            (course_kit::forms::text_field("Your name", "name", typed, "text", error))
            button type="submit" { "Say hello" }
        }
    }
}
// ANCHOR_END: name_form

async fn ask_name(State(counter): State<RequestCounter>) -> Markup {
    let content = html! {
        h1 { "What is your name?" }
        (name_form("", None))
        (served(counter.count()))
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

async fn hello(
    State(counter): State<RequestCounter>,
    QueryParams(query): QueryParams<NameQuery>,
) -> Markup {
    let name = query.name.trim();
    let error = if name.is_empty() {
        Some("Please type a name.".to_string())
    } else if name.chars().count() > MAX_NAME_CHARS {
        Some(format!(
            "A name can be at most {MAX_NAME_CHARS} characters."
        ))
    } else if name.chars().any(char::is_control) {
        // A URL can carry a line break or a NUL byte (%0A, %00): no one's
        // name, and text a page should not print. Chapter 4's form refuses
        // them the same way.
        Some("A name cannot contain control characters.".to_string())
    } else {
        None
    };
    let content = match error {
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
    let content = html! { (content) (served(counter.count())) };
    CHAPTER.page("Hello", content)
}
// ANCHOR_END: hello

// ANCHOR: whoami
async fn who_am_i(State(counter): State<RequestCounter>) -> Markup {
    let content = html! {
        h1 { "Who am I?" }
        p { strong { "I don't know who you are." } }
        p {
            "You told the server your name one click ago, but this request "
            "does not carry it, and HTTP keeps nothing between requests. "
            "This chapter sets no cookies, so nothing connects this request to the last one. "
            "(If the wire inspector below lists some, other chapters set them on 127.0.0.1, "
            "and this server ignores them.)"
        }
        p { "To be remembered, the browser must send something back with every request. "
            "That is what a cookie is: chapter 2 sets the first one." }
        (served(counter.count()))
    };
    CHAPTER.page("Who am I?", content)
}
// ANCHOR_END: whoami
