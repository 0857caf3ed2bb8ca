//! `just screenshots`: a PNG of each page of each chapter, with something in
//! it, saved to `book/src/screenshots/chapter-N-page-label.png` for the book.
//! The test is ignored, so plain `cargo test` and `just e2e` never rewrite
//! the book's pictures; `--ignored screenshots` runs it. With
//! `SCREENSHOT_DIR=/some/folder` set, the PNGs go there instead.

use libtest_mimic::Trial;

use crate::support::{Cookies, E2e, add_item, browser_test, screenshot_dir};
use crate::{
    chapter_1, chapter_2, chapter_3, chapter_4, chapter_5, chapter_6, chapter_7, chapter_8, chapter_9,
    chapter_10, chapter_11,
};

/// The screenshots, as one test, ignored unless asked for (`--ignored`).
pub fn tests() -> Vec<Trial> {
    vec![browser_test!(every_page_of_every_chapter).with_ignored_flag(true)]
}

async fn every_page_of_every_chapter(e2e: E2e) {
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

    // Fixed keys, so that the signatures are the same on every run. Server 1
    // has another key (as after a restart); server 2, a third one, is the
    // lab, which believes server 1's cookie without checking it. (The
    // private cookie's value still changes: its nonce is random.)
    let key_a = chapter_8::key_file("a", 0);
    let apps = vec![
        chapter_8::app(&["--key-file", &key_a]).await,
        chapter_8::app(&["--key-file", &chapter_8::key_file("b", 100)]).await,
        chapter_8::app(&["--key-file", &chapter_8::key_file("c", 200), "--no-verify"]).await,
    ];
    let b = chapter_8::servers(&e2e, apps, Cookies::Allowed).await;
    b.open("/0/signed/").await;
    b.reload().await;
    b.expect_main("visited this page 2 times").await;
    shot!(b, "chapter-8-signed-counter");
    b.open("/1/signed/").await;
    b.expect_main("signature does not match").await;
    shot!(b, "chapter-8-signed-counter-another-key");
    b.open("/2/signed/").await;
    b.expect_main("Defence off").await;
    shot!(b, "chapter-8-lab-no-verify");
    b.open("/0/private/").await;
    b.reload().await;
    b.expect_main("visited this page 2 times").await;
    shot!(b, "chapter-8-private-counter");
    let stamped = chapter_8::app(&["--key-file", &key_a, "--max-age", "1"]).await;
    let b = e2e.browser(stamped, Cookies::Allowed).await;
    b.open("/stamped/").await;
    b.reload().await;
    tokio::time::sleep(std::time::Duration::from_millis(2100)).await;
    b.reload().await;
    b.expect_main("more than the 1 it accepts").await;
    shot!(b, "chapter-8-stamped-counter-too-old");

    saved.extend(chapter_9::screenshots(&e2e, &dir).await);
    saved.extend(chapter_10::screenshots(&e2e, &dir).await);
    saved.extend(chapter_11::screenshots(&e2e, &dir).await);

    println!();
    for path in saved {
        println!("  saved {}", path.display());
    }
}
