//! The checks of chapter 6's exercises (`book/src/chapter-6.md`): a button
//! that empties the cart and keeps the session, a new session id after each
//! addition, and a visit counter that is no product.

use session_course::{Browser, Exchange, Site};

use crate::check::{Exercise, line_with, set_cookie_or_none};

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

/// The session id a `Set-Cookie: sessionid=…` gives, unless it deletes the cookie.
fn new_id(page: &Exchange) -> Option<String> {
    let set = page.set_cookie("sessionid")?;
    if set.contains("Max-Age=0") {
        return None;
    }
    let value = set.strip_prefix("sessionid=")?.split(';').next()?;
    Some(value.to_string())
}

/// The hidden fields of a form, as pairs a post can send.
fn fields(hidden: &[(String, String)]) -> Vec<(&str, &str)> {
    hidden
        .iter()
        .map(|(name, value)| (name.as_str(), value.as_str()))
        .collect()
}

const EMPTY_KEEP_SESSION: Exercise = Exercise {
    id: "6.1",
    title: "Empty the cart, keep the session",
    work_in: "chapters/06-session-cart/src/lib.rs: a route and a handler for POST /clearCart/, \
              and its form in `cart_table`",
};

#[tokio::test]
async fn ch6_1_clearing_the_cart_keeps_the_session() {
    let exercise = EMPTY_KEEP_SESSION;
    let mut browser = Browser::open(chapter_6::CHAPTER, chapter_6::app).await;
    fill(&mut browser, &[("apple", "2"), ("pear", "1")]).await;
    let id = browser.cookie("sessionid").unwrap_or_default().to_string();
    let cart = browser.get(CART).await;
    exercise.expect_status(&cart, 200, "the cart");

    let Some(form) = cart
        .forms()
        .into_iter()
        .find(|form| form.action == "/clearCart/")
    else {
        exercise.fail(
            "the cart page, when the cart holds something, to have a form that posts to \
             /clearCart/ (a button \"Remove all items\")",
            format!("the page's forms: {:?}", cart.forms()),
        );
    };
    exercise.expect(
        form.hidden
            .iter()
            .any(|(name, _)| name == course_kit::csrf::FIELD),
        "the /clearCart/ form to carry the CSRF token, as the other buttons do",
        format!("its hidden fields: {:?}", form.hidden),
    );

    // Without the token, nothing is removed.
    let forged = browser.post("/clearCart/", &[]).await;
    let after_forged = browser.get(CART).await.main_text();
    exercise.expect(
        forged.status == 403 && after_forged.contains("apple | 2"),
        "a POST /clearCart/ without the CSRF token to be refused with 403, the cart kept: \
         `csrf::check_session_token` first",
        format!("{} {}", forged.status, line_with(&after_forged, "apple")),
    );
    let get = browser.get("/clearCart/").await;
    exercise.expect(
        get.status == 405,
        "GET /clearCart/ to be refused with 405: a request that changes something is a POST",
        get.status,
    );

    let cleared = browser.post("/clearCart/", &fields(&form.hidden)).await;
    exercise.expect_status(&cleared, 200, "the Remove all items button");
    exercise.expect(
        cleared.main_text().contains("No items in your cart"),
        "the answer to Remove all items to be the cart page, saying \"No items in your cart\"",
        cleared.main_text(),
    );
    let deleted = cleared
        .set_cookie("sessionid")
        .is_some_and(|set| set.contains("Max-Age=0"));
    exercise.expect(
        !deleted && browser.cookie("sessionid") == Some(&id),
        "the session to go on under the same id: the cookie is not deleted (no Max-Age=0) and \
         no new id is set, because only the cart key is removed \
         (`session.remove_value(CART_KEY)`), not the session",
        set_cookie_or_none(&cleared, "sessionid"),
    );

    // The session is the same one: the next item goes into it, under the same id.
    fill(&mut browser, &[("plum", "1")]).await;
    let cart = browser.get(CART).await.main_text();
    exercise.expect(
        browser.cookie("sessionid") == Some(&id)
            && cart.contains("plum | 1")
            && !cart.contains("apple |"),
        "the next item to go into the same session, under the same id: the cart holds only the plum",
        format!(
            "sessionid {} (before: {id}); cart: {}",
            browser.cookie("sessionid").unwrap_or("none"),
            cart.replace('\n', " / ")
        ),
    );
}

