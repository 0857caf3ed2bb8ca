//! # Chapter 9: login to logout
//!
//! The notes define a session as "Login to Logout (facebook, gmail)". Here
//! the session starts to mean *you*: whoever presents its id is signed in
//! as you. So a login must do four things the sessions of chapters 5-7 did
//! not. It checks a password against a **hash**, never a stored password,
//! and answers a wrong password and an unknown user alike. It gives the
//! session a **new id** (tower-sessions' `cycle_id`, Django's `cycle_key`),
//! so that an id known before login is worthless after it. It ends the
//! session after an **idle timeout** and an **absolute lifetime**. And
//! logout **flushes** it: the record is deleted, the cookie removed. The
//! session stores only the user's id; the name is looked up each request.
//!
//! The fixation lab: `--no-rotate` switches the new id off, and the
//! attacker's site, <http://127.0.0.1:3109/> (see `src/attacker.rs`),
//! shows what that costs. (The demo accounts are in `src/accounts.rs`, the
//! login throttle in `src/throttle.rs`, the pages' words in `src/pages.rs`.
//! This file is longer than the other chapters', some 350 lines: a login has
//! more steps, and each is here to be read.)
//!
//! Run it: `cargo run -p chapter-9` (or `just run 9`), then open
//! <http://127.0.0.1:3009/login/>. The book explains it in `book/src/chapter-9.md`.

mod accounts;
mod attacker;
mod pages;
mod throttle;

use std::{
    sync::{Arc, Mutex, MutexGuard},
    time::Instant,
};

use axum::{
    Router,
    extract::State,
    http::{StatusCode, header},
    response::{IntoResponse, Redirect, Response},
    routing::{get, post},
};
use course_kit::{
    Chapter, CliOption, ErrorPage, OptionValue, PageLink, SESSION_COOKIE, Settings, Sites, csrf,
    forms::PostedForm, lab, sessions::SessionStore,
};
use maud::Markup;
use serde::Deserialize;
use tower_sessions::{
    Expiry, Session, SessionManagerLayer,
    cookie::{
        SameSite,
        time::{Duration, OffsetDateTime},
    },
};

use accounts::Account;
use throttle::LoginThrottle;

// ANCHOR: app
pub fn app(settings: &Settings) -> Sites {
    let store = SessionStore::default();
    let login = Login::new(settings);
    let sessions = SessionManagerLayer::new(store.clone())
        .with_name(SESSION_COOKIE)
        .with_secure(false) // plain http in class (see chapter 7); production sets it
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        // The idle timeout: a session ends this long after its last request.
        .with_expiry(Expiry::OnInactivity(login.idle))
        // tower-sessions saves only a session that changed; saving after
        // every request is what makes "its last request" push the end further.
        .with_always_save(true);
    let routes = Router::new()
        .route("/login/", get(login_form).post(log_in))
        .route("/account/", get(account))
        .route("/logout/", post(log_out))
        .with_state(login)
        .layer(sessions);
    let chapter = CHAPTER.app_with_sessions(routes, store);
    // The attacker's site looks into the chapter by sending requests into
    // this very Router, as a browser would send them to port 3009.
    let attacker = attacker::site(chapter.clone(), settings);
    Sites::new(chapter).with(attacker)
}
// ANCHOR_END: app

pub const CHAPTER: Chapter = Chapter::new(
    9,
    "Login to logout",
    &[
        PageLink::new("/login/", "Log in"),
        PageLink::new("/account/", "Your account"),
    ],
)
.with_options(&[
    CliOption {
        name: "--no-rotate",
        value: OptionValue::Flag,
        help: "switch a defence off: keep the session id at login (the session fixation lab)",
    },
    CliOption {
        name: "--idle-timeout",
        value: OptionValue::Seconds { default: 300 },
        help: "end a session after this many seconds without a request",
    },
    CliOption {
        name: "--absolute-timeout",
        value: OptionValue::Seconds { default: 3600 },
        help: "end a login this many seconds after it began, however busy",
    },
    CliOption {
        name: "--lockout",
        value: OptionValue::Seconds { default: 60 },
        help: "after 5 failed logins on one username, refuse it for this many seconds",
    },
]);

