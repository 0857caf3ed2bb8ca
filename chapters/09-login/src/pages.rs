//! The words of chapter 9's pages, around the lesson in `lib.rs`: the login
//! form, the account page, the notices, and the fixation lab's box. They
//! live here so that `lib.rs` reads as the HTTP steps of logging in and out.

use std::time::Duration as StdDuration;

use course_kit::{csrf, format_date, lab};
use maud::{Markup, html};
use tower_sessions::{
    Session,
    cookie::time::{Duration, OffsetDateTime},
};

use crate::{
    Login, Visitor,
    accounts::{Account, DEMO_PASSWORDS},
    throttle::{AfterFailure, MAX_FAILURES},
};

/// A page's content, with the loud box on top while the defence is off,
/// and the fixation lab's box at the bottom.
pub fn with_lab(rotate: bool, attacker_url: &str, content: Markup) -> Markup {
    html! {
        @if !rotate {
            (lab::defence_off(
                "the session id is not changed at login (--no-rotate)",
                "An id that someone knew before you logged in, such as one an attacker planted in your browser, stays valid after it, and lets them in as you.",
                "restart the chapter without --no-rotate",
            ))
        }
        (content)
        div.explain {
            h2 { "The fixation lab" }
            p {
                "Beside this chapter runs " a href=(attacker_url) { "the attacker's site" } ". It gets a session id "
                "from this chapter, plants it in your browser's " code { "sessionid" } " cookie (any port of "
                "127.0.0.1 may set it), and waits for you to log in. Then it looks at this chapter's "
                code { "/account/" } " page with that id."
            }
            p {
                @if rotate {
                    "The defence is on: at login, the session gets a new id, and the planted one names nothing. "
                    "Run " code { "just run 9 --no-rotate" } " to see the attack succeed."
                } @else {
                    "The defence is off: the planted id stays the session's id at login, and the attacker is signed in as you."
                }
            }
        }
    }
}

/// The login page.
pub fn login(
    settings: &Login,
    visitor: &Visitor,
    username: &str,
    notice: Option<Markup>,
    token: &str,
    session_id: &str,
) -> Markup {
    html! {
        @if let Some(notice) = notice { (notice) }
        @match visitor {
            Visitor::SignedIn { account, .. } => p.success role="status" {
                "You are signed in as " strong { (account.name) } ": see " a href="/account/" { "your account" } ". "
                "Logging in as someone else here starts a new, empty session."
            },
            Visitor::LifetimeOver { login_time } => (lifetime_over_notice(*login_time, settings.absolute)),
            Visitor::Anonymous => {},
        }
        h1 { "Log in" }
        form method="post" action="/login/" {
            p {
                label for="username" { "Username" }
                input type="text" id="username" name="username" value=(username) autocomplete="username";
            }
            p {
                label for="password" { "Password" }
                input type="password" id="password" name="password" autocomplete="current-password";
            }
            (csrf::hidden_input(token))
            button type="submit" { "Log in" }
        }
        h2 { "Demo accounts, for the class" }
        table {
            thead { tr { th { "Username" } th { "Password" } } }
            tbody {
                @for (name, password) in DEMO_PASSWORDS {
                    tr { td { code { (name) } } td { code { (password) } } }
                }
            }
        }
        div.explain {
            p {
                "The server keeps neither password, only their Argon2 hashes. A wrong password and a "
                "username that does not exist get the same message, after about the same time. After "
                (MAX_FAILURES) " failed logins on one username, it is refused for " (settings.lockout.whole_seconds())
                " seconds."
            }
            p { "Your session id now: " code { (session_id) } "." }
            p {
                "Showing this form started a session, to hold the form's CSRF token: a session from before "
                "login. "
                @if settings.rotate {
                    "When you log in, the session moves to a new id, and this one will name nothing."
                } @else {
                    strong { "With --no-rotate, logging in keeps this id." }
                }
            }
            p {
                "A session ends " (settings.idle.whole_seconds()) " seconds after its last request (the idle "
                "timeout), and a login " (settings.absolute.whole_seconds()) " seconds after it began, however "
                "busy (the absolute lifetime): " code { "--idle-timeout" } " and " code { "--absolute-timeout" }
                " change them."
            }
        }
    }
}

