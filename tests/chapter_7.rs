//! Chapter 7: the cart and counter work without cookies, through rewritten
//! URLs and hidden fields; with cookies, URLs turn clean after one round
//! trip; and ids the server did not create are never adopted.

use course_kit::testing::Browser;
use insta::assert_snapshot;

const ADD: &str = "/addItem/";

#[tokio::test]
async fn without_cookies_the_cart_travels_in_urls_and_forms() {
    let mut browser = Browser::without_cookies(chapter_7::app());

    let index = browser.get("/").await;
    assert!(index.main_text().contains("welcome to my shopping cart"));
    assert!(
        index
            .main_text()
            .contains("not at all: this is a new session.")
    );
    let add_link = index.link("Add Item").unwrap();
    assert!(
        add_link.starts_with("/addItem/?sid="),
        "links carry the id: {add_link}"
    );
    assert_eq!(index.headers["referrer-policy"], "no-referrer");
    assert_snapshot!("cookies_off_1_index", index.snapshot());

    let form = browser.click(&index, "Add Item").await;
    assert!(form.main_text().contains("by URL"));
    let sid = add_link.trim_start_matches("/addItem/?sid=").to_string();
    assert!(
        form.forms()[0]
            .hidden
            .iter()
            .any(|(name, value)| name == "sid" && *value == sid)
    );
    assert_snapshot!("cookies_off_2_form", form.snapshot());

    let added = browser
        .submit(&form, ADD, &[("name", "apple"), ("quantity", "2")])
        .await;
    assert_eq!(added.status, 200, "{}", added.main_text());
    assert!(added.main_text().contains("by hidden field"));
    assert!(
        added
            .main_text()
            .contains("Added to your cart: apple. You now have 2.")
    );
    assert_snapshot!("cookies_off_3_added", added.snapshot());

    let again = browser
        .submit(&added, ADD, &[("name", "pear"), ("quantity", "1")])
        .await;
    assert_eq!(again.status, 200);

    let cart = browser.click(&again, "Display Items").await;
    assert!(cart.main_text().contains("by URL"));
    assert!(cart.main_text().contains("apple | 2") && cart.main_text().contains("pear | 1"));
    assert_eq!(
        cart.link("Add Item").unwrap(),
        format!("/addItem/?sid={sid}"),
        "the same session throughout"
    );
    assert_snapshot!("cookies_off_4_display", cart.snapshot());
}

#[tokio::test]
async fn without_cookies_the_counter_counts_through_the_url() {
    let mut browser = Browser::without_cookies(chapter_7::app());
    let mut page = browser.get("/pageCount/").await;
    assert!(page.main_text().contains("Count: 1"));
    for expected in 2..=3 {
        page = browser.click(&page, "Count again").await;
        assert!(
            page.main_text().contains(&format!("Count: {expected}")),
            "{}",
            page.main_text()
        );
    }
    assert_snapshot!("cookies_off_count_3", page.snapshot());
    // A reload without the id in the URL is a new visitor.
    let bare = browser.get("/pageCount/").await;
    assert!(bare.main_text().contains("Count: 1"));
}

#[tokio::test]
async fn with_cookies_urls_turn_clean_after_one_round_trip() {
    let mut browser = Browser::new(chapter_7::app());
    let index = browser.get("/").await;
    assert!(
        index.link("Add Item").unwrap().contains("?sid="),
        "the server cannot know yet"
    );
    assert!(index.set_cookie("sessionid").is_some());

    let form = browser.click(&index, "Add Item").await;
    assert!(form.main_text().contains("by cookie"));
    assert_eq!(
        form.link("Display Items").as_deref(),
        Some("/displayItems/")
    );
    assert!(
        form.forms()[0].hidden.iter().all(|(name, _)| name != "sid"),
        "no hidden sid once cookies work"
    );
    assert_snapshot!("cookies_on_2_form", form.snapshot());

    let added = browser
        .submit(&form, ADD, &[("name", "apple"), ("quantity", "1")])
        .await;
    assert!(added.main_text().contains("by cookie"));
    let cart = browser.get("/displayItems/").await;
    assert!(cart.main_text().contains("apple | 1"));
    let count = browser.get("/pageCount/").await;
    assert!(count.main_text().contains("Count: 1"));
    let count = browser.get("/pageCount/").await;
    assert!(count.main_text().contains("Count: 2"));
}

