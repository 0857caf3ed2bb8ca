//! `just screenshots`: the book's pictures. Headless Chromium clicks through
//! each chapter's "Try it" steps as the book tells a student to, and the
//! pictures are saved where the book shows them, as
//! `book/src/screenshots/chapter-N-what.png` (or in `SCREENSHOT_DIR`).
//!
//! Each picture is cut to what its step is about (the page's main part, the
//! wire inspector, or both), at the width the book shows it at, with what to
//! look at outlined: see `Shot` in `support.rs`. A picture changes only when
//! its page does: session ids and CSRF tokens count 1, 2, 3…
//! (`course_kit::use_predictable_ids_for_screenshots`), every time on a page
//! is written as if the page had been served on 6 January 2025 at 09:00 UTC,
//! and the few other values that differ on every run (chapter 8's nonces,
//! ports the system chose) get fixed stand-ins. The book's introduction
//! says so.
//!
//! One test per chapter, `screenshots::chapter_N`, each ignored, so that
//! `cargo test` and `just e2e` never rewrite the book's pictures. `just
//! screenshots` runs each chapter's in a process of its own, so that its ids
//! count from 1 whatever the other chapters did, and then shrinks the PNGs
//! with oxipng; `just screenshots 4` takes chapter 4's alone. The predictable
//! ids are switched on for the whole process, so a screenshot test refuses
//! to run beside any other test.

use std::{path::PathBuf, sync::OnceLock, time::Duration};

use libtest_mimic::{Arguments, Trial};

use crate::support::{
    Cookies, E2e, Shot, WIRE_HEADING, WIRE_REQUEST, WIRE_RESPONSE, WIRE_STORE, add_item,
    at_the_start_of_a_second, browser_test, screenshot_dir, stand_in,
};

/// One ignored test per chapter. A new chapter: one more line here, and its
/// function below (or a `screenshots` function in its own module).
pub fn tests() -> Vec<Trial> {
    let trials: Vec<Trial> = [
        browser_test!(chapter_1),
        browser_test!(chapter_2),
        browser_test!(chapter_3),
        browser_test!(chapter_4),
        browser_test!(chapter_5),
        browser_test!(chapter_6),
        browser_test!(chapter_7),
        browser_test!(chapter_8),
        browser_test!(chapter_9),
        browser_test!(chapter_10),
        browser_test!(chapter_11),
    ]
    .into_iter()
    .map(|trial| trial.with_ignored_flag(true))
    .collect();
    // Whether this run is one screenshot test and nothing else, worked out
    // from the command line as the runner will read it.
    let args = Arguments::from_args();
    let chosen = trials
        .iter()
        .filter(|trial| !args.is_filtered_out(trial))
        .count();
    let alone = if args.include_ignored {
        Err("--include-ignored would run the screenshots beside the other browser tests")
    } else if chosen > 1 {
        Err("this run would take several chapters' screenshots in one process")
    } else {
        Ok(())
    };
    let _ = ALONE.set(alone);
    trials
}

/// Whether the screenshot test that runs is the only test of the run.
static ALONE: OnceLock<Result<(), &'static str>> = OnceLock::new();

/// The start of every screenshot test: checks that it runs alone, switches
/// the predictable ids on, and returns the folder for the pictures.
fn begin() -> PathBuf {
    if let Some(Err(why)) = ALONE.get() {
        panic!(
            "{why}, and the predictable session ids would leak into the others, or count on \
             from another chapter's. Run `just screenshots` (or `just screenshots N`): it runs \
             each chapter's screenshots in a process of its own."
        );
    }
    course_kit::use_predictable_ids_for_screenshots();
    screenshot_dir()
}

