//! Chapter 4 in a real browser: a cart kept in cookies, one cookie per
//! item, and a form that refuses bad input.

use axum::Router;
use libtest_mimic::Trial;

use crate::support::{Cookies, E2e, add_item, browser_test};

/// This chapter's browser tests, as `main.rs` collects them.
pub fn tests() -> Vec<Trial> {
    vec![browser_test!(cart_in_cookies)]
}

/// The chapter's server. The one place this file names the chapter's crate
/// (`::chapter_4`, not this module, which has the same name).
pub fn app() -> Router {
    ::chapter_4::app()
}

async fn cart_in_cookies(e2e: E2e) {
    let browser = e2e.browser(app(), Cookies::Allowed).await;
    browser.open("/").await;
    browser.expect_main("welcome to my shopping cart").await;
    browser.click_link("Display Items").await;
    browser.expect_main("No items in your cart").await;

    browser.click_link("Add Item").await;
    add_item(&browser, "apple", "2").await;
    browser
        .expect_main("Added to your cart: apple. You now have 2.")
        .await;
    browser.expect_wire("cart_YXBwbGU").await;
    // A name that is no valid cookie name: the cart encodes it.
    add_item(&browser, "crème brûlée; x=1", "1").await;
    browser
        .expect_main("Added to your cart: crème brûlée; x=1.")
        .await;
    // Bad input: the form says why, and the cart stays as it was.
    add_item(&browser, "pear", "lots").await;
    browser.expect_main("Enter a whole number.").await;

    browser.click_link("Display Items").await;
    browser.expect_main("Items in your cart").await;
    assert_eq!(
        browser.table_rows().await,
        [["apple", "2"], ["crème brûlée; x=1", "1"]]
    );
    // Adding more of an item adds to its quantity.
    browser.click_link("Add Item").await;
    add_item(&browser, "apple", "3").await;
    browser.expect_main("You now have 5.").await;
    browser.click_link("Display Items").await;
    browser.expect_main("Items in your cart").await;
    assert_eq!(browser.table_rows().await[0], ["apple", "5"]);
}
