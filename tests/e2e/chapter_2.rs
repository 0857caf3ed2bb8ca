//! Chapter 2 in a real browser: the test cookie, with cookies allowed
//! and with cookies blocked.

use axum::Router;
use course_kit::Settings;
use libtest_mimic::Trial;

use crate::support::{Cookies, E2e, NO_COOKIES_SENT, browser_test};

/// This chapter's browser tests, as `main.rs` collects them.
pub fn tests() -> Vec<Trial> {
    vec![
        browser_test!(test_cookie_works_with_cookies),
        browser_test!(test_cookie_fails_with_cookies_blocked),
    ]
}

/// The chapter's server, with its default settings. The one place this file
/// names the chapter's crate (`::chapter_2`, not this module, which has the
/// same name).
pub fn app() -> Router {
    ::chapter_2::app(&Settings::defaults(&::chapter_2::CHAPTER))
}

async fn test_cookie_works_with_cookies(e2e: E2e) {
    let browser = e2e.browser(app(), Cookies::Allowed).await;
    browser.open("/home/").await;
    browser.expect_main("Set test cookie").await;
    browser.expect_wire("sessionid").await;
    browser.click_link("go to page 2").await;
    browser.expect_main("Test cookie worked").await;
    let wire = browser.wire_text().await;
    assert!(!wire.contains(NO_COOKIES_SENT), "{wire}");
    // The check deletes the mark: a reload finds the session, but no mark.
    browser.reload().await;
    browser.expect_main("Test cookie did not work").await;
    browser.click_link("Set the test cookie").await;
    browser.click_link("Did it work?").await;
    browser.expect_main("Test cookie worked").await;
}

async fn test_cookie_fails_with_cookies_blocked(e2e: E2e) {
    let browser = e2e.browser(app(), Cookies::Blocked).await;
    browser.open("/home/").await;
    browser.expect_main("Set test cookie").await;
    browser.click_link("go to page 2").await;
    browser.expect_main("Test cookie did not work").await;
    browser.expect_wire(NO_COOKIES_SENT).await;
}
