//! Chapter 4: the cookie cart. Items appear in the cart, bad input leaves it
//! as it was, other cookies are never listed as items, names that broke the
//! Django original are stored safely, and forged posts are refused.

use session_course::{Browser, snapshot};

const ADD: &str = "/addItem/";

#[tokio::test]
async fn a_learner_fills_the_cart() {
    let mut browser = Browser::open(chapter_4::CHAPTER, chapter_4::app).await;

    let index = browser.get("/").await;
    assert!(index.main_text().contains("welcome to my shopping cart"));
    assert!(index.link("Add Item").is_some() && index.link("Display Items").is_some());
    snapshot!("1_index", index.snapshot());

    let empty = browser.click(&index, "Display Items").await;
    assert!(empty.main_text().contains("Items in your cart"));
    assert!(empty.main_text().contains("No items in your cart"));
    snapshot!("2_display_empty", empty.snapshot());

    let form = browser.click(&index, "Add Item").await;
    assert!(
        form.set_cookie("csrftoken").is_some(),
        "the form page hands out a CSRF token"
    );
    snapshot!("3_add_form", form.snapshot());

    let added = browser
        .submit(&form, ADD, &[("name", "apple"), ("quantity", "2")])
        .await;
    assert_eq!(added.status, 200);
    assert!(
        added
            .main_text()
            .contains("Added to your cart: apple. You now have 2.")
    );
    let set = added
        .set_cookie("cart_YXBwbGU")
        .expect("apple is stored as cart_ + base64url");
    assert!(set.contains("Max-Age=120") && set.contains("HttpOnly"));
    snapshot!("4_added_apple", added.snapshot());
    // One whole page, layout and wire inspector included, keeps them locked.
    snapshot!("full_page", added.full_snapshot());

    let more = browser
        .submit(&added, ADD, &[("name", "apple"), ("quantity", "3")])
        .await;
    assert!(
        more.main_text().contains("You now have 5."),
        "adding again adds to the quantity"
    );
    browser
        .submit(&more, ADD, &[("name", "pear"), ("quantity", "1")])
        .await;

    let cart = browser.get("/displayItems/").await;
    let text = cart.main_text();
    assert!(text.contains("Product Name | Quantity"));
    assert!(text.contains("apple | 5"));
    assert!(text.contains("pear | 1"));
    assert!(!text.contains("csrftoken |"), "other cookies are not items");
    snapshot!("5_display_two_items", cart.snapshot());
}

#[tokio::test]
async fn bad_input_is_shown_again_and_changes_nothing() {
    let mut browser = Browser::open(chapter_4::CHAPTER, chapter_4::app).await;
    let form = browser.get(ADD).await;
    let added = browser
        .submit(&form, ADD, &[("name", "apple"), ("quantity", "2")])
        .await;

    let cases: [(&str, &str, &str); 6] = [
        ("", "2", "This field is required."),
        (
            "a-name-that-is-far-too-long-for-it",
            "1",
            "at most 30 characters (it has 34)",
        ),
        ("pear", "three", "Enter a whole number."),
        ("pear", "0", "greater than or equal to 1"),
        ("pear", "1000", "less than or equal to 999"),
        ("apple", "998", "would pass 999"),
    ];
    for (name, quantity, message) in cases {
        let page = browser
            .submit(&added, ADD, &[("name", name), ("quantity", quantity)])
            .await;
        assert_eq!(page.status, 422, "{name:?}/{quantity:?}");
        assert!(
            page.main_text().contains(message),
            "{name:?}/{quantity:?}: {}",
            page.main_text()
        );
        assert!(
            page.body.contains(&format!("value=\"{quantity}\"")),
            "what was typed is kept"
        );
        assert!(
            page.set_cookies().iter().all(|c| !c.starts_with("cart_")),
            "nothing stored"
        );
    }
    let both = browser
        .submit(&added, ADD, &[("name", ""), ("quantity", "x")])
        .await;
    assert!(
        both.main_text().contains("This field is required.")
            && both.main_text().contains("Enter a whole number.")
    );
    snapshot!("6_both_fields_bad", both.snapshot());

    let cart = browser.get("/displayItems/").await;
    assert!(
        cart.main_text().contains("apple | 2"),
        "the cart is as it was"
    );
    assert!(!cart.main_text().contains("pear"));
}

