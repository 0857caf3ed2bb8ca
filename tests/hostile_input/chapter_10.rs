//! Chapter 10: the CSRF lab's victim under any input. Any text in the e-mail
//! field, any `Origin` and `Sec-Fetch-Site` a client makes up, with or
//! without the token; any value behind the lab panel's buttons. Every answer
//! is a sound page (the log shows what came, escaped); with the defaults a
//! request from another origin never changes the account; and the account
//! changes exactly when every check passes and the address is one.

use axum::http::{Method, StatusCode};
use proptest::prelude::*;
use session_course::{Browser, Exchange, Site};

use crate::{block_on, config, hostile_text};

/// The victim's own origin, as the test browser names its host.
const OWN: &str = "http://127.0.0.1:3010";

/// A browser in which alice is logged in, and the token of its forms.
async fn alice() -> (Site, Browser, String) {
    // `::chapter_10` is the chapter's crate, not this module of the same name.
    let site = Site::start(::chapter_10::CHAPTER, ::chapter_10::app).await;
    let mut browser = site.browser();
    let page = browser.get("/").await;
    browser.submit(&page, "/login/", &[]).await;
    let page = browser.get("/").await;
    let token = page.forms()[0].hidden[0].1.clone();
    (site, browser, token)
}

/// What a header may hold: visible ASCII and spaces.
fn header_text() -> impl Strategy<Value = String> {
    "[ -~]{0,60}"
}

/// An `Origin` a client sends: none, the victim's, the attackers', or made up.
fn origin() -> impl Strategy<Value = Option<String>> {
    prop::option::of(prop_oneof![
        Just(OWN.to_string()),
        Just("http://localhost:3110".to_string()),
        Just("http://127.0.0.1:3210".to_string()),
        Just("null".to_string()),
        header_text(),
    ])
}

/// A `Sec-Fetch-Site`: none, every value browsers send, or made up.
fn sec_fetch_site() -> impl Strategy<Value = Option<String>> {
    prop::option::of(prop_oneof![
        prop::sample::select(vec!["same-origin", "none", "same-site", "cross-site"])
            .prop_map(String::from),
        header_text(),
    ])
}

/// Whether the headers say the request comes from another origin's page,
/// worked out here from what they mean.
fn from_elsewhere(origin: &Option<String>, site: &Option<String>) -> bool {
    let site_says = site
        .as_deref()
        .is_some_and(|site| site != "same-origin" && site != "none");
    // `Origin: null` (a page with `Referrer-Policy: no-referrer`) counts as
    // elsewhere only when no `Sec-Fetch-Site` says where the request came from.
    let origin_says = match origin.as_deref() {
        None => false,
        Some("null") => site.is_none(),
        Some(origin) => origin != OWN,
    };
    site_says || origin_says
}

/// What the page promises of an address: trimmed, 1 to 100 characters, no
/// white space or control characters, one `@` with text on both sides.
fn is_an_address(typed: &str) -> bool {
    let email = typed.trim();
    let parts = email.split_once('@');
    !email.is_empty()
        && email.chars().count() <= 100
        && !email.chars().any(|c| c.is_whitespace() || c.is_control())
        && parts.is_some_and(|(local, domain)| {
            !local.is_empty() && !domain.is_empty() && !domain.contains('@')
        })
}

/// Sends a request with these optional headers.
async fn send(
    browser: &mut Browser,
    method: Method,
    target: &str,
    body: Option<String>,
    origin: &Option<String>,
    site: &Option<String>,
) -> Exchange {
    let mut headers = Vec::new();
    if let Some(origin) = origin {
        headers.push(("origin", origin.as_str()));
    }
    if let Some(site) = site {
        headers.push(("sec-fetch-site", site.as_str()));
    }
    browser
        .send_with_headers(method, target, body, &headers)
        .await
}

