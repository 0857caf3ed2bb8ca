//! Chapter 3 in a real browser: a counter in a cookie, with cookies
//! allowed and with cookies blocked.

use axum::Router;
use libtest_mimic::Trial;

use crate::support::{Cookies, E2e, NO_COOKIES_SENT, browser_test};

/// This chapter's browser tests, as `main.rs` collects them.
pub fn tests() -> Vec<Trial> {
    vec![
        browser_test!(counts_with_cookies),
        browser_test!(stays_at_1_with_cookies_blocked),
    ]
}

/// The chapter's server. The one place this file names the chapter's crate
/// (`::chapter_3`, not this module, which has the same name).
pub fn app() -> Router {
    ::chapter_3::app()
}

async fn counts_with_cookies(e2e: E2e) {
    let browser = e2e.browser(app(), Cookies::Allowed).await;
    browser.open("/countView/").await;
    browser
        .expect_main("You have visited this page 1 times")
        .await;
    browser.reload().await;
    browser
        .expect_main("You have visited this page 2 times")
        .await;
    browser.click_link("Count my visits").await;
    browser
        .expect_main("You have visited this page 3 times")
        .await;
    browser.expect_wire("count").await;
}

/// Also the proof that the "block all cookies" setting really blocks: the
/// browser never sends the cookie back.
async fn stays_at_1_with_cookies_blocked(e2e: E2e) {
    let browser = e2e.browser(app(), Cookies::Blocked).await;
    browser.open("/countView/").await;
    for _ in 0..3 {
        browser
            .expect_main("You have visited this page 1 times")
            .await;
        browser.expect_wire(NO_COOKIES_SENT).await;
        browser.reload().await;
    }
    browser
        .expect_main("If reloading never goes past 1, your browser is not sending the cookie back.")
        .await;
}