#[tokio::test]
async fn names_that_broke_the_original_are_safe() {
    let mut browser = Browser::open(chapter_4::CHAPTER, chapter_4::app).await;
    browser.set_cookie("count", "7"); // chapter 3's counter, on the same site
    let form = browser.get(ADD).await;
    for name in [
        "csrftoken",
        "sessionid",
        "count",
        "a; b=c",
        "crème brûlée",
        "<b>bold</b>",
    ] {
        let page = browser
            .submit(&form, ADD, &[("name", name), ("quantity", "1")])
            .await;
        assert_eq!(page.status, 200, "{name:?}");
    }
    // The CSRF cookie was not overwritten by the item called "csrftoken".
    let token = browser.cookie("csrftoken").unwrap().to_string();
    assert_eq!(token.len(), 43);
    assert_eq!(browser.cookie("count"), Some("7"));

    let cart = browser.get("/displayItems/").await;
    let text = cart.main_text();
    for name in [
        "csrftoken | 1",
        "sessionid | 1",
        "count | 1",
        "a; b=c | 1",
        "crème brûlée | 1",
        "<b>bold</b> | 1",
    ] {
        assert!(text.contains(name), "{name:?} in {text}");
    }
    assert!(
        !text.contains("count | 7"),
        "chapter 3's cookie is not an item"
    );
    assert!(!cart.body.contains("<b>bold"), "HTML is escaped");
    snapshot!("7_display_awkward_names", cart.snapshot());
}

// ANCHOR: another_origin
/// Cookie tossing: a page on another port of 127.0.0.1 (the same *site*,
/// another *origin*) sets its own `csrftoken` cookie for the host, which it
/// may, and posts a form with the same value in the field. The double-submit
/// check alone is fooled; the origin check is not.
#[tokio::test]
async fn a_post_from_another_origin_is_refused_even_with_a_matching_token() {
    let mut browser = Browser::open(chapter_4::CHAPTER, chapter_4::app).await;
    let tossed = "A".repeat(43);
    browser.set_cookie("csrftoken", &tossed);
    let fields = [
        ("name", "planted"),
        ("quantity", "1"),
        ("csrfmiddlewaretoken", tossed.as_str()),
    ];
    for (origin, site) in [
        ("http://127.0.0.1:19099", "same-site"),
        ("http://evil.example", "cross-site"),
    ] {
        let page = browser.post_from(origin, site, ADD, &fields).await;
        assert_eq!(page.status, 403, "{origin}");
        assert!(
            page.main_text().contains("another origin"),
            "{}",
            page.main_text()
        );
        assert!(
            page.set_cookie("cart_cGxhbnRlZA").is_none(),
            "nothing stored"
        );
    }
    // The same post from the chapter's own page is accepted: the check
    // refuses where a form came from, not the form.
    let own = browser
        .post_from("http://127.0.0.1:3004", "same-origin", ADD, &fields)
        .await;
    assert_eq!(own.status, 200, "{}", own.main_text());
}
// ANCHOR_END: another_origin

