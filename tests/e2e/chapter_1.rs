//! Chapter 1 in a real browser: HTTP forgets, so a greeting cannot
//! remember you.

use axum::Router;
use libtest_mimic::Trial;

use crate::support::{Cookies, E2e, NO_COOKIES_SENT, browser_test};

/// This chapter's browser tests, as `main.rs` collects them.
pub fn tests() -> Vec<Trial> {
    vec![browser_test!(greets_by_name_then_forgets)]
}

/// The chapter's server. The one place this file names the chapter's crate
/// (`::chapter_1`, not this module, which has the same name).
pub fn app() -> Router {
    ::chapter_1::app()
}

async fn greets_by_name_then_forgets(e2e: E2e) {
    let browser = e2e.browser(app(), Cookies::Allowed).await;
    browser.open("/").await;
    browser.expect_main("What is your name?").await;
    browser.fill("name", "Ada").await;
    browser.press("Say hello").await;
    browser.expect_main("Hello, Ada!").await;
    assert_eq!(browser.location().await, "/hello/?name=Ada");

    browser.click_link("Who am I?").await;
    browser.expect_main("I don't know who you are.").await;
    assert!(!browser.main_text().await.contains("Ada"));
    browser.expect_wire(NO_COOKIES_SENT).await;

    // An empty name is refused with a message at the field.
    browser.click_link("Say your name").await;
    browser.press("Say hello").await;
    browser.expect_main("Please type a name.").await;
}
