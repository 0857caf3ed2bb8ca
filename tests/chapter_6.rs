//! Chapter 6: the session cart. Items go into one session key, bad input
//! changes nothing, items can be removed, and emptying the cart flushes the
//! session so that the next one has a new id.

use session_course::{Browser, snapshot};

const ADD: &str = "/addItem/";

#[tokio::test]
async fn a_learner_fills_and_empties_the_cart() {
    let mut browser = Browser::open(chapter_6::CHAPTER, chapter_6::app).await;

    let index = browser.get("/").await;
    let text = index.main_text();
    assert!(text.contains("welcome to my shopping cart"));
    assert!(text.contains("Session expiry Time in seconds: 300"));
    let date = text
        .lines()
        .find_map(|line| line.strip_prefix("Session expiry Time in date: "))
        .expect("the page shows the expiry date");
    assert!(
        session_course::is_course_date(date),
        "a date like 2026-11-25 23:18:07 UTC: {date}"
    );
    assert!(
        index.set_cookies().is_empty(),
        "nothing to keep yet, so no session"
    );
    snapshot!("01_index", index.snapshot());

    let empty = browser.click(&index, "Display Items").await;
    assert!(empty.main_text().contains("No items in your cart"));
    assert!(empty.set_cookies().is_empty());
    snapshot!("02_display_empty", empty.snapshot());

    let form = browser.click(&index, "Add Item").await;
    assert!(
        form.set_cookie("sessionid").is_some(),
        "the form's CSRF token starts a session"
    );
    snapshot!("03_add_form", form.snapshot());
    let first_id = browser.cookie("sessionid").unwrap().to_string();

    let added = browser
        .submit(&form, ADD, &[("name", "apple"), ("quantity", "2")])
        .await;
    assert_eq!(added.status, 200);
    assert!(
        added
            .main_text()
            .contains("Added to your cart: apple. You now have 2.")
    );
    assert!(
        added
            .inspector_text()
            .contains(r#"cart | [{"name":"apple","quantity":2}]"#)
    );
    snapshot!("04_added_apple", added.snapshot());

    let more = browser
        .submit(&added, ADD, &[("name", "apple"), ("quantity", "3")])
        .await;
    assert!(more.main_text().contains("You now have 5."));
    browser
        .submit(&more, ADD, &[("name", "pear"), ("quantity", "1")])
        .await;

    let cart = browser.get("/displayItems/").await;
    let text = cart.main_text();
    assert!(text.contains("Product Name | Quantity"));
    assert!(text.contains("apple | 5") && text.contains("pear | 1"));
    assert!(
        !text.contains("_csrf_token |"),
        "other session keys are not items"
    );
    snapshot!("05_display_two_items", cart.snapshot());

    let removed = browser
        .submit(&cart, "/removeItem/", &[("name", "apple")])
        .await;
    assert_eq!(removed.status, 200);
    assert!(
        removed
            .main_text()
            .contains("Removed apple from your cart.")
    );
    assert!(!removed.main_text().contains("apple | 5"));
    assert!(removed.main_text().contains("pear | 1"));
    snapshot!("06_removed_apple", removed.snapshot());

    let flushed = browser.submit(&removed, "/emptyCart/", &[]).await;
    assert_eq!(flushed.status, 200);
    assert!(flushed.main_text().contains("No items in your cart"));
    assert!(
        flushed
            .set_cookie("sessionid")
            .unwrap()
            .contains("Max-Age=0"),
        "the cookie is deleted"
    );
    assert_eq!(browser.cookie("sessionid"), None);
    snapshot!("07_flushed", flushed.snapshot());
    // The whole page, layout and wire inspector included: the inspector is
    // the point here, the removal of the session cookie.
    snapshot!("full_page", flushed.full_snapshot());

    let form = browser.get(ADD).await;
    browser
        .submit(&form, ADD, &[("name", "plum"), ("quantity", "1")])
        .await;
    let second_id = browser.cookie("sessionid").unwrap().to_string();
    assert_ne!(
        first_id, second_id,
        "after a flush, a new session has a new id"
    );
    let cart = browser.get("/displayItems/").await;
    assert!(cart.main_text().contains("plum | 1") && !cart.main_text().contains("pear"));
}

#[tokio::test]
async fn bad_input_is_shown_again_and_changes_nothing() {
    let mut browser = Browser::open(chapter_6::CHAPTER, chapter_6::app).await;
    let form = browser.get(ADD).await;
    let added = browser
        .submit(&form, ADD, &[("name", "apple"), ("quantity", "2")])
        .await;

    let long = "n".repeat(101);
    let cases: [(&str, &str, &str); 5] = [
        ("", "2", "This field is required."),
        (&long, "1", "at most 100 characters (it has 101)"),
        ("pear", "2.5", "Enter a whole number."),
        ("pear", "-4", "greater than or equal to 1"),
        ("apple", "999", "would pass 999"),
    ];
    for (name, quantity, message) in cases {
        let page = browser
            .submit(&added, ADD, &[("name", name), ("quantity", quantity)])
            .await;
        assert_eq!(page.status, 422);
        assert!(
            page.main_text().contains(message),
            "{message}: {}",
            page.main_text()
        );
        assert!(page.body.contains(&format!("value=\"{quantity}\"")));
        if quantity == "-4" {
            snapshot!("08_bad_quantity", page.snapshot());
        }
    }
    let cart = browser.get("/displayItems/").await;
    assert!(cart.main_text().contains("apple | 2"));
    assert!(!cart.main_text().contains("pear"));
}

#[tokio::test]
async fn forged_posts_are_refused() {
    let mut browser = Browser::open(chapter_6::CHAPTER, chapter_6::app).await;
    let form = browser.get(ADD).await;
    browser
        .submit(&form, ADD, &[("name", "apple"), ("quantity", "2")])
        .await;
    for (path, fields) in [
        ("/addItem/", vec![("name", "pear"), ("quantity", "1")]),
        ("/removeItem/", vec![("name", "apple")]),
        ("/emptyCart/", vec![("csrfmiddlewaretoken", "forged")]),
    ] {
        let page = browser.post(path, &fields).await;
        assert_eq!(page.status, 403, "{path}");
        assert!(page.main_text().contains("CSRF check failed"));
    }
    let cart = browser.get("/displayItems/").await;
    assert!(cart.main_text().contains("apple | 2") && !cart.main_text().contains("pear"));
}

#[tokio::test]
async fn the_session_cart_caps_its_items() {
    let mut browser = Browser::open(chapter_6::CHAPTER, chapter_6::app).await;
    let form = browser.get(ADD).await;
    for i in 0..chapter_6::RULES.max_items {
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
            .contains("already holds 50 different items")
    );
}

/// The chapter's key requests as `curl -i` shows them, for the book's
/// "The exchange, as curl sees it" (`book/src/chapter-6.md` includes the
/// snapshot).
#[tokio::test]
async fn transcript() {
    let mut browser = Browser::open(chapter_6::CHAPTER, chapter_6::app).await;
    let mut exchanges = Vec::new();

    let index = browser.get("/").await;
    assert!(index.set_cookies().is_empty());
    exchanges.push(index.transcript(&["Session expiry Time in seconds"]));

    let form = browser.click(&index, "Add Item").await;
    assert!(form.set_cookie("sessionid").is_some());
    exchanges.push(form.transcript(&[]));

    let added = browser
        .submit(&form, ADD, &[("name", "apple"), ("quantity", "2")])
        .await;
    exchanges.push(added.transcript(&["Added to your cart"]));

    let more = browser
        .submit(&added, ADD, &[("name", "apple"), ("quantity", "3")])
        .await;
    assert!(more.main_text().contains("You now have 5."));
    exchanges.push(more.transcript(&["Added to your cart"]));

    let pear = browser
        .submit(&more, ADD, &[("name", "pear"), ("quantity", "1")])
        .await;
    exchanges.push(pear.transcript(&["Added to your cart"]));

    let cart = browser.click(&pear, "Display Items").await;
    assert!(cart.main_text().contains("apple | 5"));
    exchanges.push(cart.transcript(&["Product Name", " | "]));

    let removed = browser
        .submit(&cart, "/removeItem/", &[("name", "apple")])
        .await;
    assert!(!removed.main_text().contains("apple |"));
    exchanges.push(removed.transcript(&["Removed", " | "]));

    let flushed = browser.submit(&removed, "/emptyCart/", &[]).await;
    assert!(
        flushed
            .set_cookie("sessionid")
            .is_some_and(|set| set.contains("Max-Age=0"))
    );
    exchanges.push(flushed.transcript(&["No items"]));

    let form = browser.get(ADD).await;
    assert!(form.set_cookie("sessionid").is_some(), "a new session");
    exchanges.push(form.transcript(&[]));

    let text = exchanges.join("\n");
    snapshot!("transcript", text);
}

/// The request log's lines that the book's "Try it" steps quote, one
/// snapshot per step (`log_1` is step 1), from the kit's own code.
#[tokio::test]
async fn log_lines() {
    let mut browser = Browser::open(chapter_6::CHAPTER, chapter_6::app).await;

    // 1. The shop page stores nothing: no session, no cookie.
    let index = browser.get("/").await;
    assert_eq!(index.log_line(), "GET / | no Cookie | 200 OK");
    snapshot!("log_1", index.book_log_line());

    // 2. The empty cart stores nothing either.
    let empty = browser.click(&index, "Display Items").await;
    assert_eq!(empty.log_line(), "GET /displayItems/ | no Cookie | 200 OK");
    snapshot!("log_2", empty.book_log_line());

    // 3. The form's CSRF token starts the session.
    let form = browser.click(&index, "Add Item").await;
    assert!(form.log_line().contains("Set-Cookie: sessionid="));
    snapshot!("log_3", form.book_log_line());

    // 4. Two apples: the same id comes back, renewed.
    let added = browser
        .submit(&form, ADD, &[("name", "apple"), ("quantity", "2")])
        .await;
    snapshot!("log_4", added.book_log_line());
    let more = browser
        .submit(&added, ADD, &[("name", "apple"), ("quantity", "3")])
        .await;
    let pear = browser
        .submit(&more, ADD, &[("name", "pear"), ("quantity", "1")])
        .await;
    let bad = browser
        .submit(&pear, ADD, &[("name", "pear"), ("quantity", "-4")])
        .await;
    assert_eq!(bad.status, 422);
    assert!(
        bad.set_cookies().is_empty(),
        "a refused form changes nothing"
    );

    // 5. Display Items only reads the session: no cookie comes down.
    let cart = browser.click(&bad, "Display Items").await;
    assert!(cart.main_text().contains("apple | 5"));
    assert!(!cart.log_line().contains("Set-Cookie"));
    snapshot!("log_5", cart.book_log_line());

    // 6. Remove the apples.
    let removed = browser
        .submit(&cart, "/removeItem/", &[("name", "apple")])
        .await;
    assert!(removed.main_text().contains("Removed apple"));

    // 7. Empty the cart: the cookie is deleted; the next form starts a new
    // session under a new id.
    let flushed = browser.submit(&removed, "/emptyCart/", &[]).await;
    assert!(flushed.log_line().contains("Max-Age=0"));
    let again = browser.click(&flushed, "Add Item").await;
    assert!(
        again
            .log_line()
            .starts_with("GET /addItem/ | no Cookie | 200 OK")
    );
    snapshot!(
        "log_7",
        [flushed.book_log_line(), again.book_log_line()].join("\n")
    );
}