/// What a failed login answers: the same words whether the username exists
/// or not (Django's words).
pub fn login_failed(after: &AfterFailure) -> Markup {
    html! {
        div.notice role="alert" {
            p { "Please enter a correct username and password. Note that both fields may be case-sensitive." }
            p {
                @match after {
                    AfterFailure::AttemptsLeft(1) => "One more failed login, and this username is refused for a while.",
                    AfterFailure::AttemptsLeft(left) => { (left) " more failed logins, and this username is refused for a while." },
                    AfterFailure::Locked(wait) => {
                        "Too many failed logins: this username is refused for the next " (seconds(*wait)) " seconds."
                    },
                }
            }
        }
    }
}

/// What a login on a locked username answers, before any password is checked.
pub fn refused(wait: StdDuration) -> Markup {
    html! {
        p.notice role="alert" {
            "Too many failed logins for this username. It is refused for another " (seconds(wait))
            " seconds, whatever password is typed: try again then."
        }
    }
}

/// The seconds of a wait, rounded up: "0 seconds" would be wrong.
fn seconds(wait: StdDuration) -> u64 {
    wait.as_secs() + u64::from(wait.subsec_nanos() > 0)
}

/// The account page.
pub fn account(
    account: &Account,
    session_id: &str,
    timeouts: &Timeouts,
    rotate: bool,
    token: &str,
) -> Markup {
    html! {
        h1 { "Signed in as " (account.name) }
        p {
            "Your session stores only your user id, " code { "user_id = " (account.id) } ". The name "
            strong { (account.name) } " is looked up from it on every request. Neither your name nor your "
            "password is in the session: see its record in the wire inspector."
        }
        p { "Your session id: " code { (session_id) } "." }
        p {
            @if rotate {
                "It is not the id you had before you logged in: at login, the server moved the session to a "
                "new id, and deleted the record under the old one."
            } @else {
                strong { "It is the id you had before you logged in (--no-rotate)." }
                " Whoever knew that id then is signed in as you now."
            }
        }
        h2 { "When this session ends" }
        table {
            tbody {
                tr {
                    th { "Idle timeout" }
                    td {
                        (timeouts.idle_seconds) " seconds without a request: at " (timeouts.idle_ends)
                        ", unless another request comes first. Each request pushes it further."
                    }
                }
                tr {
                    th { "Absolute lifetime" }
                    td {
                        (timeouts.absolute_seconds) " seconds after login (at " (timeouts.logged_in) "): at "
                        (timeouts.absolute_ends) " at the latest, in " (timeouts.absolute_left)
                        " seconds, however busy."
                    }
                }
            }
        }
        form method="post" action="/logout/" {
            (csrf::hidden_input(token))
            button type="submit" { "Log out" }
        }
        p.explain {
            "Logging out flushes the session: the server deletes its record, so this id names nothing any more, "
            "even in a copy of the cookie; and it tells your browser to delete the cookie."
        }
    }
}

/// The two ends of a signed-in session, as the account page shows them.
pub struct Timeouts {
    idle_seconds: i64,
    idle_ends: String,
    absolute_seconds: i64,
    logged_in: String,
    absolute_ends: String,
    absolute_left: i64,
}

impl Timeouts {
    pub fn of(session: &Session, settings: &Login, login_time: OffsetDateTime) -> Self {
        // With an idle timeout, the session ends `idle` after this request
        // (Django's get_expiry_date()); the absolute end is fixed at login.
        let absolute_ends = login_time + settings.absolute;
        let left = absolute_ends - OffsetDateTime::now_utc();
        Self {
            idle_seconds: settings.idle.whole_seconds(),
            idle_ends: format_date(session.expiry_date()),
            absolute_seconds: settings.absolute.whole_seconds(),
            logged_in: format_date(login_time),
            absolute_ends: format_date(absolute_ends),
            absolute_left: left.max(Duration::ZERO).whole_seconds(),
        }
    }
}

/// The page a login gets when it outlived the absolute lifetime.
pub fn lifetime_over(login_time: OffsetDateTime, absolute: Duration) -> Markup {
    html! {
        h1 { "Signed out" }
        (lifetime_over_notice(login_time, absolute))
        p { a href="/login/" { "Log in again" } }
    }
}

fn lifetime_over_notice(login_time: OffsetDateTime, absolute: Duration) -> Markup {
    html! {
        p.notice role="status" {
            "Your login of " (format_date(login_time)) " reached its absolute lifetime of "
            (absolute.whole_seconds()) " seconds, so the server ended it: it flushed the session, deleting "
            "its record, and told your browser to delete the cookie. Log in again to go on."
        }
    }
}
