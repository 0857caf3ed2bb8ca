//! The fixation lab's attacker: a second site, `http://127.0.0.1:3109/`
//! (the chapter's port + 100), served by the same program.
//!
//! Session fixation, in three steps:
//! 1. The attacker gets a real session id from the chapter: its login page
//!    starts a session, to hold the form's CSRF token.
//! 2. It plants that id in the victim's browser, as the `sessionid` cookie.
//!    It can: cookies belong to a host, not a port, so a page of
//!    127.0.0.1:3109 may set a cookie that the browser then sends to
//!    127.0.0.1:3009. (Elsewhere, a sibling subdomain, a page that can set
//!    cookies, or a link carrying the id, as in chapter 7, do the same.)
//! 3. The victim logs in. If the chapter keeps the id at login
//!    (`--no-rotate`), the attacker's copy of the id is now signed in.
//!
//! The attacker looks into the chapter for real: its requests go into the
//! chapter's own `Router`, in-process, exactly as a request over the network
//! would arrive (a real attacker would use curl). In-process, the lab needs
//! no HTTP client and follows the chapter to any `--port`. Each request is
//! printed in the request log, marked `[Attacker → chapter]`.
//!
//! This site never reads the cookies the browser sends it, though it could:
//! the browser sends 127.0.0.1's cookies, the chapter's `sessionid` among
//! them, to this port too. An attacker's site on another host never gets
//! them; the lab plays one, and uses only the id it planted.

use std::sync::{Arc, Mutex, MutexGuard};

use axum::{
    Router,
    body::{Body, to_bytes},
    extract::State,
    http::{HeaderMap, HeaderValue, Request, StatusCode, header},
    response::{IntoResponse, Response},
    routing::get,
};
use course_kit::{OtherSite, SESSION_COOKIE, Settings, format_date, lab};
use maud::{Markup, html};
use tower::ServiceExt;
use tower_sessions::cookie::{Cookie, time::OffsetDateTime};

/// The attacker's site.
pub fn site(chapter: Router, settings: &Settings) -> OtherSite {
    let attacker = Attacker {
        chapter,
        chapter_host: format!("127.0.0.1:{}", settings.port),
        planted: Arc::default(),
    };
    let routes = Router::new()
        .route("/", get(look_in))
        .route("/plant/", get(plant))
        .with_state(attacker);
    lab::attacker_site("127.0.0.1", lab::attacker_port(settings.port), routes)
}

#[derive(Clone)]
struct Attacker {
    /// The chapter's site, to send requests into.
    chapter: Router,
    /// Where the chapter listens, as the `Host` header and links name it.
    chapter_host: String,
    /// The last id the attacker planted: the attacker's own copy.
    planted: Arc<Mutex<Option<Planted>>>,
}

#[derive(Clone)]
struct Planted {
    id: String,
    at: OffsetDateTime,
}

// ANCHOR: plant
async fn plant(State(attacker): State<Attacker>) -> Response {
    // 1. A fresh pre-login session id, from the chapter's login page.
    let answer = attacker.visit("/login/", None).await;
    let Some(id) = answer.new_session_id() else {
        let content = html! { p.notice { "The chapter gave no session id (it answered " (answer.status) ")." } };
        return (
            StatusCode::BAD_GATEWAY,
            lab::attacker_page("No prize", content),
        )
            .into_response();
    };
    // 2. The attacker keeps a copy.
    let planted = Planted {
        id: id.clone(),
        at: OffsetDateTime::now_utc(),
    };
    *attacker.planted() = Some(planted);
    // 3. Plant it. This response comes from 127.0.0.1:3109, but the browser
    //    files the cookie under the host, 127.0.0.1, and so sends it to the
    //    chapter too, where it replaces the visitor's own `sessionid`.
    let cookie = Cookie::build((SESSION_COOKIE, id.clone()))
        .path("/")
        .build();
    let content = planted_page(&id, &attacker.chapter_host);
    match HeaderValue::from_str(&cookie.to_string()) {
        Ok(set_cookie) => (
            [(header::SET_COOKIE, set_cookie)],
            lab::attacker_page("Your prize", content),
        )
            .into_response(),
        Err(_) => (
            StatusCode::BAD_GATEWAY,
            "the chapter's id cannot be a cookie",
        )
            .into_response(),
    }
}
// ANCHOR_END: plant

// ANCHOR: look_in
async fn look_in(State(attacker): State<Attacker>) -> Markup {
    let planted = attacker.planted().clone();
    let seen = match &planted {
        // What the chapter shows to whoever presents the planted id: its
        // account page, with `Cookie: sessionid=<the planted id>`.
        Some(planted) => Some(attacker.visit("/account/", Some(&planted.id)).await),
        None => None,
    };
    lab::attacker_page(
        "What the attacker sees",
        look_in_page(planted.as_ref(), seen.as_ref()),
    )
}
// ANCHOR_END: look_in

/// The chapter's answer to one of the attacker's requests.
struct Answer {
    status: StatusCode,
    headers: HeaderMap,
    body: String,
}