async fn chapter_1(e2e: E2e) {
    let dir = begin();
    let b = e2e.browser(crate::chapter_1::app(), Cookies::Allowed).await;
    // Step 1: the form, and a request count the server cannot attribute.
    b.open("/").await;
    b.expect_main("answered 1 request").await;
    let shot = Shot::main_and_wire("chapter-1-say-your-name")
        .outline_text("main", "answered 1 request")
        .outline_text("#wire", "sent no cookies")
        .outline_text("#wire", "sets no cookies");
    b.save_shot(&dir, shot).await;
    // Step 2: the name travels in the URL.
    b.fill("name", "Ada").await;
    b.press("Say hello").await;
    b.expect_main("Hello, Ada!").await;
    let shot = Shot::main_and_wire("chapter-1-greeting")
        .outline_text("main", "Hello, Ada!")
        .outline_text("#wire", "GET /hello/?name=Ada");
    b.save_shot(&dir, shot).await;
    // Step 3: nothing carries it to the next page.
    b.click_link("Who am I?").await;
    b.expect_main("I don't know who you are.").await;
    let shot = Shot::main_and_wire("chapter-1-who-am-i")
        .outline_text("main", "I don't know who you are.")
        .outline_text("#wire", "GET /whoami/");
    b.save_shot(&dir, shot).await;
}

async fn chapter_2(e2e: E2e) {
    let dir = begin();
    let b = e2e.browser(crate::chapter_2::app(), Cookies::Allowed).await;
    // Step 1: the test cookie is set, and the mark stored on the server.
    b.open("/home/").await;
    let shot = Shot::main_and_wire("chapter-2-set-the-test-cookie")
        .outline("#wire .set-cookie")
        .outline_text("#wire", "testcookie");
    b.save_shot(&dir, shot).await;
    // Step 2: the cookie came back.
    b.click_link("go to page 2").await;
    b.expect_main("Test cookie worked").await;
    let shot = Shot::of(
        "chapter-2-did-it-work",
        &["main > h1", "main > p:first-of-type"],
    )
    .then(&["#wire"])
    .outline_text("#wire", "Your browser sent these cookies")
    .outline(&format!("{WIRE_STORE} table"));
    b.save_shot(&dir, shot).await;
    // Step 4: a browser that keeps no cookies.
    let b = e2e.browser(crate::chapter_2::app(), Cookies::Blocked).await;
    b.open("/home/").await;
    b.click_link("go to page 2").await;
    b.expect_main("Test cookie did not work").await;
    let shot = Shot::main_and_wire("chapter-2-did-it-work-cookies-blocked")
        .outline_text("#wire", "sent no cookies")
        .outline_text("#wire", "belongs to no session");
    b.save_shot(&dir, shot).await;
}

async fn chapter_3(e2e: E2e) {
    let dir = begin();
    let b = e2e.browser(crate::chapter_3::app(), Cookies::Allowed).await;
    // Steps 1 and 2: the first visit, then a reload.
    b.open("/countView/").await;
    b.expect_main("visited this page 1 times").await;
    b.reload().await;
    b.expect_main("visited this page 2 times").await;
    let shot = Shot::main_and_wire("chapter-3-count-my-visits")
        .outline("#wire table")
        .outline_text("#wire", "Set-Cookie: count=2");
    b.save_shot(&dir, shot).await;
}

