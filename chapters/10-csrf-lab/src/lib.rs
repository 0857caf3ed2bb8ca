//! # Chapter 10: cross-site request forgery, a lab
//!
//! A browser attaches a site's cookies to the requests that *other* sites'
//! pages make it send. This chapter runs that attack for real. The victim, on
//! <http://127.0.0.1:3010/>, is a small account: log in as alice (no password:
//! the lesson is CSRF, not passwords), change her e-mail address with a POST,
//! and, the site's deliberate mistake, unsubscribe her from a newsletter with
//! a GET. The same program serves the attacker's pages twice: on
//! <http://localhost:3110/>, another *site*, and on <http://127.0.0.1:3210/>,
//! the same site on another port. They forge a form post, a link and an image.
//!
//! Three defences guard the state-changing requests, and the lab panel on the
//! victim's page switches each of them while the server runs: the session
//! cookie's `SameSite`, the CSRF token kept in the session, and the `Origin` /
//! `Sec-Fetch-Site` check. All are on at the start.
//!
//! Run it: `cargo run -p chapter-10` (or `just run 10`), then open
//! <http://127.0.0.1:3010/>. The book explains it in `book/src/chapter-10.md`.
//! This file is the lesson. So that it reads in one sitting, the rest is
//! beside it: the page texts in `src/pages.rs`, the lab's shared state in
//! `src/lab_state.rs`, the attacker's site in `src/attacker.rs`, and the
//! log-in, log-out and reset buttons in `src/buttons.rs`.

mod attacker;
mod buttons;
mod lab_state;
mod pages;

use axum::{
    Router,
    extract::State,
    http::{HeaderMap, HeaderValue, header},
    middleware,
    response::{IntoResponse, Response},
    routing::{get, post},
};
use course_kit::{
    Chapter, ErrorPage, PageLink, SESSION_COOKIE, Settings, Sites, csrf,
    forms::PostedForm,
    sessions::{self, SessionStore},
};
use serde::Deserialize;
use tower_sessions::{
    Expiry, Session, SessionManagerLayer,
    cookie::{Cookie, SameSite},
};

pub use attacker::{TOSSED_TOKEN, Urls};
pub use lab_state::{Account, CookieSameSite, Defences, Lab, LogEntry};

// ANCHOR: app
pub fn app(settings: &Settings) -> Sites {
    // The attacker's two copies: on localhost (another site) and on another
    // port of 127.0.0.1 (the same site), both aimed at this port.
    let urls = Urls::new(settings.port);
    let (attacker, same_site_attacker) = attacker::sites(&urls);
    let lab = Lab::new(urls);
    let store = SessionStore::default();
    let sessions = SessionManagerLayer::new(store.clone())
        .with_name(SESSION_COOKIE)
        // Not Secure on plain http (chapter 7 says why); None adds it below.
        .with_secure(false)
        .with_http_only(true)
        // Only a starting value: `cookie_as_the_lab_says` below sets the
        // SameSite the lab panel chose, on every response.
        .with_same_site(SameSite::Lax)
        // Save, and so re-send the cookie, on every response: a new SameSite
        // reaches the browser with the very next page.
        .with_always_save(true)
        .with_expiry(Expiry::OnInactivity(sessions::expiry(settings)));
    let routes = Router::new()
        .route("/", get(account))
        .route("/login/", post(buttons::log_in))
        .route("/logout/", post(buttons::log_out))
        .route("/email/", post(change_email))
        .route("/unsubscribe/", get(unsubscribe))
        .route("/lab/", post(change_defences))
        .route("/lab/reset/", post(buttons::reset_account))
        .layer(sessions)
        .layer(middleware::map_response_with_state(
            lab.clone(),
            cookie_as_the_lab_says,
        ))
        .with_state(lab);
    Sites::new(CHAPTER.app_with_sessions(routes, store))
        .with(attacker)
        .with(same_site_attacker)
}
// ANCHOR_END: app

