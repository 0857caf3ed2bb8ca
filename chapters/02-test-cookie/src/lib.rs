//! # Chapter 2: the test cookie
//!
//! Before a site relies on cookies, it can check that the browser sends them
//! back at all: some people block cookies, and then no login or cart can work.
//! Django's session API has three calls for this, and this chapter writes
//! them over tower-sessions' `Session`, with Django's meaning:
//!
//! - `set_test_cookie` stores `testcookie = "worked"` in the session;
//! - `test_cookie_worked` is true if a later request finds that mark again;
//! - `delete_test_cookie` removes the mark.
//!
//! Note what the "test cookie" really is. It is not a cookie of its own: the
//! mark lives in the *session*, on the server. The only cookie is
//! `sessionid`, which carries the session's id. If the browser sends that
//! cookie back, the server finds the session and the mark in it; if not, the
//! next request starts with an empty, new session and the mark is gone.
//!
//! Pages: `/home/` sets the mark, `/page2/` checks it (and deletes it).

use axum::{Router, routing::get};
use course_kit::{Chapter, ErrorPage, PageLink};
use maud::{Markup, html};
use tower_sessions::{MemoryStore, Session, SessionManagerLayer, cookie::SameSite};

pub const CHAPTER: Chapter = Chapter {
    number: 2,
    title: "The test cookie",
    pages: &[
        PageLink {
            path: "/home/",
            label: "Set the test cookie",
        },
        PageLink {
            path: "/page2/",
            label: "Did it work?",
        },
    ],
};

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

// ANCHOR: app
pub fn app() -> Router {
    let store = MemoryStore::default();
    // The session cookie's attributes. tower-sessions defaults to `Secure`
    // and `SameSite=Strict`; a `Secure` cookie is only ever sent over https,
    // and this course runs on plain http://127.0.0.1, where many browsers
    // and HTTP clients would drop it. So: not Secure here, and a production
    // site, served over https, must turn `Secure` back on. `HttpOnly` keeps
    // page scripts from reading the id; `Lax` keeps the cookie off
    // cross-site form posts.
    let sessions = SessionManagerLayer::new(store.clone())
        .with_name(course_kit::SESSION_COOKIE)
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_secure(false);
    let routes = Router::new()
        .route("/home/", get(home))
        .route("/page2/", get(page2))
        .layer(sessions);
    CHAPTER.app_with_session_store(routes, store)
}
// ANCHOR_END: app

// ANCHOR: views
/// `/home/`: sets the mark. The session now holds something, so tower-sessions
/// saves it and sends `Set-Cookie: sessionid=…` with this response: a new
/// id for a new session, the same id for a known one. (Storing the value
/// that is already there changes nothing, so a visit that finds the mark in
/// place saves nothing and sets no cookie.)
async fn home(session: Session) -> Result<Markup, ErrorPage> {
    set_test_cookie(&session).await?;
    let content = html! {
        h1 { "Set test cookie" }
        p {
            "The server stored " code { "testcookie = \"worked\"" } " in your session. "
            "If the session is new, this response asks your browser to keep its id in a "
            code { "sessionid" } " cookie (see " code { "Set-Cookie" } " in the wire inspector). "
            "If the mark was already there, nothing changed, and the response sets no cookie."
        }
        p { "Now " a href="/page2/" { "go to page 2" } ": if your browser sends the cookie back, the server will find the mark." }
    };
    Ok(CHAPTER.page("Set test cookie", content))
}

/// `/page2/`: checks the mark, and deletes it if it was there.
async fn page2(session: Session) -> Result<Markup, ErrorPage> {
    let content = if test_cookie_worked(&session).await? {
        delete_test_cookie(&session).await?;
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
    } else {
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
    };
    Ok(CHAPTER.page("Page 2", content))
}
// ANCHOR_END: views