async fn chapter_4(e2e: E2e) {
    let dir = begin();
    let b = e2e.browser(crate::chapter_4::app(), Cookies::Allowed).await;
    // Step 1: the shop page.
    b.open("/").await;
    let shot = Shot::main_and_wire("chapter-4-shop")
        .outline_text("#wire", "sent no cookies")
        .outline_text("#wire", "sets no cookies");
    b.save_shot(&dir, shot).await;
    // Steps 2 and 3: the form, then two apples.
    b.click_link("Add Item").await;
    add_item(&b, "apple", "2").await;
    b.expect_main("Added to your cart: apple. You now have 2.")
        .await;
    let shot = Shot::main_and_wire("chapter-4-add-item")
        .outline_text("main", "You now have 2.")
        .outline_text("#wire", "Set-Cookie: cart_YXBwbGU=2");
    b.save_shot(&dir, shot).await;
    // Step 3, then 4: three more apples, and an item called csrftoken.
    add_item(&b, "apple", "3").await;
    b.expect_main("You now have 5.").await;
    add_item(&b, "csrftoken", "1").await;
    b.expect_main("Added to your cart: csrftoken.").await;
    // Step 5: the cart, from the cart_ cookies alone.
    b.click_link("Display Items").await;
    let shot = Shot::main_and_wire("chapter-4-display-items")
        .outline("main table")
        .outline("#wire table");
    b.save_shot(&dir, shot).await;
    // Step 6: bad input.
    b.click_link("Add Item").await;
    add_item(&b, "", "three").await;
    b.expect_main("Enter a whole number.").await;
    let shot = Shot::main_and_wire("chapter-4-add-item-errors")
        .outline("main .error")
        .outline_text("#wire", "422 Unprocessable Entity");
    b.save_shot(&dir, shot).await;
}

async fn chapter_5(e2e: E2e) {
    let dir = begin();
    let b = e2e.browser(crate::chapter_5::app(), Cookies::Allowed).await;
    // Steps 1 and 2: the first visit, then a reload.
    b.open("/pageCount/").await;
    b.expect_main("Count: 1").await;
    b.reload().await;
    b.expect_main("Count: 2").await;
    let shot = Shot::of("chapter-5-count-my-visits", &["main > p:nth-of-type(-n+3)"])
        .then(&["#wire"])
        .outline("#wire .set-cookie > p")
        .outline_text("#wire tbody", "count");
    b.save_shot(&dir, shot).await;
}

async fn chapter_6(e2e: E2e) {
    let dir = begin();
    let b = e2e.browser(crate::chapter_6::app(), Cookies::Allowed).await;
    // Step 1: the shop page stores nothing.
    b.open("/").await;
    let shot = Shot::main_and_wire("chapter-6-shop")
        .outline_text("main", "Session expiry Time in date")
        .outline_text("#wire", "sets no cookies")
        .outline_text("#wire", "belongs to no session");
    b.save_shot(&dir, shot).await;
    // Steps 2 to 4: Display Items, Add Item, two apples.
    b.click_link("Display Items").await;
    b.expect_main("No items in your cart").await;
    b.click_link("Add Item").await;
    add_item(&b, "apple", "2").await;
    b.expect_main("You now have 2.").await;
    let shot = Shot::of("chapter-6-add-item", &["main > h1", "main > .success"])
        .then(&[WIRE_HEADING, "#wire .set-cookie > p"])
        .then(&[WIRE_STORE])
        .outline("#wire .set-cookie > p")
        .outline_text("#wire tbody", "cart");
    b.save_shot(&dir, shot).await;
    // Then three more apples, a pear, and a bad quantity.
    add_item(&b, "apple", "3").await;
    b.expect_main("You now have 5.").await;
    add_item(&b, "pear", "1").await;
    b.expect_main("Added to your cart: pear.").await;
    add_item(&b, "pear", "-4").await;
    b.expect_main("greater than or equal to 1").await;
    // Step 5: the cart, read from the session.
    b.click_link("Display Items").await;
    let shot = Shot::main("chapter-6-display-items")
        .then(&[WIRE_HEADING, WIRE_RESPONSE])
        .outline("main table")
        .outline_text("#wire", "sets no cookies");
    b.save_shot(&dir, shot).await;
}

