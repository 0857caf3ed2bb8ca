//! The victim's pages: the words around the lesson. Every page starts with a
//! loud box for each defence that is switched off, so that nobody mistakes
//! the lab's settings for a safe site's.

use axum::{
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
};
use course_kit::{ErrorPage, csrf, forms::TextField, lab::defence_off};
use maud::{Markup, html};

use crate::{CHAPTER, CookieSameSite, Defences, Lab, Refusal, lab_state::LabState};

/// The longest e-mail address the form takes (RFC 5321 allows 254 in a path).
const EMAIL_LIMIT: usize = 100;

/// A page of the victim, with a box for each defence that is off.
fn page(defences: &Defences, title: &str, content: Markup) -> Markup {
    let switch_on = "in the lab panel of alice's account page (or restart the server)";
    let content = html! {
        @if !defences.same_site.is_a_defence() {
            (defence_off(
                &format!("the session cookie is sent with {}", defences.same_site.attribute()),
                "Other sites' pages may make the browser send it with their form posts (and, where third-party cookies are allowed, with images and frames).",
                &format!("press SameSite=Lax or SameSite=Strict {switch_on}"),
            ))
        }
        @if !defences.token_check {
            (defence_off(
                "the CSRF token check",
                "A form posted to /email/ is accepted without the token that only this site's own form carries.",
                &format!("press its button {switch_on}"),
            ))
        }
        @if !defences.origin_check {
            (defence_off(
                "the Origin / Sec-Fetch-Site check",
                "Requests that another site's page makes the browser send are not refused for where they come from.",
                &format!("press its button {switch_on}"),
            ))
        }
        (content)
    };
    CHAPTER.page(title, content)
}

/// The account page: alice's account, the attacker's pages, the lab panel, the log.
pub fn account(lab: &Lab, user: Option<&str>, token: &str) -> Markup {
    let (urls, lab) = (lab.urls(), lab.state());
    let defences = &lab.defences;
    let content = html! {
        h1 { "Alice's account" }
        @match user {
            Some(user) => {
                p.success { "Logged in as " strong { (user) } "." }
                form method="post" action="/email/" {
                    (TextField { label: "New e-mail address", name: "email", value: "", numeric: false, error: None })
                    (csrf::hidden_input(token))
                    p { button type="submit" { "Change e-mail" } }
                }
                p {
                    a href="/unsubscribe/" { "Unsubscribe from the newsletter" }
                    " (the site's mistake, on purpose: a GET that changes something)"
                }
                form method="post" action="/logout/" {
                    (csrf::hidden_input(token))
                    p { button type="submit" { "Log out" } }
                }
            }
            None => {
                p { "Nobody is logged in. The attacks borrow alice's session, so log in first." }
                form method="post" action="/login/" {
                    (csrf::hidden_input(token))
                    p { button type="submit" { "Log in as alice" } }
                }
                p.hint { "No password: this chapter's lesson is forged requests, not passwords (chapter 9 has the login)." }
            }
        }
        h2 { "Alice's account, as the server holds it" }
        table {
            tbody {
                tr { th { "E-mail address" } td { (lab.account.email) } }
                tr { th { "Newsletter" } td { @if lab.account.subscribed { "subscribed" } @else { "unsubscribed" } } }
            }
        }
        h2 { "The attacker's pages" }
        p { "Each has three attacks: a form that posts itself to /email/, a link and an image that GET /unsubscribe/. Come back here with Back, and read the log below." }
        ul {
            li { a href={ (urls.attacker) "/" } { (urls.attacker) "/" } ": " strong { "another site" } ", since localhost is another host than 127.0.0.1." }
            li { a href={ (urls.same_site_attacker) "/" } { (urls.same_site_attacker) "/" } ": " strong { "the same site" } " on another port. Ports do not count in a site, so SameSite does not keep this one out." }
        }
        (panel(defences, token))
        (log(&lab, token))
    };
    page(defences, "Alice's account", content)
}