#[tokio::test]
async fn a_post_without_a_valid_csrf_token_is_refused() {
    let mut browser = Browser::open(chapter_4::CHAPTER, chapter_4::app).await;
    browser.get(ADD).await; // gets a csrftoken cookie

    let missing = browser
        .post(ADD, &[("name", "apple"), ("quantity", "1")])
        .await;
    assert_eq!(missing.status, 403);
    assert!(missing.main_text().contains("CSRF check failed"));
    assert!(missing.main_text().contains("no csrfmiddlewaretoken field"));
    snapshot!("8_csrf_missing", missing.snapshot());

    let wrong = browser
        .post(
            ADD,
            &[
                ("name", "apple"),
                ("quantity", "1"),
                ("csrfmiddlewaretoken", "forged"),
            ],
        )
        .await;
    assert_eq!(wrong.status, 403);
    assert!(wrong.set_cookies().iter().all(|c| !c.starts_with("cart_")));

    let mut stranger = Browser::open(chapter_4::CHAPTER, chapter_4::app).await;
    let no_cookie = stranger
        .post(
            ADD,
            &[
                ("name", "apple"),
                ("quantity", "1"),
                ("csrfmiddlewaretoken", "x"),
            ],
        )
        .await;
    assert_eq!(no_cookie.status, 403);
    assert!(no_cookie.main_text().contains("no csrftoken cookie"));
}

#[tokio::test]
async fn the_cart_refuses_an_item_past_its_limit() {
    let mut browser = Browser::open(chapter_4::CHAPTER, chapter_4::app).await;
    let form = browser.get(ADD).await;
    for i in 0..chapter_4::RULES.max_items {
        let page = browser
            .submit(
                &form,
                ADD,
                &[("name", &format!("item {i}")), ("quantity", "1")],
            )
            .await;
        assert_eq!(page.status, 200);
    }
    let refused = browser
        .submit(&form, ADD, &[("name", "one too many"), ("quantity", "1")])
        .await;
    assert_eq!(refused.status, 422);
    assert!(
        refused
            .main_text()
            .contains("already holds 20 different items")
    );
    // An item already in the cart can still grow.
    let more = browser
        .submit(&form, ADD, &[("name", "item 0"), ("quantity", "1")])
        .await;
    assert_eq!(more.status, 200);
}

#[tokio::test]
async fn damaged_cart_cookies_are_ignored_with_a_notice() {
    let mut browser = Browser::open(chapter_4::CHAPTER, chapter_4::app).await;
    browser.set_cookie("cart_YXBwbGU", "lots");
    browser.set_cookie("cart_!!!", "1");
    browser.set_cookie("cart_cGVhcg", "3");
    let cart = browser.get("/displayItems/").await;
    assert_eq!(cart.status, 200);
    assert!(cart.main_text().contains("pear | 3"));
    assert!(cart.main_text().contains("Ignored 2 cart cookie(s)"));
}

#[tokio::test]
async fn the_notes_links_without_a_slash_redirect() {
    let mut browser = Browser::open(chapter_4::CHAPTER, chapter_4::app).await;
    let page = browser.get("/addItem").await;
    assert_eq!(page.status, 307);
    assert_eq!(page.location(), Some("/addItem/"));
}

#[test]
fn cookie_names_round_trip() {
    for name in ["apple", "a; b=c", "crème", ""] {
        let cookie = chapter_4::cart_cookie_name(name);
        assert!(
            cookie
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
        );
        assert_eq!(
            chapter_4::item_from_cookie_name(&cookie).as_deref(),
            Some(name)
        );
    }
    assert_eq!(chapter_4::item_from_cookie_name("csrftoken"), None);
}