/// The session keys. The session holds the user's id and the moment of
/// login, never a name or a password.
const USER_ID: &str = "user_id";
const LOGIN_TIME: &str = "login_time";

/// What the handlers share: the command line's choices, and the throttle.
#[derive(Clone)]
struct Login {
    rotate: bool,
    idle: Duration,
    absolute: Duration,
    lockout: Duration,
    throttle: Arc<Mutex<LoginThrottle>>,
    attacker_url: String,
}

// ANCHOR: visitor
/// Who a request's session says the visitor is.
enum Visitor {
    Anonymous,
    SignedIn {
        account: &'static Account,
        login_time: OffsetDateTime,
    },
    /// Was signed in, until the login outlived the absolute timeout just now.
    LifetimeOver {
        login_time: OffsetDateTime,
    },
}

async fn visitor(session: &Session, login: &Login) -> Result<Visitor, ErrorPage> {
    let Some(user_id) = session.get::<u32>(USER_ID).await? else {
        return Ok(Visitor::Anonymous);
    };
    let login_time = session.get::<i64>(LOGIN_TIME).await?;
    let login_time = login_time.and_then(|t| OffsetDateTime::from_unix_timestamp(t).ok());
    // The name is looked up on every request, from the id: rename alice,
    // and her very next page shows the new name.
    let (Some(account), Some(login_time)) = (accounts::by_id(user_id), login_time) else {
        session.flush().await?; // an account that is gone signs nobody in
        return Ok(Visitor::Anonymous);
    };
    // The absolute timeout is checked here, on the server, on every request:
    // a busy session (or a thief's script) cannot push it further.
    if OffsetDateTime::now_utc() - login_time >= login.absolute {
        session.flush().await?;
        return Ok(Visitor::LifetimeOver { login_time });
    }
    Ok(Visitor::SignedIn {
        account,
        login_time,
    })
}
// ANCHOR_END: visitor

async fn login_form(State(login): State<Login>, session: Session) -> Result<Markup, ErrorPage> {
    let visitor = visitor(&session, &login).await?;
    login.form_page(&session, &visitor, "", None).await
}

/// The login form's fields, each a `String` so that any body parses.
#[derive(Deserialize)]
struct LoginForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    #[serde(default, rename = "csrfmiddlewaretoken")]
    csrf_token: String,
}

// ANCHOR: log_in
async fn log_in(
    State(login): State<Login>,
    session: Session,
    PostedForm(form): PostedForm<LoginForm>,
) -> Result<Response, ErrorPage> {
    csrf::check_session_token(&session, &form.csrf_token).await?;
    // Too many failures on this username lately: refused before any hashing.
    let allowed = login.throttle().check(&form.username, Instant::now());
    if let Err(wait) = allowed {
        let visitor = visitor(&session, &login).await?;
        let notice = pages::refused(wait);
        let page = login
            .form_page(&session, &visitor, &form.username, Some(notice))
            .await?;
        let retry_after = wait.as_secs().max(1).to_string();
        return Ok((
            StatusCode::TOO_MANY_REQUESTS,
            [(header::RETRY_AFTER, retry_after)],
            page,
        )
            .into_response());
    }
    // One hash is checked whatever was typed: the same message and about the
    // same time for a wrong password and for a username that does not exist.
    let Some(account) = accounts::authenticate(&form.username, &form.password).await else {
        let after = login.throttle().failed(&form.username, Instant::now());
        let visitor = visitor(&session, &login).await?;
        let notice = pages::login_failed(&after);
        let page = login
            .form_page(&session, &visitor, &form.username, Some(notice))
            .await?;
        return Ok(page.into_response());
    };
    login.throttle().succeeded(&form.username);
    start_login(&session, account, login.rotate).await?;
    Ok(Redirect::to("/account/").into_response()) // 303 See Other
}
// ANCHOR_END: log_in

