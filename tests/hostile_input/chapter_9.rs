//! Chapter 9: any username and password, any `sessionid` cookie, any form
//! posted to the logout. Nothing a client makes up signs anyone in; every
//! failed login gets the one message, with what was typed shown escaped;
//! no session cookie ever names a signed-in session it should not; and a
//! flood of usernames leaves a locked one locked.
//!
//! (The attacker's site answers the same pages whatever it is sent: it
//! reads no query string, no cookie and no form, so it has no input here.)

use axum::{
    body::Body,
    http::{Method, StatusCode},
};
use course_kit::SESSION_COOKIE;
use proptest::prelude::*;
use session_course::{Browser, Exchange};

use crate::{
    block_on, config, cookie_header, cookie_value, escape, form_type, hostile_text, percent_encode,
    send_raw, site,
};

/// The login form's answer to `username` and `password`, typed.
async fn log_in(browser: &mut Browser, username: &str, password: &str) -> Exchange {
    let form = browser.get("/login/").await;
    browser
        .submit(
            &form,
            "/login/",
            &[("username", username), ("password", password)],
        )
        .await
}

/// Whether a text is one of the demo accounts' own username and password.
fn is_demo_login(username: &str, password: &str) -> bool {
    [("alice", "wonderland"), ("bob", "builder")].contains(&(username, password))
}

/// Fewer cases than the other chapters' properties: each case here hashes a
/// password (some 20 ms of Argon2), and the suite must stay quick.
fn login_config() -> ProptestConfig {
    ProptestConfig {
        cases: 24,
        ..config()
    }
}

proptest! {
    #![proptest_config(login_config())]

    /// Any username and password: the one message, what was typed shown
    /// escaped in the form, and nobody signed in.
    #[test]
    fn chapter_9_any_login_is_refused_alike(username in hostile_text(), password in hostile_text()) {
        prop_assume!(!is_demo_login(&username, &password));
        block_on(async {
            let mut browser = site(9).await.browser();
            let page = log_in(&mut browser, &username, &password).await;
            prop_assert_sound!(9, page);
            prop_assert_eq!(page.status, StatusCode::OK);
            prop_assert!(page.main_text().contains("Please enter a correct username and password."));
            prop_assert!(page.main_text().contains("4 more failed logins"));
            prop_assert_contains!(page.body, format!("name=\"username\" value=\"{}\"", escape(&username)));
            // The password is never sent back.
            prop_assert!(!page.body.contains("name=\"password\" value"));
            let account = browser.get("/account/").await;
            prop_assert_eq!(account.location(), Some("/login/"));
            Ok(())
        })?;
    }

    /// Any `sessionid` cookie: the account page sends its bearer to log in,
    /// and the login page starts a session under an id of the server's own.
    #[test]
    fn chapter_9_any_sessionid_signs_nobody_in(value in cookie_value()) {
        block_on(async {
            let site = site(9).await;
            let mut alice = site.browser();
            let page = log_in(&mut alice, "alice", "wonderland").await;
            prop_assert_eq!(page.location(), Some("/account/"));

            let mut stranger = site.browser();
            stranger.set_cookie(SESSION_COOKIE, &value);
            let account = stranger.get("/account/").await;
            prop_assert_sound!(9, account);
            prop_assert_eq!(account.location(), Some("/login/"));
            let login = stranger.get("/login/").await;
            prop_assert_sound!(9, login);
            prop_assert_ne!(stranger.cookie(SESSION_COOKIE), Some(value.as_str()));
            prop_assert!(alice.get("/account/").await.main_text().contains("Signed in as alice"));
            Ok(())
        })?;
    }

    /// Any body posted to the logout, with alice's own cookie: refused with
    /// 403 unless it carries her token, and she stays signed in.
    #[test]
    fn chapter_9_a_logout_without_the_token_changes_nothing(body in hostile_text()) {
        block_on(async {
            let site = site(9).await;
            let mut alice = site.browser();
            log_in(&mut alice, "alice", "wonderland").await;
            let cookie = format!("{SESSION_COOKIE}={}", alice.cookie(SESSION_COOKIE).unwrap_or_default());
            let headers = [form_type(), cookie_header(&cookie)];
            for body in [body.clone(), format!("csrfmiddlewaretoken={}", percent_encode(&body))] {
                let page = send_raw(site.router(), Method::POST, "/logout/", &headers, Body::from(body)).await;
                prop_assert_sound!(9, page);
                prop_assert!(
                    page.status == StatusCode::FORBIDDEN || page.status == StatusCode::BAD_REQUEST,
                    "{}", page.status
                );
            }
            prop_assert!(alice.get("/account/").await.main_text().contains("Signed in as alice"));
            Ok(())
        })?;
    }
}

#[tokio::test]
async fn chapter_9_a_flood_of_usernames_does_not_unlock_alice() {
    // Alice is locked; then a script fails once on each of many other
    // usernames, more than the throttle can track at once. (Each login costs
    // the server one Argon2 hash, so the flood is sent to the throttle's
    // own unit tests in full; here, enough of it to show the page.)
    let site = site(9).await;
    let mut mallory = site.browser();
    for _ in 0..5 {
        log_in(&mut mallory, "alice", "guess").await;
    }
    for n in 0..20 {
        let page = log_in(&mut mallory, &format!("user{n}"), "guess").await;
        assert_eq!(page.status, StatusCode::OK);
    }
    let refused = log_in(&mut mallory, "alice", "wonderland").await;
    assert_sound!(9, refused);
    assert_eq!(refused.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(refused.main_text().contains("It is refused for another"));
}

#[tokio::test]
async fn chapter_9_a_login_that_is_not_a_form_gets_a_clear_400_page() {
    let site = site(9).await;
    let mut browser = site.browser();
    browser.get("/login/").await;
    let cookie = format!(
        "{SESSION_COOKIE}={}",
        browser.cookie(SESSION_COOKIE).unwrap_or_default()
    );
    let page = send_raw(
        site.router(),
        Method::POST,
        "/login/",
        &[
            (
                axum::http::header::CONTENT_TYPE,
                "application/json".parse().unwrap(),
            ),
            cookie_header(&cookie),
        ],
        Body::from("{\"username\":\"alice\"}"),
    )
    .await;
    assert_sound!(9, page);
    assert_eq!(page.status, StatusCode::BAD_REQUEST);
    assert!(page.body.contains("could not be read"), "{}", page.body);
    // A form body, the right type, no token: refused, 403.
    let page = send_raw(
        site.router(),
        Method::POST,
        "/login/",
        &[form_type(), cookie_header(&cookie)],
        Body::from("username=alice&password=wonderland"),
    )
    .await;
    assert_sound!(9, page);
    assert_eq!(page.status, StatusCode::FORBIDDEN);
}
