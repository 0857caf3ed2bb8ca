//! Chapter 6 in a real browser: a cart in the session: add, remove, and
//! empty it by flushing the session.

use axum::Router;
use course_kit::Settings;
use libtest_mimic::Trial;

use crate::support::{Cookies, E2e, NO_COOKIES_SENT, add_item, browser_test};

/// This chapter's browser tests, as `main.rs` collects them.
pub fn tests() -> Vec<Trial> {
    vec![browser_test!(cart_add_remove_empty)]
}

/// The chapter's server, with its default settings. The one place this file
/// names the chapter's crate (`::chapter_6`, not this module, which has the
/// same name).
pub fn app() -> Router {
    ::chapter_6::app(&Settings::defaults(&::chapter_6::CHAPTER))
}

async fn cart_add_remove_empty(e2e: E2e) {
    let browser = e2e.browser(app(), Cookies::Allowed).await;
    browser.open("/").await;
    browser.expect_main("welcome to my shopping cart").await;
    browser.click_link("Add Item").await;
    add_item(&browser, "apple", "2").await;
    browser
        .expect_main("Added to your cart: apple. You now have 2.")
        .await;
    add_item(&browser, "pear", "1").await;
    browser.expect_main("Added to your cart: pear.").await;
    add_item(&browser, "", "0").await;
    browser.expect_main("This field is required.").await;

    browser.click_link("Display Items").await;
    browser.expect_main("Items in your cart").await;
    assert_eq!(
        browser.table_rows().await,
        [["apple", "2", "Remove"], ["pear", "1", "Remove"]]
    );
    browser.expect_wire("Session store (on the server)").await;

    browser
        .press_at("//tr[td[1][normalize-space()='apple']]//button")
        .await;
    browser.expect_main("Removed apple from your cart.").await;
    assert_eq!(browser.table_rows().await, [["pear", "1", "Remove"]]);

    browser.press("Empty the cart (flush the session)").await;
    browser.expect_main("The session was flushed").await;
    browser.expect_main("No items in your cart").await;
    browser.click_link("Display Items").await;
    browser.expect_main("No items in your cart").await;
    browser.expect_wire(NO_COOKIES_SENT).await;

    // A new session begins with the next item.
    browser.click_link("Add Item").await;
    add_item(&browser, "plum", "4").await;
    browser.click_link("Display Items").await;
    browser.expect_main("Items in your cart").await;
    assert_eq!(browser.table_rows().await, [["plum", "4", "Remove"]]);
}