const NEW_ID: Exercise = Exercise {
    id: "6.2",
    title: "A new id after each addition",
    work_in: "chapters/06-session-cart/src/lib.rs, `add_item`",
};

#[tokio::test]
async fn ch6_2_each_addition_moves_the_cart_to_a_new_id() {
    let exercise = NEW_ID;
    let site = Site::start(chapter_6::CHAPTER, chapter_6::app).await;
    let mut browser = site.browser();
    let form = browser.get(ADD).await;
    let Some(first) = new_id(&form) else {
        exercise.fail(
            "the form to start a session, as before",
            set_cookie_or_none(&form, "sessionid"),
        );
    };

    let added = browser
        .submit(&form, ADD, &[("name", "apple"), ("quantity", "2")])
        .await;
    exercise.expect_status(&added, 200, "adding two apples");
    let second = new_id(&added);
    exercise.expect(
        second.as_ref().is_some_and(|id| *id != first),
        "the answer to an addition to set the sessionid cookie to a new id \
         (`session.cycle_id()` once the item is added)",
        set_cookie_or_none(&added, "sessionid"),
    );

    // The id from before the addition names nothing any more.
    let mut old = site.browser();
    old.set_cookie("sessionid", &first);
    let stale = old.get(CART).await.main_text();
    exercise.expect(
        stale.contains("No items in your cart"),
        "the old id, sent by another browser, to find no cart: cycle_id deletes the record under it",
        line_with(&stale, "apple"),
    );

    let pear = browser
        .submit(&added, ADD, &[("name", "pear"), ("quantity", "1")])
        .await;
    exercise.expect(
        new_id(&pear).is_some_and(|id| Some(&id) != second.as_ref()),
        "the next addition to move the session to a new id again",
        set_cookie_or_none(&pear, "sessionid"),
    );

    // Bad input adds nothing, so nothing moves.
    let refused = browser
        .submit(&pear, ADD, &[("name", "plum"), ("quantity", "0")])
        .await;
    exercise.expect(
        refused.status == 422 && refused.set_cookie("sessionid").is_none(),
        "a refused addition (quantity 0) to answer 422 with no Set-Cookie: the id changes only \
         when an item was added",
        format!(
            "{} {}",
            refused.status,
            set_cookie_or_none(&refused, "sessionid")
        ),
    );

    let cart = browser.get(CART).await.main_text();
    exercise.expect(
        cart.contains("apple | 2") && cart.contains("pear | 1"),
        "the cart to survive every move: apple | 2 and pear | 1",
        cart.replace('\n', " / "),
    );
}

const SHOP_VISITS: Exercise = Exercise {
    id: "6.3",
    title: "Count the visits to the shop",
    work_in: "chapters/06-session-cart/src/lib.rs, `index` and `shop_page`",
};

#[tokio::test]
async fn ch6_3_the_shop_counts_visits_in_the_session() {
    let exercise = SHOP_VISITS;
    let mut browser = Browser::open(chapter_6::CHAPTER, chapter_6::app).await;
    for visit in 1..=3 {
        let shop = browser.get("/").await;
        exercise.expect_status(&shop, 200, "the shop page");
        let wanted = format!("Shop visits: {visit}");
        exercise.expect(
            shop.main_text().lines().any(|line| line == wanted),
            format!("visit {visit} of the shop page to have a line {wanted:?}"),
            line_with(&shop.main_text(), "visits"),
        );
        exercise.expect(
            shop.set_cookies()
                .iter()
                .all(|set| set.starts_with("sessionid=")),
            "the count to live in the session, under the key \"visits\": no cookie of its own",
            format!("{:?}", shop.set_cookies()),
        );
        let record = shop.inspector_text();
        exercise.expect(
            record.contains(&format!("visits | {visit}")),
            format!("the session record, in the wire inspector, to hold \"visits | {visit}\""),
            line_with(&record, "visits"),
        );
    }

    fill(&mut browser, &[("apple", "1")]).await;
    let cart = browser.get(CART).await.main_text();
    exercise.expect(
        cart.contains("apple | 1") && !cart.lines().any(|line| line.starts_with("visits")),
        "the cart page to list the apple, and not the visit count: it lists only the cart key",
        cart.replace('\n', " / "),
    );
}
