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
//! - [`issue_cookie_token`] / [`check_cookie_token`]: in a `csrftoken` cookie; the
//!   form field must equal the cookie ("double submit"). This needs no
//!   session, so the cookie cart of chapter 4 uses it. Its weakness: another
//!   site cannot *read* the cookie, but anyone who can *write* a cookie for
//!   this host can set both halves to the same value. On 127.0.0.1 any server
//!   on another port can (cookies ignore ports). Real sites therefore sign
//!   the token with a server-side key, or also check the request's `Origin`
//!   or `Sec-Fetch-Site` header.
//! - [`issue_session_token`] / [`check_session_token`]: in the session record. The
//!   session chapters use it, and chapter 7 must: its cookie-free visitors
//!   have no cookie to compare with.
//!
//! Browsers also say where a request comes from: the `Origin` header, and
//! since 2020 `Sec-Fetch-Site`. [`check_same_origin`] refuses a form posted
//! from a page of another origin, whatever the token says. It closes the
//! double-submit cookie's hole. (Django checks `Origin` against the host
//! and `CSRF_TRUSTED_ORIGINS`; Go's `CrossOriginProtection` and the OWASP
//! cheat sheet describe `Sec-Fetch-Site`.)

use axum::http::{HeaderMap, header};
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use maud::{Markup, html};
use subtle::ConstantTimeEq;
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
    URL_SAFE_NO_PAD.encode(crate::random::bytes::<32>())
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
    a.as_bytes().ct_eq(b.as_bytes()).into()
}

/// The token in the browser's `csrftoken` cookie. When the browser has none
/// yet, this makes a new one and **sets the cookie**: the response gets a
/// `Set-Cookie: csrftoken=…`.
pub fn issue_cookie_token(cookies: &Cookies) -> String {
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
pub fn check_cookie_token(cookies: &Cookies, submitted: &str) -> Result<(), ErrorPage> {
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

/// The token stored in the session. When there is none yet, this makes a
/// new one and stores it, which **starts a session** if the visitor had
/// none: the response then sets the session cookie.
pub async fn issue_session_token(session: &Session) -> Result<String, ErrorPage> {
    if let Some(token) = session.get::<String>(SESSION_KEY).await? {
        return Ok(token);
    }
    let token = new_token();
    session.insert(SESSION_KEY, &token).await?;
    Ok(token)
}

/// Accepts a form post only if its token equals the one in the session.
pub async fn check_session_token(session: &Session, submitted: &str) -> Result<(), ErrorPage> {
    match session.get::<String>(SESSION_KEY).await? {
        None => Err(refused(
            "This request belongs to no session that has a form token: your browser blocks cookies (chapter 7 shows a way around that), the session expired, the server restarted, or the form did not come from this site.",
        )),
        Some(token) if same_token(&token, submitted) => Ok(()),
        Some(_) => Err(mismatch(submitted)),
    }
}

/// Why the request looks like it comes from a page of another origin (a
/// scheme, host and port other than this server's), if it does.
///
/// A request without either header comes from no page at all (curl, a
/// script), and a browser's cookies are not in it: it cannot be forged
/// against a visitor, so it passes here, and the token check does the rest.
pub fn cross_origin(headers: &HeaderMap) -> Option<String> {
    let text =
        |value: &axum::http::HeaderValue| String::from_utf8_lossy(value.as_bytes()).into_owned();
    // `same-origin`: a page of this server. `none`: the visitor typed the
    // address or used a bookmark. Anything else (`same-site`, another port
    // of 127.0.0.1; `cross-site`) is another origin.
    let site = headers.get("sec-fetch-site").map(text);
    if let Some(site) = &site
        && site != "same-origin"
        && site != "none"
    {
        return Some(format!("the browser says so (Sec-Fetch-Site: {site})"));
    }
    // `Origin` names the page's origin. A page sent with
    // `Referrer-Policy: no-referrer` (chapter 7's) makes the browser write
    // `Origin: null` even for its own forms: then `Sec-Fetch-Site`, if the
    // browser sent it, has already said where the form came from.
    let origin = headers.get(header::ORIGIN).map(text)?;
    if origin == "null" {
        return match site {
            Some(_) => None,
            None => Some("its Origin is null, and nothing else says where it came from".into()),
        };
    }
    let host = headers.get(header::HOST).map(text).unwrap_or_default();
    let ours = [format!("http://{host}"), format!("https://{host}")];
    if host.is_empty() || !ours.contains(&origin) {
        return Some(format!(
            "it comes from {origin}, and this server is http://{host}"
        ));
    }
    None
}

/// Accepts a form post only if it comes from a page of this server's own
/// origin (see [`cross_origin`]).
pub fn check_same_origin(headers: &HeaderMap) -> Result<(), ErrorPage> {
    match cross_origin(headers) {
        Some(reason) => Err(refused(&format!(
            "This form was sent from a page of another origin: {reason}. \
             A token alone cannot prove where a form came from, so the origin is checked too."
        ))),
        None => Ok(()),
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
    fn a_post_from_another_origin_is_refused() {
        let headers = |pairs: &[(&'static str, &'static str)]| {
            let mut map = HeaderMap::new();
            for (name, value) in pairs {
                map.insert(*name, value.parse().unwrap());
            }
            map
        };
        let own = [
            ("host", "127.0.0.1:3004"),
            ("origin", "http://127.0.0.1:3004"),
        ];
        assert_eq!(cross_origin(&headers(&own)), None);
        assert_eq!(
            cross_origin(&headers(&[("sec-fetch-site", "same-origin")])),
            None
        );
        assert_eq!(cross_origin(&headers(&[("sec-fetch-site", "none")])), None);
        assert_eq!(cross_origin(&headers(&[])), None, "curl sends neither");
        // Another port of the same host is the same *site*, but another origin.
        let other_port = [
            ("host", "127.0.0.1:3004"),
            ("origin", "http://127.0.0.1:19099"),
        ];
        assert!(cross_origin(&headers(&other_port)).is_some());
        assert!(cross_origin(&headers(&[("sec-fetch-site", "same-site")])).is_some());
        assert!(cross_origin(&headers(&[("sec-fetch-site", "cross-site")])).is_some());
        assert!(cross_origin(&headers(&[("origin", "null"), ("host", "x")])).is_some());
        assert!(check_same_origin(&headers(&other_port)).is_err());
        // A page with `Referrer-Policy: no-referrer` posts with `Origin: null`;
        // `Sec-Fetch-Site` still says where it came from.
        let own_form = [
            ("sec-fetch-site", "same-origin"),
            ("origin", "null"),
            ("host", "x"),
        ];
        assert_eq!(cross_origin(&headers(&own_form)), None);
    }

    #[test]
    fn comparison_needs_equal_strings() {
        assert!(same_token("abc", "abc"));
        assert!(!same_token("abc", "abd"));
        assert!(!same_token("abc", "ab"));
        assert!(!same_token("", "a"));
    }
}
