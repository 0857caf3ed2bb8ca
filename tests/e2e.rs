//! End-to-end tests in a real browser: headless Chromium, driven over
//! WebDriver by chromedriver. Each test serves one chapter on a free port of
//! 127.0.0.1 and clicks through it as a learner would, reading what the
//! browser renders. Where `tests/chapter_N.rs` pretends to be a browser,
//! these use one: its own cookie jar, its own form submission, and, for the
//! tests with cookies blocked, its own privacy setting.
//!
//! Run them with `just e2e`. Without Chromium and chromedriver they are
//! skipped, and `cargo test` says so. `just screenshots` runs the ignored
//! `screenshots` test, which saves a PNG of each page of each chapter into
//! `book/src/screenshots/`.
//!
//! The runner (in `e2e_support`) starts one chromedriver for all the tests;
//! every test opens its own browser with a new, empty profile.

mod e2e_support;

use std::process::ExitCode;

use e2e_support::{Browser, Cookies, E2e, Test, screenshot_dir};

/// One entry of the test list: an async test function, by name.
macro_rules! tests {
    ($($name:ident),* $(,)?; ignored: $($ignored:ident),* $(,)?) => {
        &[
            $(Test { name: stringify!($name), run: |e2e| Box::pin($name(e2e)), ignored: false },)*
            $(Test { name: stringify!($ignored), run: |e2e| Box::pin($ignored(e2e)), ignored: true },)*
        ]
    };
}

fn main() -> ExitCode {
    e2e_support::run(tests![
        chapter_1_greets_by_name_then_forgets,
        chapter_2_test_cookie_works_with_cookies,
        chapter_2_test_cookie_fails_with_cookies_blocked,
        chapter_3_counts_with_cookies,
        chapter_3_stays_at_1_with_cookies_blocked,
        chapter_4_cart_in_cookies,
        chapter_5_counts_in_the_session,
        chapter_5_stays_at_1_with_cookies_blocked,
        chapter_6_cart_add_remove_empty,
        chapter_7_cookies_on_urls_turn_clean,
        chapter_7_cookies_blocked_cart_keeps_its_items;
        ignored: screenshots,
    ])
}

/// The wire inspector's sentence for a request without a `Cookie` header.
const NO_COOKIES_SENT: &str = "Your browser sent no cookies with this request";

async fn add_item(browser: &Browser, name: &str, quantity: &str) {
    browser.fill("name", name).await;
    browser.fill("quantity", quantity).await;
    browser.press("Add Item").await;
}