/// The line of alice's account on the victim's page, as its text shows it.
fn account_line(page: &Exchange, label: &str) -> String {
    page.main_text()
        .lines()
        .find_map(|line| {
            line.strip_prefix(&format!("{label} | "))
                .map(str::to_string)
        })
        .unwrap_or_default()
}

proptest! {
    #![proptest_config(config())]

    /// Any e-mail text, from anywhere, with or without the token: the
    /// address changes only if the request is the victim's own, carries the
    /// token, and the text is an address.
    #[test]
    fn chapter_10_any_address_from_anywhere(
        email in hostile_text(),
        origin in origin(),
        site in sec_fetch_site(),
        with_token in any::<bool>(),
    ) {
        block_on(async {
            let (_site, mut alice, token) = alice().await;
            let mut form = form_urlencoded::Serializer::new(String::new());
            form.append_pair("email", &email);
            if with_token {
                form.append_pair("csrfmiddlewaretoken", &token);
            }
            let answer = send(&mut alice, Method::POST, "/email/", Some(form.finish()), &origin, &site).await;
            prop_assert_sound!(10, answer);
            let elsewhere = from_elsewhere(&origin, &site);
            let expected = if elsewhere || !with_token {
                StatusCode::FORBIDDEN
            } else if is_an_address(&email) {
                StatusCode::OK
            } else {
                StatusCode::UNPROCESSABLE_ENTITY
            };
            prop_assert_eq!(answer.status, expected, "{}", answer.main_text());
            let page = alice.get("/").await;
            prop_assert_sound!(10, page);
            let now = account_line(&page, "E-mail address");
            if expected == StatusCode::OK {
                prop_assert_eq!(now, email.trim());
            } else {
                prop_assert_eq!(now, "alice@example.com");
            }
            Ok(())
        })?;
    }

    /// The state-changing GET, from anywhere: carried out exactly when the
    /// request does not come from another origin's page; the log shows the
    /// headers as they came, escaped.
    #[test]
    fn chapter_10_the_get_from_anywhere(origin in origin(), site in sec_fetch_site()) {
        block_on(async {
            let (_site, mut alice, _) = alice().await;
            let answer = send(&mut alice, Method::GET, "/unsubscribe/", None, &origin, &site).await;
            prop_assert_sound!(10, answer);
            let elsewhere = from_elsewhere(&origin, &site);
            let expected = if elsewhere { StatusCode::FORBIDDEN } else { StatusCode::OK };
            prop_assert_eq!(answer.status, expected);
            let page = alice.get("/").await;
            prop_assert_sound!(10, page);
            let newsletter = account_line(&page, "Newsletter");
            prop_assert_eq!(newsletter, if elsewhere { "subscribed" } else { "unsubscribed" });
            Ok(())
        })?;
    }

    /// Any value behind the panel's buttons: a value a button sends switches
    /// the defence (303); anything else is refused (422) and changes nothing.
    #[test]
    fn chapter_10_any_panel_value(
        field in prop::sample::select(vec!["same_site", "token_check", "origin_check"]),
        value in prop_oneof![
            prop::sample::select(vec!["Strict", "Lax", "None", "not-set", "on", "off"]).prop_map(String::from),
            hostile_text(),
        ],
    ) {
        block_on(async {
            let (_site, mut alice, token) = alice().await;
            let answer = alice.post("/lab/", &[(field, value.as_str()), ("csrfmiddlewaretoken", &token)]).await;
            let valid = match field {
                "same_site" => ["Strict", "Lax", "None", "not-set"].contains(&value.as_str()),
                _ => ["on", "off"].contains(&value.as_str()),
            };
            if valid {
                prop_assert_eq!(answer.status, StatusCode::SEE_OTHER);
            } else {
                prop_assert_sound!(10, answer);
                prop_assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY);
                let page = alice.get("/").await;
                prop_assert_sound!(10, page);
                prop_assert!(!page.main_text().contains("Defence off"), "nothing switched");
            }
            Ok(())
        })?;
    }
}