async fn chapter_7(e2e: E2e) {
    let dir = begin();
    // First, with cookies blocked. Step 1: the shop page stores nothing.
    let b = e2e.browser(crate::chapter_7::app(), Cookies::Blocked).await;
    b.open("/").await;
    b.expect_main("not at all").await;
    let shot = Shot::main_and_wire("chapter-7-shop")
        .outline_text("main", "not at all")
        .outline_text("#wire", "cookietest=1");
    b.save_shot(&dir, shot).await;
    // Steps 2 and 3: the form begins a session; the post carries its id.
    b.click_link("Add Item").await;
    add_item(&b, "apple", "2").await;
    b.expect_main("by hidden field").await;
    let shot = Shot::main("chapter-7-add-item-cookies-blocked")
        .then(&[WIRE_HEADING, WIRE_REQUEST])
        .then(&[WIRE_STORE])
        .outline_text("main", "by hidden field")
        .outline_text("#wire tbody", "sid")
        .outline_text("#wire tbody", "cart");
    b.save_shot(&dir, shot).await;
    // Step 4: the link carries it.
    b.click_link("Display Items").await;
    b.expect_main("by URL").await;
    let shot = Shot::main("chapter-7-display-items-cookies-blocked")
        .then(&[WIRE_HEADING, WIRE_REQUEST])
        .outline_text("main", "by URL")
        .outline_text("#wire", "GET /displayItems/?sid=");
    b.save_shot(&dir, shot).await;

    // Then, with cookies allowed. Step 1: the count is stored before the
    // server knows whether cookies work.
    let b = e2e.browser(crate::chapter_7::app(), Cookies::Allowed).await;
    b.open("/pageCount/").await;
    b.expect_main("Count: 1").await;
    // Step 2: the test cookie came back, and the session moves into a cookie.
    b.click_link("Count again").await;
    b.expect_main("Count: 2").await;
    let shot = Shot::main("chapter-7-count-moves-into-a-cookie")
        .then(&[WIRE_HEADING, "#wire .set-cookie > p"])
        .outline_text("main", "The session now moves into the sessionid cookie")
        .outline_text("#wire", "GET /pageCount/?sid=")
        .outline("#wire .set-cookie > p");
    b.save_shot(&dir, shot).await;
    // Step 3: the cookie wins.
    b.click_link("Count again").await;
    b.expect_main("Count: 3").await;
    b.expect_main("by cookie").await;
    // Step 5: chapter 6 again.
    b.click_link("Add Item").await;
    add_item(&b, "apple", "2").await;
    b.expect_main("by cookie").await;
    let shot = Shot::main("chapter-7-add-item")
        .then(&[WIRE_HEADING, WIRE_REQUEST])
        .outline_text("main", "by cookie")
        .outline_text("#wire tbody", "sessionid");
    b.save_shot(&dir, shot).await;
    b.click_link("Display Items").await;
    b.expect_main("by cookie").await;
    let shot = Shot::main("chapter-7-display-items")
        .then(&[WIRE_HEADING, WIRE_REQUEST])
        .outline_text("main", "by cookie")
        .outline_text("#wire", "GET /displayItems/");
    b.save_shot(&dir, shot).await;
}