// ANCHOR: start_login
/// Django's `login()`: the session becomes this account's.
async fn start_login(session: &Session, account: &Account, rotate: bool) -> Result<(), ErrorPage> {
    if rotate {
        match session.get::<u32>(USER_ID).await? {
            // Someone else's session: start over, empty (Django's flush()).
            Some(other) if other != account.id => session.flush().await?,
            // Keep the data under a new id, and delete the record under the
            // old one (Django's cycle_key()): an id that anyone learned or
            // planted before this login now names nothing.
            _ => session.cycle_id().await?,
        }
    }
    session.insert(USER_ID, account.id).await?;
    session
        .insert(LOGIN_TIME, OffsetDateTime::now_utc().unix_timestamp())
        .await?;
    // A new CSRF token as well (Django's rotate_token()): the old one, too,
    // was known before login. The next form gets a fresh one.
    session.remove_value(csrf::SESSION_KEY).await?;
    Ok(())
}
// ANCHOR_END: start_login

// ANCHOR: account
async fn account(State(login): State<Login>, session: Session) -> Result<Response, ErrorPage> {
    match visitor(&session, &login).await? {
        // Not signed in: to the login page, as Django's @login_required does.
        Visitor::Anonymous => Ok(Redirect::to("/login/").into_response()),
        Visitor::LifetimeOver { login_time } => {
            let content = pages::lifetime_over(login_time, login.absolute);
            Ok(login.page("Signed out", content).into_response())
        }
        Visitor::SignedIn {
            account,
            login_time,
        } => {
            // The logout button is a form, so it needs a token.
            let token = csrf::issue_session_token(&session).await?;
            let timeouts = pages::Timeouts::of(&session, &login, login_time);
            let id = session_id(&session).await?;
            let content = pages::account(account, &id, &timeouts, login.rotate, &token);
            Ok(login.page("Your account", content).into_response())
        }
    }
}
// ANCHOR_END: account

/// The logout button's form.
#[derive(Deserialize)]
struct LogoutForm {
    #[serde(default, rename = "csrfmiddlewaretoken")]
    csrf_token: String,
}

// ANCHOR: log_out
async fn log_out(
    session: Session,
    PostedForm(form): PostedForm<LogoutForm>,
) -> Result<Redirect, ErrorPage> {
    // A POST with a token: another site cannot log you out behind your back.
    csrf::check_session_token(&session, &form.csrf_token).await?;
    // Django's logout() calls flush(): the record is deleted from the store,
    // so this id, and every copy of it, names nothing any more; and
    // tower-sessions answers with `Max-Age=0`, which deletes the cookie.
    session.flush().await?;
    Ok(Redirect::to("/login/"))
}
// ANCHOR_END: log_out

impl Login {
    fn new(settings: &Settings) -> Self {
        let seconds = |name| {
            Duration::seconds(
                settings
                    .seconds(name)
                    .as_secs()
                    .try_into()
                    .unwrap_or(i64::MAX),
            )
        };
        let lockout = settings.seconds("--lockout");
        Self {
            rotate: !settings.flag("--no-rotate"),
            idle: seconds("--idle-timeout"),
            absolute: seconds("--absolute-timeout"),
            lockout: seconds("--lockout"),
            throttle: Arc::new(Mutex::new(LoginThrottle::new(lockout))),
            attacker_url: format!("http://127.0.0.1:{}/", lab::attacker_port(settings.port)),
        }
    }

    /// The throttle. A thread that panicked while holding it cannot have
    /// left it half-changed, so a poisoned lock is used as it is.
    fn throttle(&self) -> MutexGuard<'_, LoginThrottle> {
        self.throttle
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// A page of this chapter: with the loud box on top while a defence is off.
    fn page(&self, title: &str, content: Markup) -> Markup {
        CHAPTER.page(
            title,
            pages::with_lab(self.rotate, &self.attacker_url, content),
        )
    }

    /// The login page: the form (its token starts a session, the pre-login
    /// session the fixation lab plants), and a notice, if there is one.
    async fn form_page(
        &self,
        session: &Session,
        visitor: &Visitor,
        username: &str,
        notice: Option<Markup>,
    ) -> Result<Markup, ErrorPage> {
        let token = csrf::issue_session_token(session).await?;
        let id = session_id(session).await?;
        let content = pages::login(self, visitor, username, notice, &token, &id);
        Ok(self.page("Log in", content))
    }
}

/// The session's id, for the page to show. A session that begins in this
/// request gets its id when it is first saved, so it is saved now.
async fn session_id(session: &Session) -> Result<String, ErrorPage> {
    if session.id().is_none() {
        session.save().await?;
    }
    Ok(session.id().map(|id| id.to_string()).unwrap_or_default())
}