pub const CHAPTER: Chapter = Chapter::new(
    10,
    "Cross-site request forgery, a lab",
    &[PageLink::new("/", "Alice's account and the lab")],
)
.with_options(&[sessions::SESSION_EXPIRY]);

/// The session key that says who is logged in.
pub(crate) const USER_KEY: &str = "user";
/// The only account, and the address an attacker wants to give it.
pub const ALICE: &str = "alice";
pub const ATTACKER_EMAIL: &str = "mallory@evil.example";

/// Why a request was not carried out. Each defence refuses with its own reason.
pub enum Refusal {
    /// The Origin / Sec-Fetch-Site check: the request comes from another origin.
    CrossOrigin(String),
    /// The request carried no session cookie of a logged-in user.
    NotLoggedIn,
    /// The form's value cannot be used.
    BadInput(String),
    /// A check of the kit refused it (the CSRF token), or the store failed.
    Page(ErrorPage),
}

// ANCHOR: checks
/// The checks of a state-changing request, in order, each one only while its
/// defence is on; then whose account it is. `token` is the form's token; a GET
/// has none to check.
async fn checks(
    defences: &Defences,
    session: &Session,
    headers: &HeaderMap,
    token: Option<&str>,
) -> Result<String, Refusal> {
    // Where does it come from? The browser says so in Sec-Fetch-Site and
    // Origin, and no page can make it say otherwise.
    if defences.origin_check
        && let Some(reason) = csrf::cross_origin(headers)
    {
        return Err(Refusal::CrossOrigin(reason));
    }
    // Does it carry the token that this server put into the visitor's own
    // form? It is kept in the session, where no other site can read or set it.
    if defences.token_check
        && let Some(submitted) = token
    {
        csrf::check_session_token(session, submitted).await?;
    }
    // Whose account? Only a request that brought the session cookie has one,
    // and SameSite decides whether the browser brings it.
    match session.get::<String>(USER_KEY).await? {
        Some(user) => Ok(user),
        None => Err(Refusal::NotLoggedIn),
    }
}
// ANCHOR_END: checks

#[derive(Deserialize)]
struct EmailForm {
    #[serde(default)]
    email: String,
    #[serde(default, rename = "csrfmiddlewaretoken")]
    csrf_token: String,
}

// ANCHOR: change_email
/// The POST the defences protect: alice's e-mail address, where her password
/// reset links would go. Every attempt, refused or not, goes into the lab's log.
async fn change_email(
    State(lab): State<Lab>,
    session: Session,
    headers: HeaderMap,
    PostedForm(form): PostedForm<EmailForm>,
) -> Response {
    let defences = lab.defences();
    let outcome = async {
        let user = checks(&defences, &session, &headers, Some(&form.csrf_token)).await?;
        let email = pages::checked_email(&form.email).map_err(Refusal::BadInput)?;
        lab.change_account(|account| account.email = email.clone());
        Ok(format!("{user}'s e-mail address is now {email}."))
    }
    .await;
    lab.record("POST /email/", &headers, &outcome);
    pages::outcome(&defences, outcome)
}
// ANCHOR_END: change_email

// ANCHOR: unsubscribe
/// THE SITE'S MISTAKE, kept on purpose: a GET that changes something, like
/// the "unsubscribe" link of a newsletter e-mail. A link or an image on any
/// page can make the browser send it, and it carries no token to check.
async fn unsubscribe(State(lab): State<Lab>, session: Session, headers: HeaderMap) -> Response {
    let defences = lab.defences();
    let outcome = async {
        let user = checks(&defences, &session, &headers, None).await?;
        lab.change_account(|account| account.subscribed = false);
        Ok(format!("{user} is unsubscribed from the newsletter."))
    }
    .await;
    lab.record("GET /unsubscribe/", &headers, &outcome);
    pages::outcome(&defences, outcome)
}
// ANCHOR_END: unsubscribe