impl Attacker {
    fn planted(&self) -> MutexGuard<'_, Option<Planted>> {
        self.planted
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// `GET path` on the chapter, with the session id as a cookie if one is given.
    async fn visit(&self, path: &str, session_id: Option<&str>) -> Answer {
        let mut request = Request::builder()
            .uri(path)
            .header(header::HOST, &self.chapter_host);
        if let Some(id) = session_id {
            request = request.header(header::COOKIE, format!("{SESSION_COOKIE}={id}"));
        }
        let request = request.body(Body::empty()).unwrap_or_default();
        let sent = request.headers().clone();
        let Ok(response) = self.chapter.clone().oneshot(request).await;
        let status = response.status();
        let headers = response.headers().clone();
        // The chapter's pages are a few kilobytes; a megabyte is plenty.
        let body = to_bytes(response.into_body(), 1 << 20)
            .await
            .unwrap_or_default();
        let line = course_kit::log_line("GET", path, &sent, status, &headers);
        println!("[Attacker → chapter] {line}");
        Answer {
            status,
            headers,
            body: String::from_utf8_lossy(&body).into_owned(),
        }
    }
}

impl Answer {
    /// The session id a `Set-Cookie` of this answer gives, if any.
    fn new_session_id(&self) -> Option<String> {
        self.headers
            .get_all(header::SET_COOKIE)
            .iter()
            .filter_map(|value| Cookie::parse(value.to_str().ok()?.to_string()).ok())
            .find(|cookie| {
                cookie.name() == SESSION_COOKIE
                    && cookie.max_age().is_none_or(|age| age.is_positive())
            })
            .map(|cookie| cookie.value().to_string())
    }

    /// The text of the page's first heading, which on the chapter's account
    /// page says who is signed in.
    fn heading(&self) -> Option<String> {
        let start = self.body.find("<h1>")? + "<h1>".len();
        let end = start + self.body[start..].find("</h1>")?;
        Some(unescape(&self.body[start..end]))
    }
}

/// The text of HTML that maud escaped. It is escaped again when shown.
fn unescape(html: &str) -> String {
    html.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&amp;", "&")
}

// ---------------------------------------------------------------------------
// The attacker's pages.

fn planted_page(id: &str, chapter_host: &str) -> Markup {
    html! {
        h1 { "You won a prize!" }
        p { "To claim it, log in at the chapter:" }
        p { a href=(format!("http://{chapter_host}/login/")) { "Log in to claim your prize" } }
        div.explain {
            p {
                "What just happened: this site asked the chapter for its login page, which started a session, "
                "and kept that session's id, " code { (id) } ". Its answer to you set that id as your "
                code { "sessionid" } " cookie. The cookie came from this site, on another port, but it is "
                "127.0.0.1's cookie: your browser sends it to the chapter too."
            }
            p { "Log in, then come back to " a href="/" { "see what the attacker sees" } "." }
        }
    }
}

fn look_in_page(planted: Option<&Planted>, seen: Option<&Answer>) -> Markup {
    html! {
        h1 { "What the attacker sees" }
        @match (planted, seen) {
            (Some(planted), Some(seen)) => {
                p {
                    "The id this site planted at " (format_date(planted.at)) ": " code { (planted.id) } ". "
                    "It just asked the chapter for " code { "/account/" } " with it."
                }
                @if seen.status == StatusCode::OK {
                    p.notice role="alert" {
                        "The chapter answered " (seen.status) ", and its page says: "
                        strong { (seen.heading().unwrap_or_default()) } ". "
                        "The attacker is in that account, without its password."
                    }
                } @else {
                    p.success role="status" {
                        "The chapter answered " (seen.status)
                        @if let Some(location) = seen.headers.get(header::LOCATION).and_then(|l| l.to_str().ok()) {
                            ", sending the attacker to " code { (location) }
                        }
                        ": the planted id is signed in to nothing. Nothing to see."
                    }
                    p {
                        "If you logged in after it was planted, the chapter gave your session a new id at login, "
                        "and deleted the record under this one."
                    }
                }
            }
            _ => p { "This site has planted no session id yet." },
        }
        p { a href="/plant/" { "Claim your prize" } " (plants a new session id in your browser, then asks you to log in)." }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headings_are_read_as_text() {
        let answer = Answer {
            status: StatusCode::OK,
            headers: HeaderMap::new(),
            body: "<main><h1>Signed in as a&amp;b &lt;i&gt;</h1></main>".to_string(),
        };
        assert_eq!(answer.heading().as_deref(), Some("Signed in as a&b <i>"));
        let none = Answer {
            body: "<p>no heading</p>".to_string(),
            ..answer
        };
        assert_eq!(none.heading(), None);
    }

    #[test]
    fn only_a_cookie_that_is_kept_gives_an_id() {
        let mut headers = HeaderMap::new();
        headers.append(
            header::SET_COOKIE,
            HeaderValue::from_static("csrftoken=x; Path=/"),
        );
        headers.append(
            header::SET_COOKIE,
            HeaderValue::from_static("sessionid=gone; Max-Age=0"),
        );
        let answer = Answer {
            status: StatusCode::OK,
            headers,
            body: String::new(),
        };
        assert_eq!(answer.new_session_id(), None);
        let mut headers = answer.headers.clone();
        headers.append(
            header::SET_COOKIE,
            HeaderValue::from_static("sessionid=abc; Path=/; Max-Age=300"),
        );
        let answer = Answer { headers, ..answer };
        assert_eq!(answer.new_session_id().as_deref(), Some("abc"));
    }
}