// ANCHOR: panel_form
/// The lab panel: the defences as they are, and a button for each change.
/// A button sends its own name and value with the form: `same_site=Strict`.
fn panel(defences: &Defences, token: &str) -> Markup {
    let flip = |on: bool| if on { "off" } else { "on" };
    html! {
        h2 #lab { "The lab panel" }
        p {
            "Now: the session cookie is sent with " strong { (defences.same_site.attribute()) } "; the token check is "
            strong { (on_off(defences.token_check)) } "; the Origin / Sec-Fetch-Site check is " strong { (on_off(defences.origin_check)) } "."
        }
        form method="post" action="/lab/" {
            (csrf::hidden_input(token))
            p {
                "The session cookie's SameSite: "
                @for (choice, value) in CookieSameSite::CHOICES {
                    button type="submit" name="same_site" value=(value) aria-pressed=(choice == defences.same_site) { (choice.attribute()) }
                    " "
                }
            }
            p {
                button type="submit" name="token_check" value=(flip(defences.token_check)) {
                    "Switch the token check " (flip(defences.token_check))
                }
                " "
                button type="submit" name="origin_check" value=(flip(defences.origin_check)) {
                    "Switch the Origin / Sec-Fetch-Site check " (flip(defences.origin_check))
                }
            }
        }
        ul.hint {
            @for (choice, _) in CookieSameSite::CHOICES {
                li { strong { (choice.attribute()) } ": the cookie is sent " (same_site_hint(choice)) }
            }
            li { "The token check covers POST /email/ only: a link or an image carries no form, and no token." }
            li { "The Origin / Sec-Fetch-Site check covers POST /email/ and GET /unsubscribe/." }
        }
        p.hint {
            "Every page re-sends the session cookie, so a new SameSite reaches your browser with the next page. "
            "This panel's own form is always checked, whatever it says: otherwise another site could switch the defences off."
        }
    }
}
// ANCHOR_END: panel_form

fn same_site_hint(choice: CookieSameSite) -> &'static str {
    match choice {
        CookieSameSite::Strict => {
            "with this site's own requests only, never with one that another site starts, not even a link."
        }
        CookieSameSite::Lax => {
            "also when a link on another site leads here (a top-level GET), never with its form posts or images."
        }
        CookieSameSite::NoneSecure => {
            "with other sites' requests too, where the browser allows third-party cookies."
        }
        CookieSameSite::NotSet => {
            "as the browser decides. Chromium treats it as Lax, but in its first two minutes also sends it with other sites' form posts."
        }
    }
}

fn on_off(on: bool) -> &'static str {
    if on { "on" } else { "off" }
}

/// The log of the last state-changing requests, and the reset button.
fn log(lab: &LabState, token: &str) -> Markup {
    html! {
        h2 { "What the last requests did" }
        @if lab.log.is_empty() {
            p { "No request has tried to change the account yet." }
        } @else {
            table.log {
                thead { tr { th { "#" } th { "Request" } th { "Came from" } th { "Session cookie" } th { "Outcome" } } }
                tbody {
                    @for entry in &lab.log {
                        tr {
                            td { (entry.number) }
                            td { code { (entry.request) } }
                            td { (entry.came_from) }
                            td { @if entry.cookie_sent { "sent" } @else { "not sent" } }
                            td { @if entry.changed { strong { "Done: " } } (entry.outcome) }
                        }
                    }
                }
            }
        }
        form method="post" action="/lab/reset/" {
            (csrf::hidden_input(token))
            p { button type="submit" { "Reset alice's account and this log" } }
        }
    }
}

/// The answer to a state-changing request: what it did, or why it was refused.
pub fn outcome(defences: &Defences, outcome: Result<String, Refusal>) -> Response {
    match outcome {
        Ok(done) => page(
            defences,
            "Done",
            html! {
                h1 { "Done" }
                p.success { (done) }
                p { a href="/" { "Back to alice's account" } }
            },
        )
        .into_response(),
        Err(refusal) => refused(defences, &refusal),
    }
}

