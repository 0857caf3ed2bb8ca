//! # Chapter 5: a page-hit counter in the session
//!
//! Chapter 3 kept the count in a cookie, where the browser could change it.
//! Here the count moves to the **server**. The browser holds only a
//! `sessionid` cookie, a long random id that means nothing by itself; the
//! server keeps a *session record* under that id, and the count lives in
//! the record. The wire inspector shows both halves on every page.
//!
//! As in the notes (`request.session.set_expiry(300)`), the session ends
//! after 300 seconds without a visit; each visit pushes the end further.
//! The records live in the server's memory, so a restart forgets them all.
//!
//! Run it: `cargo run -p chapter-5` (or `just run 5`), then open
//! <http://127.0.0.1:3005/pageCount/>. The book explains it in
//! `book/src/chapter-5.md`.

use axum::{Router, routing::get};
use course_kit::{
    Chapter, ErrorPage, PageLink, Settings, format_date,
    sessions::{self, SessionStore},
};
use maud::{Markup, html};
use tower_sessions::{Expiry, Session, SessionManagerLayer, cookie::SameSite};

// ANCHOR: app
pub fn app(settings: &Settings) -> Router {
    // The records live in the server's memory; the kit's store deletes
    // expired ones and never grows past a limit (see course_kit::sessions).
    let store = SessionStore::default();
    let sessions = SessionManagerLayer::new(store.clone())
        .with_name(course_kit::SESSION_COOKIE)
        // Not Secure on plain http (see chapter 2); a site on https must set it.
        .with_secure(false)
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        // The notes' set_expiry(300): the session ends 300 seconds after the
        // last request that saved it (`--session-expiry` changes it). Every
        // visit writes the count, so every visit saves the record and pushes
        // the end further.
        .with_expiry(Expiry::OnInactivity(sessions::expiry(settings)));
    let routes = Router::new()
        .route("/pageCount/", get(page_count))
        .layer(sessions);
    CHAPTER.app_with_sessions(routes, store)
}
// ANCHOR_END: app

pub const CHAPTER: Chapter = Chapter::new(
    5,
    "A counter in the session",
    &[PageLink::new("/pageCount/", "Count my visits")],
)
.with_options(&[sessions::SESSION_EXPIRY]);

/// The session key the count is stored under.
const COUNT_KEY: &str = "count";

// ANCHOR: page_count
async fn page_count(session: Session) -> Result<Markup, ErrorPage> {
    // The notes' `request.session.get('count', 0) + 1`. The server wrote this
    // value itself, so it needs none of chapter 3's checks on what came in.
    let count: u64 = session.get(COUNT_KEY).await?.unwrap_or(0);
    let count = count.saturating_add(1);
    session.insert(COUNT_KEY, count).await?;

    // Django's get_expiry_age() and get_expiry_date(). With an inactivity
    // expiry, the session ends 300 seconds after *this* request, so the time
    // left is the whole 300 seconds on every visit (a few microseconds less
    // by the time it is computed, hence the rounding).
    let seconds_left = session.expiry_age().as_seconds_f64().round();
    let expires = format_date(session.expiry_date());
    let content = count_page(count, seconds_left, &expires);
    Ok(CHAPTER.page("Page count", content))
}
// ANCHOR_END: page_count

// ---------------------------------------------------------------------------
// The page's words around the lesson.

fn count_page(count: u64, seconds_left: f64, expires: &str) -> Markup {
    html! {
        p.count { "Count: " (count) }
        p { "Session expiry Time in seconds: " (seconds_left) }
        p { "Session expiry Time in date: " (expires) }
        @if count == 1 {
            p { "If reloading never goes past 1, your browser is not sending the session cookie back." }
        }
        div.explain {
            p {
                "The count lives on the server, in the session record. Your browser holds only the "
                code { "sessionid" } " cookie: compare the two in the wire inspector below."
            }
            p {
                "Stay away for " (seconds_left) " seconds and the session expires: the browser drops the "
                "cookie (its " code { "Max-Age" } " runs out), and the server deletes the record."
            }
            p {
                "The records are kept in the server's memory. Restart the server and they are gone: "
                "your browser will still send its old id, the server will find no record under it, "
                "and the count will start again at 1, under a new id."
            }
        }
    }
}