async fn chapter_1_greets_by_name_then_forgets(e2e: E2e) {
    let browser = e2e.browser(chapter_1::app(), Cookies::Allowed).await;
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

async fn chapter_2_test_cookie_works_with_cookies(e2e: E2e) {
    let browser = e2e.browser(chapter_2::app(), Cookies::Allowed).await;
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

async fn chapter_2_test_cookie_fails_with_cookies_blocked(e2e: E2e) {
    let browser = e2e.browser(chapter_2::app(), Cookies::Blocked).await;
    browser.open("/home/").await;
    browser.expect_main("Set test cookie").await;
    browser.click_link("go to page 2").await;
    browser.expect_main("Test cookie did not work").await;
    browser.expect_wire(NO_COOKIES_SENT).await;
}

async fn chapter_3_counts_with_cookies(e2e: E2e) {
    let browser = e2e.browser(chapter_3::app(), Cookies::Allowed).await;
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
async fn chapter_3_stays_at_1_with_cookies_blocked(e2e: E2e) {
    let browser = e2e.browser(chapter_3::app(), Cookies::Blocked).await;
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

async fn chapter_4_cart_in_cookies(e2e: E2e) {
    let browser = e2e.browser(chapter_4::app(), Cookies::Allowed).await;
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

async fn chapter_5_counts_in_the_session(e2e: E2e) {
    let browser = e2e.browser(chapter_5::app(), Cookies::Allowed).await;
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

async fn chapter_5_stays_at_1_with_cookies_blocked(e2e: E2e) {
    let browser = e2e.browser(chapter_5::app(), Cookies::Blocked).await;
    browser.open("/pageCount/").await;
    for _ in 0..3 {
        browser.expect_main("Count: 1").await;
        browser.expect_wire(NO_COOKIES_SENT).await;
        browser.reload().await;
    }
}

async fn chapter_6_cart_add_remove_empty(e2e: E2e) {
    let browser = e2e.browser(chapter_6::app(), Cookies::Allowed).await;
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

/// Links that carry the session id in their URL.
async fn links_with_sid(browser: &Browser) -> Vec<String> {
    let hrefs = browser.hrefs().await;
    hrefs
        .into_iter()
        .filter(|href| href.contains("sid="))
        .collect()
}

async fn chapter_7_cookies_on_urls_turn_clean(e2e: E2e) {
    let browser = e2e.browser(chapter_7::app(), Cookies::Allowed).await;
    browser.open("/").await;
    browser
        .expect_main("not at all: this is a new session.")
        .await;
    // The first page cannot know yet whether the browser keeps cookies.
    assert!(!links_with_sid(&browser).await.is_empty());

    browser.click_link("Add Item").await;
    browser.expect_main("by cookie").await;
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

async fn chapter_7_cookies_blocked_cart_keeps_its_items(e2e: E2e) {
    let browser = e2e.browser(chapter_7::app(), Cookies::Blocked).await;
    browser.open("/").await;
    browser
        .expect_main("not at all: this is a new session.")
        .await;
    let sid_links = links_with_sid(&browser).await;
    assert!(!sid_links.is_empty(), "links carry the id");
    let sid = sid_links[0]
        .split("sid=")
        .nth(1)
        .expect("an id")
        .to_string();

    browser.click_link("Add Item").await;
    browser.expect_main("by URL").await;
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

/// `just screenshots`: a PNG of each page of each chapter, with something in
/// it, saved to `book/src/screenshots/chapter-N-page-label.png`.
async fn screenshots(e2e: E2e) {
    let dir = screenshot_dir();
    let mut saved = Vec::new();
    macro_rules! shot {
        ($browser:expr, $name:expr) => {
            saved.push($browser.screenshot(&dir, $name).await)
        };
    }

    let b = e2e.browser(chapter_1::app(), Cookies::Allowed).await;
    b.open("/").await;
    shot!(b, "chapter-1-say-your-name");
    b.fill("name", "Ada").await;
    b.press("Say hello").await;
    b.expect_main("Hello, Ada!").await;
    shot!(b, "chapter-1-greeting");
    b.click_link("Who am I?").await;
    shot!(b, "chapter-1-who-am-i");

    let b = e2e.browser(chapter_2::app(), Cookies::Allowed).await;
    b.open("/home/").await;
    shot!(b, "chapter-2-set-the-test-cookie");
    b.click_link("go to page 2").await;
    b.expect_main("Test cookie worked").await;
    shot!(b, "chapter-2-did-it-work");
    let b = e2e.browser(chapter_2::app(), Cookies::Blocked).await;
    b.open("/home/").await;
    b.click_link("go to page 2").await;
    b.expect_main("Test cookie did not work").await;
    shot!(b, "chapter-2-did-it-work-cookies-blocked");

    let b = e2e.browser(chapter_3::app(), Cookies::Allowed).await;
    b.open("/countView/").await;
    b.reload().await;
    b.expect_main("visited this page 2 times").await;
    shot!(b, "chapter-3-count-my-visits");

    let b = e2e.browser(chapter_4::app(), Cookies::Allowed).await;
    b.open("/").await;
    shot!(b, "chapter-4-shop");
    b.click_link("Add Item").await;
    add_item(&b, "crème brûlée", "1").await;
    add_item(&b, "apple", "2").await;
    b.expect_main("You now have 2.").await;
    shot!(b, "chapter-4-add-item");
    add_item(&b, "", "lots").await;
    b.expect_main("Enter a whole number.").await;
    shot!(b, "chapter-4-add-item-errors");
    b.click_link("Display Items").await;
    shot!(b, "chapter-4-display-items");

    let b = e2e.browser(chapter_5::app(), Cookies::Allowed).await;
    b.open("/pageCount/").await;
    b.reload().await;
    b.expect_main("Count: 2").await;
    shot!(b, "chapter-5-count-my-visits");

    let b = e2e.browser(chapter_6::app(), Cookies::Allowed).await;
    b.open("/").await;
    shot!(b, "chapter-6-shop");
    b.click_link("Add Item").await;
    add_item(&b, "pear", "1").await;
    add_item(&b, "apple", "2").await;
    b.expect_main("You now have 2.").await;
    shot!(b, "chapter-6-add-item");
    b.click_link("Display Items").await;
    shot!(b, "chapter-6-display-items");

    let b = e2e.browser(chapter_7::app(), Cookies::Allowed).await;
    b.open("/").await;
    shot!(b, "chapter-7-shop");
    b.click_link("Add Item").await;
    add_item(&b, "apple", "2").await;
    b.expect_main("You now have 2.").await;
    shot!(b, "chapter-7-add-item");
    b.click_link("Display Items").await;
    shot!(b, "chapter-7-display-items");
    b.click_link("Count my visits").await;
    b.reload().await;
    b.expect_main("Count: 2").await;
    shot!(b, "chapter-7-count-my-visits");
    let b = e2e.browser(chapter_7::app(), Cookies::Blocked).await;
    b.open("/").await;
    b.click_link("Add Item").await;
    add_item(&b, "apple", "2").await;
    b.expect_main("by hidden field").await;
    shot!(b, "chapter-7-add-item-cookies-blocked");
    b.click_link("Display Items").await;
    b.expect_main("by URL").await;
    shot!(b, "chapter-7-display-items-cookies-blocked");

    println!();
    for path in saved {
        println!("  saved {}", path.display());
    }
}
