//! # Chapter 5: a page-hit counter in the session
//!
//! Chapter 3 kept the count in a cookie: the browser held the state, and
//! could change it. Here the count moves to the **server**. The browser
//! holds only a `sessionid` cookie, a long random id that means nothing by
//! itself; the server keeps a *session record* under that id, and the count
//! lives in the record. The wire inspector shows both halves on every page.
//!
//! As in the notes (`request.session.set_expiry(300)`), the session expires
//! after 300 seconds of inactivity: each visit pushes the expiry five minutes
//! further, both in the store and in the cookie's `Max-Age`.
//!
//! The records live in tower-sessions' `MemoryStore`, in the server's memory.
//! Stop the server and every session is gone: the browser still sends its
//! old id, the server finds no record under it, and the count starts again
//! at 1 (with a new id). A database-backed store would survive a restart.

use axum::{Router, routing::get};
use course_kit::{Chapter, ErrorPage, PageLink, inspector::format_date};
use maud::{Markup, html};
use tower_sessions::{
    Expiry, MemoryStore, Session, SessionManagerLayer,
    cookie::{SameSite, time::Duration},
};

pub const CHAPTER: Chapter = Chapter {
    number: 5,
    title: "A counter in the session",
    pages: &[PageLink {
        path: "/pageCount/",
        label: "Count my visits",
    }],
};

/// The notes' `set_expiry(300)`: five minutes without a visit ends the session.
pub const INACTIVITY_SECONDS: i64 = 300;

/// The session key the count is stored under.
const COUNT_KEY: &str = "count";

// ANCHOR: app
pub fn app() -> Router {
    let store = MemoryStore::default();
    let sessions = SessionManagerLayer::new(store.clone())
        .with_name(course_kit::SESSION_COOKIE)
        // Not Secure on plain http://127.0.0.1; a site on https must set it.
        .with_secure(false)
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        // Expire after 300 seconds without a request...
        .with_expiry(Expiry::OnInactivity(Duration::seconds(INACTIVITY_SECONDS)))
        // ...and save the session on every request, so each one renews it.
        .with_always_save(true);
    let routes = Router::new()
        .route("/pageCount/", get(page_count))
        .layer(sessions);
    CHAPTER.app_with_session_store(routes, store)
}
// ANCHOR_END: app

// ANCHOR: page_count
async fn page_count(session: Session) -> Result<Markup, ErrorPage> {
    // The notes' `request.session.get('count', 0) + 1`. The server wrote this
    // value itself, so it needs none of chapter 3's checks on what came in.
    let count: u64 = session.get(COUNT_KEY).await?.unwrap_or(0);
    let count = count.saturating_add(1);
    session.insert(COUNT_KEY, count).await?;

    // With an inactivity expiry, the session ends 300 seconds after *this*
    // request, so the time left is the whole 300 seconds on every visit (a
    // few microseconds less by the time it is computed, hence the rounding).
    let seconds_left = session.expiry_age().as_seconds_f64().round();
    let expires = format_date(session.expiry_date());

    let content = html! {
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
                "Stay away for " (INACTIVITY_SECONDS) " seconds and the session expires: the browser drops the "
                "cookie (its " code { "Max-Age" } " runs out) and the server no longer accepts the record. "
                "(The in-memory store never clears expired records out; it only refuses to load them.)"
            }
            p {
                "The records are kept in the server's memory. Restart the server and they are gone: "
                "your browser will still send its old id, the server will find no record under it, "
                "and the count will start again at 1, under a new id."
            }
        }
    };
    Ok(CHAPTER.page("Page count", content))
}
// ANCHOR_END: page_count
