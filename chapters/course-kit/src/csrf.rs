//! Cross-site request forgery (CSRF) tokens, as Django's `{% csrf_token %}`.
//!
//! A browser attaches a site's cookies to every request for that site, even
//! one that a page on *another* site makes it send, such as a hidden form that
//! posts to `http://127.0.0.1:3004/addItem/`. The server must tell such a
//! forged post from one of its own forms. Each of its forms therefore carries
//! a secret token in a hidden field, which another site cannot read; a POST
//! whose token is missing or wrong is refused with 403.
//!
//! The token is kept in one of two places:
//! - [`token_from_cookie`] / [`check_cookie`]: in a `csrftoken` cookie; the
//!   form field must equal the cookie ("double submit"). This needs no
//!   session, so the cookie cart of chapter 4 uses it. Its weakness: another
//!   site cannot *read* the cookie, but anyone who can *write* a cookie for
//!   this host can set both halves to the same value. On 127.0.0.1 any server
//!   on another port can (cookies ignore ports). Real sites therefore sign
//!   the token with a server-side key, or also check the request's `Origin`
//!   or `Sec-Fetch-Site` header.
//! - [`token_in_session`] / [`check_session`]: in the session record. The
//!   session chapters use it, and chapter 7 must: its cookie-free visitors
//!   have no cookie to compare with.

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use maud::{Markup, html};
use rand::RngCore;
use tower_cookies::{
    Cookie, Cookies,
    cookie::{SameSite, time::Duration},
};
use tower_sessions::Session;

use crate::ErrorPage;

/// The hidden form field that carries the token (Django's name for it).
pub const FIELD: &str = "csrfmiddlewaretoken";
/// The cookie that holds the token in the cookie variant (Django's name).
pub const COOKIE: &str = "csrftoken";
/// How long the browser keeps the `csrftoken` cookie.
const COOKIE_LIFETIME_HOURS: i64 = 2;
/// The session key that holds the token in the session variant.
pub const SESSION_KEY: &str = "_csrf_token";

/// The hidden input a form must carry.
pub fn hidden_input(token: &str) -> Markup {
    html! { input type="hidden" name=(FIELD) value=(token); }
}

/// A fresh random token: 32 random bytes, written in base64url (43
/// characters), which is safe in a cookie, a URL and a form.
fn new_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

fn looks_like_token(value: &str) -> bool {
    value.len() == 43
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// Compares without stopping at the first difference, so that the time taken
/// does not tell an attacker how much of a guess was right.
fn same_token(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// The token in the browser's `csrftoken` cookie, or a new one (and the
/// `Set-Cookie` that stores it) when the browser has none yet.
pub fn token_from_cookie(cookies: &Cookies) -> String {
    if let Some(cookie) = cookies.get(COOKIE)
        && looks_like_token(cookie.value())
    {
        return cookie.value().to_string();
    }
    let token = new_token();
    let cookie = Cookie::build((COOKIE, token.clone()))
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .max_age(Duration::hours(COOKIE_LIFETIME_HOURS))
        .build();
    cookies.add(cookie);
    token
}

/// Accepts a form post only if its token equals the one in the cookie.
pub fn check_cookie(cookies: &Cookies, submitted: &str) -> Result<(), ErrorPage> {
    match cookies.get(COOKIE) {
        None => Err(refused(&format!(
            "Your browser sent no csrftoken cookie, so the server cannot tell this post from one forged by another site. \
             The cookie lasts {COOKIE_LIFETIME_HOURS} hours after the form was first shown; and if your browser blocks \
             cookies, this form cannot work: this chapter keeps everything in cookies."
        ))),
        // The cookie must be a token this server could have made: an empty
        // or short cookie with a matching field proves nothing.
        Some(cookie)
            if looks_like_token(cookie.value()) && same_token(cookie.value(), submitted) =>
        {
            Ok(())
        }
        Some(_) => Err(mismatch(submitted)),
    }
}

/// The token stored in the session, or a new one stored there now.
pub async fn token_in_session(session: &Session) -> Result<String, ErrorPage> {
    if let Some(token) = session.get::<String>(SESSION_KEY).await? {
        return Ok(token);
    }
    let token = new_token();
    session.insert(SESSION_KEY, &token).await?;
    Ok(token)
}

/// Accepts a form post only if its token equals the one in the session.
pub async fn check_session(session: &Session, submitted: &str) -> Result<(), ErrorPage> {
    match session.get::<String>(SESSION_KEY).await? {
        None => Err(refused(
            "This request belongs to no session that has a form token: your browser blocks cookies (chapter 7 shows a way around that), the session expired, the server restarted, or the form did not come from this site.",
        )),
        Some(token) if same_token(&token, submitted) => Ok(()),
        Some(_) => Err(mismatch(submitted)),
    }
}

fn mismatch(submitted: &str) -> ErrorPage {
    if submitted.is_empty() {
        refused("The form carried no csrfmiddlewaretoken field.")
    } else {
        refused("The form's csrfmiddlewaretoken does not match the one this server gave you.")
    }
}

fn refused(reason: &str) -> ErrorPage {
    ErrorPage::forbidden(
        "Form refused (CSRF check failed)",
        format!("{reason} Nothing was changed. Go back, reload the form, and submit it again."),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_random_and_well_formed() {
        let (a, b) = (new_token(), new_token());
        assert!(looks_like_token(&a) && looks_like_token(&b));
        assert_ne!(a, b);
    }

    #[test]
    fn comparison_needs_equal_strings() {
        assert!(same_token("abc", "abc"));
        assert!(!same_token("abc", "abd"));
        assert!(!same_token("abc", "ab"));
        assert!(!same_token("", "a"));
    }
}