// ANCHOR: same_site
/// tower-sessions builds the session cookie's attributes once, when its layer
/// is made; the lab changes SameSite while the server runs. So on its way
/// out, every `Set-Cookie: sessionid=…` gets the SameSite the panel says now.
async fn cookie_as_the_lab_says(State(lab): State<Lab>, mut response: Response) -> Response {
    let same_site = lab.defences().same_site;
    let headers = response.headers_mut();
    let set_cookies: Vec<HeaderValue> = headers
        .get_all(header::SET_COOKIE)
        .iter()
        .cloned()
        .collect();
    headers.remove(header::SET_COOKIE);
    for value in set_cookies {
        let parsed = value
            .to_str()
            .ok()
            .and_then(|text| Cookie::parse(text.to_string()).ok());
        let value = match parsed {
            Some(mut cookie) if cookie.name() == SESSION_COOKIE => {
                match same_site {
                    CookieSameSite::Strict => cookie.set_same_site(SameSite::Strict),
                    CookieSameSite::Lax => cookie.set_same_site(SameSite::Lax),
                    // Browsers drop a SameSite=None cookie that is not Secure.
                    CookieSameSite::NoneSecure => {
                        cookie.set_same_site(SameSite::None);
                        cookie.set_secure(true);
                    }
                    CookieSameSite::NotSet => cookie.set_same_site(None),
                }
                HeaderValue::from_str(&cookie.to_string()).unwrap_or(value)
            }
            _ => value,
        };
        headers.append(header::SET_COOKIE, value);
    }
    response
}
// ANCHOR_END: same_site

/// The victim's one page: alice's account, the lab panel, and the log.
async fn account(State(lab): State<Lab>, session: Session) -> Response {
    let page = async {
        let token = csrf::issue_session_token(&session).await?;
        let user: Option<String> = session.get(USER_KEY).await?;
        Ok(pages::account(&lab, user.as_deref(), &token))
    }
    .await;
    match page {
        Ok(page) => page.into_response(),
        Err(refusal) => pages::refused(&lab.defences(), &refusal),
    }
}

/// The requests of the victim's own buttons (log in, log out, the lab panel)
/// are always checked, whatever the panel says: otherwise another site could
/// log the visitor in, or switch the defences off.
pub(crate) async fn always_checked(
    session: &Session,
    headers: &HeaderMap,
    token: &str,
) -> Result<(), Refusal> {
    csrf::check_same_origin(headers)?;
    csrf::check_session_token(session, token).await?;
    Ok(())
}

/// What a button of the lab panel sends: the setting it changes, and the
/// new value (`same_site=Strict`, `token_check=off`).
#[derive(Deserialize)]
struct DefencesForm {
    same_site: Option<String>,
    token_check: Option<String>,
    origin_check: Option<String>,
    #[serde(default, rename = "csrfmiddlewaretoken")]
    csrf_token: String,
}

// ANCHOR: panel
/// The lab panel's buttons: the defences, switched while the server runs.
async fn change_defences(
    State(lab): State<Lab>,
    session: Session,
    headers: HeaderMap,
    PostedForm(form): PostedForm<DefencesForm>,
) -> Response {
    let outcome = async {
        always_checked(&session, &headers, &form.csrf_token).await?;
        let mut defences = lab.defences();
        if let Some(value) = &form.same_site {
            defences.same_site = CookieSameSite::from_form(value).map_err(Refusal::BadInput)?;
        }
        if let Some(value) = &form.token_check {
            defences.token_check = lab_state::switch(value).map_err(Refusal::BadInput)?;
        }
        if let Some(value) = &form.origin_check {
            defences.origin_check = lab_state::switch(value).map_err(Refusal::BadInput)?;
        }
        lab.set_defences(defences);
        Ok(())
    }
    .await;
    pages::back_to_account(&lab.defences(), outcome)
}
// ANCHOR_END: panel