async fn chapter_8(e2e: E2e) {
    use crate::chapter_8::{app, key_file, servers};
    let dir = begin();
    // Fixed keys, so that the signatures are the same on every run. Server 1
    // has another key, as after a restart.
    let key_a = key_file("a", 0);
    let apps = vec![
        app(&["--key-file", &key_a]).await,
        app(&["--key-file", &key_file("b", 100)]).await,
    ];
    let b = servers(&e2e, apps, Cookies::Allowed).await;
    // Steps 1 and 2: the signed counter, then a reload.
    b.open("/0/signed/").await;
    b.reload().await;
    b.expect_main("visited this page 2 times").await;
    let shot = Shot::wire("chapter-8-signed-counter").outline_text("#wire li", "count is signed.");
    b.save_shot(&dir, shot).await;
    // Step 5: a restart, played by a second server with another key.
    b.open("/1/signed/").await;
    b.expect_main("signature does not match").await;
    let shot = Shot::of(
        "chapter-8-signed-counter-another-key",
        &["main > .notice", "main > h1"],
    )
    .outline("main .notice");
    b.save_shot(&dir, shot).await;
    // Step 8: the private counter. Each value has a random nonce: the
    // picture shows stand-ins, of the same length, for the two values.
    b.open("/0/private/").await;
    let sent = b
        .cookie_value("private_count")
        .await
        .expect("a private cookie");
    b.reload().await;
    b.expect_main("visited this page 2 times").await;
    let new = b
        .cookie_value("private_count")
        .await
        .expect("a private cookie");
    let shot = Shot::wire("chapter-8-private-counter")
        .replacing(&sent, &stand_in(&sent, 1))
        .replacing(&new, &stand_in(&new, 2))
        .outline_text("#wire li", "private_count is private");
    b.save_shot(&dir, shot).await;

    // Step 9: the stamped counter, with --max-age 1. Started at the top of
    // a second, the reloads 2.1 s apart are 2 whole seconds apart on the
    // server's clock. The stamps, and the signatures made over them, differ
    // on every run: the picture shows the stamps as 09:00:00 and 2 seconds
    // earlier, and stand-ins for the signatures.
    let stamped = app(&["--key-file", &key_a, "--max-age", "1"]).await;
    let b = e2e.browser(stamped, Cookies::Allowed).await;
    at_the_start_of_a_second().await;
    b.open("/stamped/").await;
    b.reload().await;
    b.expect_main("visited this page 2 times").await;
    let sent = b.cookie_value("stamped_count").await.expect("a cookie");
    tokio::time::sleep(Duration::from_millis(2100)).await;
    b.reload().await;
    b.expect_main("signed it 2 seconds ago, more than the 1 it accepts")
        .await;
    let new = b.cookie_value("stamped_count").await.expect("a cookie");
    let mut shot = Shot::of(
        "chapter-8-stamped-counter-too-old",
        &["main > .notice", "main > h1"],
    )
    .then(&["#wire"])
    .outline("main .notice")
    .outline_text("#wire li", "Then its value, readable by anyone");
    for (value, fixed_stamp, seed) in [(&sent, "1736153998", 3), (&new, "1736154000", 4)] {
        let (signature, stamped_value) = value.split_at(44);
        let (_count, stamp) = stamped_value.split_once(':').expect("count:stamp");
        shot = shot
            .replacing(signature, &stand_in(signature, seed))
            .replacing(stamp, fixed_stamp);
    }
    b.save_shot(&dir, shot).await;

    // The lab: --no-verify, and a count edited in the developer tools.
    let lab = app(&["--key-file", &key_file("c", 200), "--no-verify"]).await;
    let b = e2e.browser(lab, Cookies::Allowed).await;
    b.open("/signed/").await;
    let value = b.cookie_value("count").await.expect("a signed count");
    let signature = value.get(..44).expect("a signature in front of the count");
    b.edit_cookie("count", &format!("{signature}999")).await;
    b.reload().await;
    b.expect_main("You have visited this page 1000 times").await;
    let shot = Shot::of(
        "chapter-8-lab-no-verify",
        &["main > .defence-off", "main > h1"],
    )
    .outline("main .defence-off")
    .outline("main > h1");
    b.save_shot(&dir, shot).await;
}

async fn chapter_9(e2e: E2e) {
    let dir = begin();
    crate::chapter_9::screenshots(&e2e, &dir).await;
}

async fn chapter_10(e2e: E2e) {
    let dir = begin();
    crate::chapter_10::screenshots(&e2e, &dir).await;
}

/// Chapter 11's pictures are taken by `screenshots` in its own module,
/// `chapter_11.rs`: there, `browser.screenshot(dir, name)` saves a page's
/// main part and wire inspector, and `browser.save_shot(dir, Shot::…)` cuts,
/// outlines and stacks pieces as the pictures of the other chapters here do.
async fn chapter_11(e2e: E2e) {
    let dir = begin();
    crate::chapter_11::screenshots(&e2e, &dir).await;
}
