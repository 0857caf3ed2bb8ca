//! Chapter 7 in a real browser: sessions without cookies. With cookies
//! allowed the URLs turn clean; with cookies blocked, the session id rides in
//! every link and form, and the cart keeps its items.

use axum::Router;
use course_kit::Settings;
use libtest_mimic::Trial;

use crate::support::{Browser, Cookies, E2e, NO_COOKIES_SENT, add_item, browser_test};

/// This chapter's browser tests, as `main.rs` collects them.
pub fn tests() -> Vec<Trial> {
    vec![
        browser_test!(cookies_on_urls_turn_clean),
        browser_test!(cookies_on_a_session_from_the_url_moves_into_the_cookie),
        browser_test!(cookies_blocked_cart_keeps_its_items),
    ]
}

/// The chapter's server, with its default settings. The one place this file
/// names the chapter's crate (`::chapter_7`, not this module, which has the
/// same name).
pub fn app() -> Router {
    ::chapter_7::app(&Settings::defaults(&::chapter_7::CHAPTER))
}

/// Links that carry the session id in their URL.
async fn links_with_sid(browser: &Browser) -> Vec<String> {
    let hrefs = browser.hrefs().await;
    hrefs
        .into_iter()
        .filter(|href| href.contains("sid="))
        .collect()
}

async fn cookies_on_urls_turn_clean(e2e: E2e) {
    let browser = e2e.browser(app(), Cookies::Allowed).await;
    browser.open("/").await;
    browser.expect_main("not at all").await;
    // Nothing is stored yet: no session, no id to carry.
    assert_eq!(links_with_sid(&browser).await, Vec::<String>::new());

    // The test cookie came back with this request, so the new session goes
    // straight into the `sessionid` cookie and never into a URL.
    browser.click_link("Add Item").await;
    browser.expect_wire("sessionid").await;
    assert_eq!(links_with_sid(&browser).await, Vec::<String>::new());
    assert!(
        browser
            .hidden_fields()
            .await
            .iter()
            .all(|(name, _)| name != "sid"),
        "no hidden sid once cookies work"
    );

    add_item(&browser, "apple", "1").await;
    browser.expect_main("by cookie").await;
    browser
        .expect_main("Added to your cart: apple. You now have 1.")
        .await;
    browser.click_link("Display Items").await;
    browser.expect_main("by cookie").await;
    assert_eq!(browser.table_rows().await, [["apple", "1"]]);
    assert_eq!(browser.location().await, "/displayItems/");

    browser.click_link("Count my visits").await;
    browser.expect_main("Count: 1").await;
    browser.reload().await;
    browser.expect_main("Count: 2").await;
    assert_eq!(links_with_sid(&browser).await, Vec::<String>::new());
}

/// A browser that keeps cookies, whose very first page starts a session:
/// the server cannot know yet, so the id rides in the links; the next click
/// brings the test cookie back, and the session moves into the cookie under
/// a new id.
async fn cookies_on_a_session_from_the_url_moves_into_the_cookie(e2e: E2e) {
    let browser = e2e.browser(app(), Cookies::Allowed).await;
    browser.open("/pageCount/").await;
    browser.expect_main("Count: 1").await;
    let old = links_with_sid(&browser).await;
    assert!(!old.is_empty(), "the first page carries the id in its links");

    browser.click_link("Count again").await;
    browser.expect_main("Count: 2").await;
    browser.expect_main("moves into the sessionid cookie").await;
    browser.click_link("Count again").await;
    browser.expect_main("Count: 3").await;
    browser.expect_main("by cookie").await;
    assert_eq!(links_with_sid(&browser).await, Vec::<String>::new());
}

async fn cookies_blocked_cart_keeps_its_items(e2e: E2e) {
    let browser = e2e.browser(app(), Cookies::Blocked).await;
    browser.open("/").await;
    browser.expect_main("not at all").await;
    assert_eq!(links_with_sid(&browser).await, Vec::<String>::new());

    // The form's CSRF token is the first thing stored: a session begins, and
    // its id rides in every link and form from now on.
    browser.click_link("Add Item").await;
    let sid_links = links_with_sid(&browser).await;
    assert!(!sid_links.is_empty(), "links carry the id");
    let sid = sid_links[0]
        .split("sid=")
        .nth(1)
        .expect("an id")
        .to_string();
    assert!(
        browser
            .hidden_fields()
            .await
            .contains(&("sid".to_string(), sid.clone())),
        "the form carries the id in a hidden field"
    );
    add_item(&browser, "apple", "2").await;
    browser.expect_main("by hidden field").await;
    browser
        .expect_main("Added to your cart: apple. You now have 2.")
        .await;
    browser.expect_wire(NO_COOKIES_SENT).await;
    add_item(&browser, "pear", "1").await;
    browser.expect_main("Added to your cart: pear.").await;

    // Click around: every page keeps the same session, through its links.
    for page in ["Display Items", "Shop", "Add Item", "Display Items"] {
        browser.click_link(page).await;
        browser.expect_main("by URL").await;
        assert!(browser.location().await.ends_with(&format!("sid={sid}")));
        let links = links_with_sid(&browser).await;
        assert!(
            links
                .iter()
                .all(|href| href.ends_with(&format!("sid={sid}"))),
            "every link carries the same id: {links:?}"
        );
    }
    assert_eq!(browser.table_rows().await, [["apple", "2"], ["pear", "1"]]);

    browser.click_link("Count my visits").await;
    browser.expect_main("Count: 1").await;
    browser.click_link("Count again").await;
    browser.expect_main("Count: 2").await;
    browser.click_link("Count again").await;
    browser.expect_main("Count: 3").await;
    // A reload keeps the id, since it is in the URL.
    browser.reload().await;
    browser.expect_main("Count: 4").await;
}
