//! Chapter 5 in a real browser: a counter in the session, with cookies
//! allowed and with cookies blocked.

use axum::Router;
use course_kit::Settings;
use libtest_mimic::Trial;

use crate::support::{Cookies, E2e, NO_COOKIES_SENT, browser_test};

/// This chapter's browser tests, as `main.rs` collects them.
pub fn tests() -> Vec<Trial> {
    vec![
        browser_test!(counts_in_the_session),
        browser_test!(stays_at_1_with_cookies_blocked),
    ]
}

/// The chapter's server, with its default settings. The one place this file
/// names the chapter's crate (`::chapter_5`, not this module, which has the
/// same name).
pub fn app() -> Router {
    ::chapter_5::app(&Settings::defaults(&::chapter_5::CHAPTER))
}

async fn counts_in_the_session(e2e: E2e) {
    let browser = e2e.browser(app(), Cookies::Allowed).await;
    browser.open("/pageCount/").await;
    browser.expect_main("Count: 1").await;
    browser.reload().await;
    browser.expect_main("Count: 2").await;
    browser.click_link("Count my visits").await;
    browser.expect_main("Count: 3").await;
    browser
        .expect_main("Session expiry Time in seconds: 300")
        .await;
    browser.expect_wire("count 3").await;
}

async fn stays_at_1_with_cookies_blocked(e2e: E2e) {
    let browser = e2e.browser(app(), Cookies::Blocked).await;
    browser.open("/pageCount/").await;
    for _ in 0..3 {
        browser.expect_main("Count: 1").await;
        browser.expect_wire(NO_COOKIES_SENT).await;
        browser.reload().await;
    }
}