#[tokio::test]
async fn a_forged_sid_is_never_adopted() {
    let mut browser = Browser::without_cookies(chapter_7::app());
    let forged = "AAAAAAAAAAAAAAAAAAAAAA";
    let page = browser.get(&format!("/pageCount/?sid={forged}")).await;
    assert!(page.main_text().contains("Count: 1"));
    assert!(page.main_text().contains("It was not adopted"));
    let link = page.link("Count again").unwrap();
    assert!(
        !link.contains(forged),
        "a new id, not the forged one: {link}"
    );
    assert_snapshot!("forged_sid", page.snapshot());

    let garbage = browser.get("/pageCount/?sid=%3Cscript%3E").await;
    assert_eq!(garbage.status, 200);
    assert!(garbage.main_text().contains("It was not adopted"));

    let hidden = browser
        .post(
            "/addItem/",
            &[("sid", forged), ("name", "x"), ("quantity", "1")],
        )
        .await;
    assert_eq!(hidden.status, 403, "a new session has no CSRF token yet");
}

#[tokio::test]
async fn the_url_sid_is_ignored_when_the_cookie_is_present() {
    let app = chapter_7::app();
    let mut alice = Browser::new(app.clone());
    alice.get("/pageCount/").await;
    alice.get("/pageCount/").await; // Alice's count is 2

    let mut mallory = Browser::without_cookies(app);
    let page = mallory.get("/pageCount/").await;
    let mallory_link = page.link("Count again").unwrap();

    // Alice follows a link carrying Mallory's id; her cookie wins.
    let page = alice.get(&mallory_link).await;
    assert!(page.main_text().contains("by cookie"));
    assert!(page.main_text().contains("Count: 3"));
}

/// The chapter's key requests as `curl -i` shows them, for the book's
/// "The exchange, as curl sees it" (`book/src/chapter-7.md` includes the
/// snapshot): once with a browser that refuses cookies, once with one that
/// keeps them.
#[tokio::test]
async fn transcript() {
    let found = [
        "found its session",
        "Added to your cart",
        " | ",
        "not adopted",
    ];

    let mut off = Browser::without_cookies(chapter_7::app());
    let mut walk_off = vec!["# A browser that refuses cookies".to_string()];
    let index = off.get("/").await;
    walk_off.push(index.transcript(&found));
    let form = off.click(&index, "Add Item").await;
    assert!(form.main_text().contains("by URL"));
    walk_off.push(form.transcript(&found));
    let added = off
        .submit(&form, ADD, &[("name", "apple"), ("quantity", "2")])
        .await;
    assert!(added.main_text().contains("by hidden field"));
    walk_off.push(added.transcript(&found));
    let cart = off.click(&added, "Display Items").await;
    assert!(cart.main_text().contains("apple | 2"));
    walk_off.push(cart.transcript(&found));
    // A made-up id is never adopted.
    let forged = off.get("/pageCount/?sid=AAAAAAAAAAAAAAAAAAAAAA").await;
    assert!(forged.main_text().contains("It was not adopted"));
    walk_off.push(forged.transcript(&found));

    let mut on = Browser::new(chapter_7::app());
    let mut walk_on = vec!["# A browser that keeps cookies".to_string()];
    let index = on.get("/").await;
    walk_on.push(index.transcript(&found));
    let form = on.click(&index, "Add Item").await;
    assert!(form.main_text().contains("by cookie"));
    walk_on.push(form.transcript(&found));
    let added = on
        .submit(&form, ADD, &[("name", "apple"), ("quantity", "2")])
        .await;
    walk_on.push(added.transcript(&found));
    let cart = on.click(&added, "Display Items").await;
    assert_eq!(
        cart.target, "/displayItems/",
        "clean URLs once cookies work"
    );
    walk_on.push(cart.transcript(&found));

    let text = format!("{}\n{}", walk_off.join("\n"), walk_on.join("\n"));
    insta::with_settings!({ omit_expression => true }, {
        insta::assert_snapshot!("transcript", text)
    });
}