/// After one of the victim's own buttons: back to the account page (303),
/// or the page that says why it was refused.
pub fn back_to_account(defences: &Defences, outcome: Result<(), Refusal>) -> Response {
    match outcome {
        Ok(()) => Redirect::to("/").into_response(),
        Err(refusal) => refused(defences, &refusal),
    }
}

pub fn refused(defences: &Defences, refusal: &Refusal) -> Response {
    let content = html! {
        h1 { (refusal.title()) }
        p.notice { (refusal.explanation()) }
        p { "HTTP status: " code { (refusal.status()) } }
        p { a href="/" { "Back to alice's account" } }
    };
    (refusal.status(), page(defences, &refusal.title(), content)).into_response()
}

impl From<ErrorPage> for Refusal {
    fn from(page: ErrorPage) -> Self {
        Refusal::Page(page)
    }
}

impl From<tower_sessions::session::Error> for Refusal {
    fn from(error: tower_sessions::session::Error) -> Self {
        Refusal::Page(error.into())
    }
}

impl Refusal {
    pub fn status(&self) -> StatusCode {
        match self {
            Refusal::CrossOrigin(_) | Refusal::NotLoggedIn => StatusCode::FORBIDDEN,
            Refusal::BadInput(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Refusal::Page(page) => page.status,
        }
    }

    pub fn title(&self) -> String {
        match self {
            Refusal::CrossOrigin(_) => "Refused: sent by another origin's page".to_string(),
            Refusal::NotLoggedIn => "Refused: nobody is logged in".to_string(),
            Refusal::BadInput(_) => "Refused: the form cannot be used".to_string(),
            Refusal::Page(page) => page.title.clone(),
        }
    }

    fn explanation(&self) -> String {
        match self {
            Refusal::CrossOrigin(reason) => format!(
                "This request was made by a page that is not this site's own: {reason}. \
                 With the Origin / Sec-Fetch-Site check on, such a request is refused, whatever cookies and tokens it carries. \
                 Nothing was changed."
            ),
            Refusal::NotLoggedIn => "The request carried no session cookie of a logged-in user, so there is no account to change. \
                 If alice is logged in in this browser, the browser kept her cookie back: that is SameSite at work. \
                 Nothing was changed."
                .to_string(),
            Refusal::BadInput(reason) => format!("{reason} Nothing was changed."),
            Refusal::Page(page) => page.message.clone(),
        }
    }
}

/// The e-mail address a form sent, trimmed, or why it cannot be one.
pub fn checked_email(typed: &str) -> Result<String, String> {
    let email = typed.trim();
    let parts = email.split_once('@');
    if email.is_empty() {
        Err("The e-mail address is empty.".to_string())
    } else if email.chars().count() > EMAIL_LIMIT {
        Err(format!(
            "The e-mail address is longer than {EMAIL_LIMIT} characters."
        ))
    } else if email.chars().any(|c| c.is_whitespace() || c.is_control()) {
        Err("An e-mail address has no spaces or control characters.".to_string())
    } else if !parts.is_some_and(|(local, domain)| {
        !local.is_empty() && !domain.is_empty() && !domain.contains('@')
    }) {
        Err(format!(
            "{email:?} is not an e-mail address: it needs one @ with text on both sides."
        ))
    } else {
        Ok(email.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plausible_addresses_are_taken() {
        assert_eq!(
            checked_email("  bob@example.com "),
            Ok("bob@example.com".into())
        );
        for bad in ["", "   ", "bob", "@x", "bob@", "a@b@c", "a b@c", "a\u{0}@b"] {
            assert!(checked_email(bad).is_err(), "{bad:?}");
        }
        assert!(checked_email(&format!("{}@x", "a".repeat(EMAIL_LIMIT))).is_err());
    }
}
