//! # Chapter 2: the test cookie
//!
//! Before a site relies on cookies, it can check that the browser sends them
//! back at all. Django's session API has three calls for it, written here
//! over tower-sessions' `Session`: `set_test_cookie`, `test_cookie_worked`
//! and `delete_test_cookie`. `/home/` sets the mark; `/page2/` checks it and
//! deletes it.
//!
//! The "test cookie" is not a cookie of its own: the mark lives in the
//! *session*, on the server, and the only cookie is `sessionid`, which
//! carries the session's id. If the browser sends it back, the server finds
//! the session and the mark in it.
//!
//! Run it: `cargo run -p chapter-2` (or `just run 2`), then open
//! <http://127.0.0.1:3002/home/>. The book explains it in `book/src/chapter-2.md`.

use axum::{Router, routing::get};
use course_kit::{
    Chapter, ErrorPage, PageLink, Settings,
    sessions::{self, SessionStore},
};
use maud::{Markup, html};
use tower_sessions::{Expiry, Session, SessionManagerLayer, cookie::SameSite};

// ANCHOR: app
pub fn app(settings: &Settings) -> Router {
    // The sessions live in the server's memory (see course_kit::sessions).
    let store = SessionStore::default();
    // The session cookie's attributes. tower-sessions defaults to `Secure`
    // and `SameSite=Strict`. `Secure` asks the browser to send the cookie
    // over https only; browsers make an exception for http://127.0.0.1 and
    // http://localhost, but not for a class that reaches the teacher's
    // machine at its network address (`--host 0.0.0.0`), so it is off here,
    // and a production site, served over https, must turn it back on.
    // `HttpOnly` keeps page scripts from reading the id; `Lax` keeps the
    // cookie off requests that other sites' pages send, such as form posts.
    let sessions = SessionManagerLayer::new(store.clone())
        .with_name(course_kit::SESSION_COOKIE)
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_secure(false)
        // A session ends 300 seconds after the last request (or as
        // `--session-expiry` says).
        .with_expiry(Expiry::OnInactivity(sessions::expiry(settings)));
    let routes = Router::new()
        .route("/home/", get(home))
        .route("/page2/", get(page2))
        .layer(sessions);
    CHAPTER.app_with_sessions(routes, store)
}
// ANCHOR_END: app

pub const CHAPTER: Chapter = Chapter::new(
    2,
    "The test cookie",
    &[
        PageLink::new("/home/", "Set the test cookie"),
        PageLink::new("/page2/", "Did it work?"),
    ],
)
.with_options(&[sessions::SESSION_EXPIRY]);

// ANCHOR: test_cookie
/// The session key and value Django uses for its test cookie.
const TEST_COOKIE_KEY: &str = "testcookie";
const TEST_COOKIE_VALUE: &str = "worked";

/// Django's `request.session.set_test_cookie()`.
async fn set_test_cookie(session: &Session) -> Result<(), ErrorPage> {
    session.insert(TEST_COOKIE_KEY, TEST_COOKIE_VALUE).await?;
    Ok(())
}

/// Django's `request.session.test_cookie_worked()`: the mark is there only if
/// the browser sent the session cookie back, so the server found the session.
async fn test_cookie_worked(session: &Session) -> Result<bool, ErrorPage> {
    let value: Option<String> = session.get(TEST_COOKIE_KEY).await?;
    Ok(value.as_deref() == Some(TEST_COOKIE_VALUE))
}

/// Django's `request.session.delete_test_cookie()`.
async fn delete_test_cookie(session: &Session) -> Result<(), ErrorPage> {
    session.remove::<String>(TEST_COOKIE_KEY).await?;
    Ok(())
}
// ANCHOR_END: test_cookie

// ANCHOR: views
/// `/home/`: sets the mark. The session now holds something, so tower-sessions
/// saves it and sends `Set-Cookie: sessionid=…` with this response: a new
/// id for a new session, the same id for a known one. (Storing the value
/// that is already there changes nothing, so a visit that finds the mark in
/// place saves nothing and sets no cookie.)
async fn home(session: Session) -> Result<Markup, ErrorPage> {
    set_test_cookie(&session).await?;
    Ok(CHAPTER.page("Set test cookie", mark_set()))
}

/// `/page2/`: checks the mark, and deletes it if it was there.
async fn page2(session: Session) -> Result<Markup, ErrorPage> {
    let content = if test_cookie_worked(&session).await? {
        delete_test_cookie(&session).await?;
        worked()
    } else {
        did_not_work()
    };
    Ok(CHAPTER.page("Page 2", content))
}
// ANCHOR_END: views

// ---------------------------------------------------------------------------
// The pages' words around the lesson.

fn mark_set() -> Markup {
    html! {
        h1 { "Set test cookie" }
        p {
            "The server stored " code { "testcookie = \"worked\"" } " in your session. "
            "If the session is new, this response asks your browser to keep its id in a "
            code { "sessionid" } " cookie (see " code { "Set-Cookie" } " in the wire inspector). "
            "If the mark was already there, nothing changed, and the response sets no cookie."
        }
        p { "Now " a href="/page2/" { "go to page 2" } ": if your browser sends the cookie back, the server will find the mark." }
    }
}

fn worked() -> Markup {
    html! {
        h1 { "Test cookie worked" }
        p {
            "Your browser sent the " code { "sessionid" } " cookie back, the server found "
            "the session, and the mark was in it. So this browser accepts cookies."
        }
        p {
            "The mark has now been deleted from the session. The session itself stays, and so does "
            "its cookie: the wire inspector shows the record, now without " code { "testcookie" } ". "
            "Reload this page: your browser still sends " code { "sessionid" } ", the server still "
            "finds the session, but the mark is gone, so the test will not work any more."
        }
    }
}

fn did_not_work() -> Markup {
    html! {
        h1 { "Test cookie did not work" }
        p { "This request found no test mark in any session. There are four reasons it can happen:" }
        ul {
            li { "You have not visited " a href="/home/" { "/home/" } " yet, so nothing was set." }
            li { "You already checked: a successful check deletes the mark. "
                 "Visit " a href="/home/" { "/home/" } " again to set a new one." }
            li { "Your browser does not send cookies back (you blocked them). Then the server can never find your session." }
            li { "Your browser sent a " code { "sessionid" } " this server does not know: one from another chapter "
                 "(cookies belong to 127.0.0.1, not to a port), or one from before the server restarted." }
        }
        p { "Look at the wire inspector: did your browser send a " code { "sessionid" } " cookie with this request?" }
    }
}
