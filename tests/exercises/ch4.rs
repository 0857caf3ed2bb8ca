//! The checks of chapter 4's exercises (`book/src/chapter-4.md`): a cart
//! kept until the browser closes, a button that removes an item, and the
//! cookie names on show.

use session_course::{Browser, Exchange};

use crate::check::{Exercise, set_cookie_or_none};

const ADD: &str = "/addItem/";
const CART: &str = "/displayItems/";

/// Fills the cart through its form, as a learner would: each item is posted
/// with the form's hidden CSRF token. Returns the last answer.
async fn fill(browser: &mut Browser, items: &[(&str, &str)]) -> Exchange {
    let mut page = browser.get(ADD).await;
    for (name, quantity) in items {
        page = browser
            .submit(&page, ADD, &[("name", name), ("quantity", quantity)])
            .await;
    }
    page
}

const UNTIL_THE_BROWSER_CLOSES: Exercise = Exercise {
    id: "4.1",
    title: "Keep the cart until the browser closes",
    work_in: "chapters/04-cookie-cart/src/lib.rs, `store_item` and `cart_page`",
};

#[tokio::test]
async fn ch4_1_the_cart_lasts_until_the_browser_closes() {
    let exercise = UNTIL_THE_BROWSER_CLOSES;
    let mut browser = Browser::open(chapter_4::CHAPTER, chapter_4::app).await;
    let added = fill(&mut browser, &[("apple", "2")]).await;
    exercise.expect_status(&added, 200, "adding an apple");
    let set = set_cookie_or_none(&added, "cart_YXBwbGU");
    exercise.expect(
        set.starts_with("cart_YXBwbGU=2") && !set.contains("Max-Age") && !set.contains("Expires"),
        "the apple's cookie, cart_YXBwbGU=2, to be a session cookie: neither Max-Age nor Expires",
        &set,
    );
    exercise.expect(
        set.contains("HttpOnly") && set.contains("SameSite=Lax") && set.contains("Path=/"),
        "the cookie's other attributes as before: Path=/, HttpOnly, SameSite=Lax",
        &set,
    );

    // The page must say what is now true.
    let cart = browser.get(CART).await;
    let text = cart.main_text();
    exercise.expect(
        text.contains("until you close the browser") && !text.contains("seconds after"),
        "the cart page to say that items are kept \"until you close the browser\", and no \
         longer that each is forgotten so many \"seconds after\" it was added",
        &text,
    );
}

const REMOVE_AN_ITEM: Exercise = Exercise {
    id: "4.2",
    title: "Remove an item",
    work_in: "chapters/04-cookie-cart/src/lib.rs: a route and a handler for POST /removeItem/, \
              and a form in each row of `cart_page`",
};

#[tokio::test]
async fn ch4_2_a_button_removes_one_item() {
    let exercise = REMOVE_AN_ITEM;
    let mut browser = Browser::open(chapter_4::CHAPTER, chapter_4::app).await;
    fill(&mut browser, &[("apple", "2"), ("pear", "1")]).await;
    let cart = browser.get(CART).await;
    exercise.expect_status(&cart, 200, "the cart");

    // The apple's row has a form of its own, which says which item it removes.
    let Some(form) = cart.forms().into_iter().find(|form| {
        form.action == "/removeItem/"
            && form
                .hidden
                .iter()
                .any(|(name, value)| name == "name" && value == "apple")
    }) else {
        exercise.fail(
            "in the cart page, a form for each item that posts to /removeItem/, with the \
             item's name in a hidden field `name` (here: name=apple)",
            format!("the page's forms: {:?}", cart.forms()),
        );
    };
    exercise.expect(
        form.hidden
            .iter()
            .any(|(name, _)| name == course_kit::csrf::FIELD),
        format!(
            "the remove form to carry the CSRF token in a hidden field {:?}, as the add form does",
            course_kit::csrf::FIELD
        ),
        format!("its hidden fields: {:?}", form.hidden),
    );
    let fields: Vec<(&str, &str)> = form
        .hidden
        .iter()
        .map(|(name, value)| (name.as_str(), value.as_str()))
        .collect();

    // Forged posts change nothing: one from another site's page, even with
    // the right token, and one without the token.
    let forged = browser
        .post_from("http://evil.example", "cross-site", "/removeItem/", &fields)
        .await;
    exercise.expect(
        forged.status == 403 && browser.cookie("cart_YXBwbGU").is_some(),
        "a POST /removeItem/ from another site's page to be refused with 403, the apple kept: \
         `csrf::check_same_origin(&headers)?`",
        format!(
            "{} {}",
            forged.status,
            set_cookie_or_none(&forged, "cart_YXBwbGU")
        ),
    );
    let tokenless = browser.post("/removeItem/", &[("name", "apple")]).await;
    exercise.expect(
        tokenless.status == 403 && browser.cookie("cart_YXBwbGU").is_some(),
        "a POST /removeItem/ without the CSRF token to be refused with 403, the apple kept: \
         `csrf::check_cookie_token(&cookies, &form.csrf_token)?`",
        format!(
            "{} {}",
            tokenless.status,
            set_cookie_or_none(&tokenless, "cart_YXBwbGU")
        ),
    );

    // The button itself removes the apple's cookie, and only that one.
    let removed = browser.post("/removeItem/", &fields).await;
    let removal = set_cookie_or_none(&removed, "cart_YXBwbGU");
    exercise.expect(
        removed.status.as_u16() < 400
            && removal.contains("Max-Age=0")
            && removal.contains("Path=/"),
        "the button's POST to delete the apple's cookie: Set-Cookie cart_YXBwbGU=…; Path=/; \
         Max-Age=0 (and a 303 redirect to /displayItems/, or a page)",
        format!("{} {removal}", removed.status),
    );
    let after = browser.get(CART).await;
    let text = after.main_text();
    exercise.expect(
        text.contains("pear | 1") && !text.lines().any(|line| line.starts_with("apple |")),
        "the cart, after the apple's removal, to list the pear and no apple",
        &text,
    );

    // Removing what is not in the cart is no error of the server's.
    let token = fields
        .iter()
        .find(|(name, _)| *name == course_kit::csrf::FIELD)
        .map_or("", |(_, value)| *value);
    let missing = browser
        .post(
            "/removeItem/",
            &[("name", "kiwi"), (course_kit::csrf::FIELD, token)],
        )
        .await;
    exercise.expect(
        missing.status.as_u16() < 500,
        "removing an item that is not in the cart (kiwi) to be answered, not a server error",
        missing.status,
    );
}

const NAME_THE_COOKIES: Exercise = Exercise {
    id: "4.3",
    title: "Show each item's cookie",
    work_in: "chapters/04-cookie-cart/src/lib.rs, the table in `cart_page`",
};

#[tokio::test]
async fn ch4_3_the_cart_shows_each_items_cookie() {
    let exercise = NAME_THE_COOKIES;
    let mut browser = Browser::open(chapter_4::CHAPTER, chapter_4::app).await;
    // The second item is named like the first one's cookie.
    fill(&mut browser, &[("apple", "2"), ("cart_YXBwbGU", "1")]).await;
    let cart = browser.get(CART).await;
    exercise.expect_status(&cart, 200, "the cart");
    let text = cart.main_text();
    for row in [
        "Product Name | Quantity | Cookie",
        "apple | 2 | cart_YXBwbGU",
        "cart_YXBwbGU | 1 | cart_Y2FydF9ZWEJ3YkdV",
    ] {
        exercise.expect(
            text.lines().any(|line| line.starts_with(row)),
            format!("the cart's table to have a third column, Cookie, with a row {row:?}"),
            &text,
        );
    }
}