/// The chapter's key requests as `curl -i` shows them, for the book's
/// "The exchange, as curl sees it" (`book/src/chapter-4.md` includes the
/// snapshot).
#[tokio::test]
async fn transcript() {
    let mut browser = Browser::open(chapter_4::CHAPTER, chapter_4::app).await;
    let mut exchanges = Vec::new();

    let form = browser.get(ADD).await;
    exchanges.push(form.transcript(&[]));

    let added = browser
        .submit(&form, ADD, &[("name", "apple"), ("quantity", "2")])
        .await;
    assert!(added.set_cookie("cart_YXBwbGU").is_some());
    exchanges.push(added.transcript(&["Added to your cart"]));

    // The item name that overwrote the CSRF cookie in the Django original.
    let awkward = browser
        .submit(&added, ADD, &[("name", "csrftoken"), ("quantity", "1")])
        .await;
    assert!(awkward.set_cookie("cart_Y3NyZnRva2Vu").is_some());
    assert!(awkward.set_cookie("csrftoken").is_none());
    exchanges.push(awkward.transcript(&["Added to your cart"]));

    let bad = browser
        .submit(&awkward, ADD, &[("name", "pear"), ("quantity", "0")])
        .await;
    assert_eq!(bad.status, 422);
    assert!(bad.set_cookies().is_empty(), "nothing stored");
    assert!(bad.main_text().contains("greater than or equal to 1"));
    exchanges.push(bad.transcript(&["Ensure this value"]));

    let cart = browser.click(&bad, "Display Items").await;
    assert!(cart.main_text().contains("apple | 2"));
    exchanges.push(cart.transcript(&["Product Name", " | "]));

    let text = exchanges.join("\n");
    snapshot!("transcript", text);
}

#[tokio::test]
async fn a_made_up_csrf_cookie_and_field_pair_is_refused() {
    // Double submit only proves something if the cookie is a token this
    // server could have made: an empty or short pair must not pass.
    for token in ["", "x", "not-a-token"] {
        let mut browser = Browser::open(chapter_4::CHAPTER, chapter_4::app).await;
        browser.set_cookie("csrftoken", token);
        let page = browser
            .post(
                ADD,
                &[
                    ("name", "apple"),
                    ("quantity", "1"),
                    ("csrfmiddlewaretoken", token),
                ],
            )
            .await;
        assert_eq!(page.status, 403, "token {token:?}");
        assert!(page.set_cookies().iter().all(|c| !c.starts_with("cart_")));
    }
}

/// The request log's lines that the book's "Try it" steps quote, one
/// snapshot per step (`log_1` is step 1), from the kit's own code.
#[tokio::test]
async fn log_lines() {
    let mut browser = Browser::open(chapter_4::CHAPTER, chapter_4::app).await;

    // 1. The shop page: no cookie either way.
    let index = browser.get("/").await;
    assert_eq!(index.log_line(), "GET / | no Cookie | 200 OK");
    snapshot!("log_1", index.book_log_line());

    // 2. The form hands out the CSRF token.
    let form = browser.click(&index, "Add Item").await;
    assert!(form.log_line().contains("Set-Cookie: csrftoken="));
    snapshot!("log_2", form.book_log_line());

    // 3. Two apples, then three more: one cart cookie, sent again.
    let two = browser
        .submit(&form, ADD, &[("name", "apple"), ("quantity", "2")])
        .await;
    let five = browser
        .submit(&two, ADD, &[("name", "apple"), ("quantity", "3")])
        .await;
    assert!(five.log_line().contains("Set-Cookie: cart_YXBwbGU=5;"));
    snapshot!(
        "log_3",
        [two.book_log_line(), five.book_log_line()].join("\n")
    );

    // 4. An item called csrftoken gets a cart cookie of its own.
    let awkward = browser
        .submit(&five, ADD, &[("name", "csrftoken"), ("quantity", "1")])
        .await;
    assert!(
        awkward
            .log_line()
            .contains("Set-Cookie: cart_Y3NyZnRva2Vu=1;")
    );
    assert!(!awkward.log_line().contains("Set-Cookie: csrftoken="));
    snapshot!("log_4", awkward.book_log_line());

    // 5. Display Items: every cookie goes up, none comes down.
    let cart = browser.click(&awkward, "Display Items").await;
    assert!(!cart.log_line().contains("Set-Cookie"));
    snapshot!("log_5", cart.book_log_line());

    // 6. Bad input: 422, and no cookie.
    let bad = browser
        .submit(&awkward, ADD, &[("name", ""), ("quantity", "three")])
        .await;
    assert_eq!(bad.status, 422);
    assert!(!bad.log_line().contains("Set-Cookie"));
    snapshot!("log_6", bad.book_log_line());
}
