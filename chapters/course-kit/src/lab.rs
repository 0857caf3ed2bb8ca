//! Attack labs: the pieces the security chapters share. In a lab the attack
//! runs for real against the chapter: a second site, served by the same
//! program on another port (of `127.0.0.1`, or of `localhost`, which the
//! browser counts as another *site*), plays the attacker. And a page served
//! with a defence switched off says so, loudly, at the top.

use axum::{
    Router,
    extract::Request,
    http::{HeaderValue, header},
    middleware::{self, Next},
    response::Response,
    routing::get,
};
use maud::{Markup, html};

use crate::{OtherSite, layout};

/// A box for the top of a page whose defence `what` is switched off, with
/// why that is dangerous and how to switch it back on.
pub fn defence_off(what: &str, consequence: &str, switch_on: &str) -> Markup {
    html! {
        div.defence-off role="alert" {
            p { strong { "Defence off: " (what) "." } " " (consequence) }
            p { "To switch it back on: " (switch_on) "." }
        }
    }
}

/// A page of the attacker's site: the course's layout with a banner that
/// says whose site this is, so that nobody mistakes it for the chapter.
pub fn attacker_page(title: &str, content: Markup) -> Markup {
    let header = html! {
        p.attacker { "The attacker's site (part of the lab: it attacks the chapter you are running)" }
    };
    layout::page_with(
        &format!("{title} · attacker's site"),
        header,
        content,
        false,
    )
}

/// The attacker's site, on `host:port`, with the course's stylesheet.
///
/// Its pages may do what an attacker's pages do: run a script that submits a
/// form to the chapter, or show an image whose address is one of the
/// chapter's pages. So its Content-Security-Policy is not the chapter's
/// strict one: it allows inline scripts, and forms and images that go
/// anywhere. The chapter's own pages keep the strict policy.
pub fn attacker_site(host: &'static str, port: u16, routes: Router) -> OtherSite {
    let router = routes
        .route("/course.css", get(layout::stylesheet))
        .layer(middleware::from_fn(attacker_headers));
    OtherSite {
        name: "Attacker",
        host,
        port,
        router,
    }
}

async fn attacker_headers(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    layout::set_security_headers(
        headers,
        "default-src 'none'; style-src 'self'; script-src 'unsafe-inline'; \
         img-src * data:; form-action *; base-uri 'none'",
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// The port of a lab's attacker site: the chapter's own port + 100 (3109
/// for chapter 9, 3110 for chapter 10), so that `--port 4009` moves it to
/// 4109. A chapter on a port above 65435 gets its port - 100 instead.
pub fn attacker_port(chapter_port: u16) -> u16 {
    chapter_port
        .checked_add(100)
        .unwrap_or(chapter_port.wrapping_sub(100))
}

/// A new session id, from the source of every id the kit's own store makes:
/// random, or 1, 2, 3… once the screenshots asked for predictable ids (see
/// [`crate::use_predictable_ids_for_screenshots`]). Chapter 11's stores
/// (SQLite, Redis) give their new sessions ids from here, so that their
/// screenshots stay the same from one run to the next.
pub fn new_session_id() -> tower_sessions::session::Id {
    tower_sessions::session::Id(i128::from_le_bytes(crate::random::bytes()))
}
