//! The cart of chapters 4, 6 and 7: any item through the page's own form
//! is added or refused with the reason, and a refusal leaves the cart as it
//! was; any name can be removed; chapter 4's cart cookies made by hand are
//! listed or ignored; and each cart's limits (items, quantities, what
//! browsers keep) hold. The limits are read from the rules in
//! `course_kit::shop`, never repeated here.

use std::collections::BTreeMap;

use axum::http::StatusCode;
use course_kit::shop::{COOKIE_CART, ItemRules, SESSION_CART};
use proptest::{prelude::*, test_runner::TestCaseError};
use session_course::Browser;

use crate::{
    block_on, cart_rows, config, cookie_value, escape, expected_rows, hostile_quantity,
    hostile_text, site,
};

/// The messages each field should get, worked out here from the rules'
/// limits, independently of the kit's own checks (`Cart::add`), so that a
/// mistake there shows up as a difference here.
fn expected_errors(
    rules: &ItemRules,
    name: &str,
    quantity: &str,
    cart: &BTreeMap<String, u32>,
) -> (Option<String>, Option<String>) {
    let name = name.trim();
    let length = name.chars().count();
    let name_error = if name.is_empty() {
        Some("This field is required.".to_string())
    } else if length > rules.max_name_chars {
        Some(format!(
            "Ensure this value has at most {} characters (it has {length}).",
            rules.max_name_chars
        ))
    } else if name.chars().any(char::is_control) {
        Some("An item name cannot contain control characters.".to_string())
    } else {
        None
    };

    let max = rules.max_quantity;
    let quantity = quantity.trim();
    let (negative, digits) = match quantity.strip_prefix('-') {
        Some(digits) => (true, digits),
        None => (false, quantity.strip_prefix('+').unwrap_or(quantity)),
    };
    let whole = !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit());
    let significant = digits.trim_start_matches('0');
    // Only digits: a number that does not fit a u64 is past any limit.
    let value = significant.parse::<u64>().ok();
    let quantity_error = if quantity.is_empty() {
        Some("This field is required.".to_string())
    } else if !whole {
        Some("Enter a whole number.".to_string())
    } else if negative || significant.is_empty() {
        Some("Ensure this value is greater than or equal to 1.".to_string())
    } else if value.is_none_or(|n| n > u64::from(max)) {
        Some(format!("Ensure this value is less than or equal to {max}."))
    } else {
        let n = value.unwrap_or_default();
        let already = cart.get(name).copied().unwrap_or(0);
        if u64::from(already) + n > u64::from(max) {
            Some(format!(
                "Your cart already holds {already} of this item; with {n} more it would pass {max}."
            ))
        } else {
            None
        }
    };
    (name_error, quantity_error)
}

/// One case of the cart property: a cart holding `apple × 2`, then a post of
/// `name` and `quantity` through the page's own form.
async fn cart_case(
    chapter: u8,
    mut browser: Browser,
    rules: &ItemRules,
    name: &str,
    quantity: &str,
) -> Result<(), TestCaseError> {
    let form = browser.get("/addItem/").await;
    let added = browser
        .submit(&form, "/addItem/", &[("name", "apple"), ("quantity", "2")])
        .await;
    prop_assert_eq!(added.status, StatusCode::OK);
    let before = browser.click(&added, "Display Items").await;
    let mut cart = BTreeMap::from([("apple".to_string(), 2)]);
    prop_assert_eq!(cart_rows(&before.body), expected_rows(&cart));

    let answer = browser
        .submit(
            &added,
            "/addItem/",
            &[("name", name), ("quantity", quantity)],
        )
        .await;
    prop_assert_sound!(chapter, answer);
    let errors = expected_errors(rules, name, quantity, &cart);
    match errors {
        (None, None) => {
            prop_assert_eq!(answer.status, StatusCode::OK, "{}", answer.main_text());
            let name = name.trim().to_string();
            let total =
                cart.get(&name).copied().unwrap_or(0) + quantity.trim().parse::<u32>().unwrap();
            prop_assert_contains!(
                answer.body,
                format!(
                    "Added to your cart: <strong>{}</strong>. You now have {total}.",
                    escape(&name)
                )
            );
            cart.insert(name, total);
        }
        (name_error, quantity_error) => {
            prop_assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY);
            let shown = answer.body.matches("<span class=\"error\"").count();
            prop_assert_eq!(
                shown,
                usize::from(name_error.is_some()) + usize::from(quantity_error.is_some())
            );
            for message in [name_error, quantity_error].into_iter().flatten() {
                prop_assert!(
                    answer
                        .body
                        .contains(&format!("role=\"alert\">{}</span>", escape(&message))),
                    "expected {:?}\n{}",
                    message,
                    answer.main_text()
                );
            }
            // What was typed comes back, escaped, for the user to correct.
            prop_assert_contains!(answer.body, format!("value=\"{}\"", escape(name)));
            prop_assert_contains!(answer.body, format!("value=\"{}\"", escape(quantity)));
            prop_assert!(
                answer
                    .set_cookies()
                    .iter()
                    .all(|raw| !raw.starts_with("cart_"))
            );
            // Chapter 7 sets no cookie at all on an answer that refuses.
            if chapter == 7 {
                prop_assert_eq!(answer.set_cookies(), Vec::<String>::new());
            }
        }
    }
    let after = browser.click(&answer, "Display Items").await;
    prop_assert_sound!(chapter, after);
    prop_assert_eq!(cart_rows(&after.body), expected_rows(&cart));
    Ok(())
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn chapter_4_any_item_is_added_or_refused_with_the_cart_unchanged(
        name in hostile_text(),
        quantity in hostile_quantity(),
    ) {
        block_on(async {
            cart_case(4, site(4).await.browser(), &chapter_4::RULES, &name, &quantity).await
        })?;
    }

    #[test]
    fn chapter_6_any_item_is_added_or_refused_with_the_cart_unchanged(
        name in hostile_text(),
        quantity in hostile_quantity(),
    ) {
        block_on(async {
            cart_case(6, site(6).await.browser(), &chapter_6::RULES, &name, &quantity).await
        })?;
    }

    /// Chapter 7 without cookies: the session travels in hidden fields and URLs.
    #[test]
    fn chapter_7_any_item_is_added_or_refused_with_the_cart_unchanged(
        name in hostile_text(),
        quantity in hostile_quantity(),
    ) {
        block_on(async {
            cart_case(7, site(7).await.browser_without_cookies(), &SESSION_CART, &name, &quantity).await
        })?;
    }

    /// Removing any name: only that exact item goes, and the page says so.
    #[test]
    fn chapter_6_removing_any_name(name in prop_oneof![hostile_text(), Just("apple".to_string())]) {
        block_on(async {
            let mut browser = site(6).await.browser();
            let form = browser.get("/addItem/").await;
            for item in ["apple", "pear"] {
                browser.submit(&form, "/addItem/", &[("name", item), ("quantity", "1")]).await;
            }
            let cart_page = browser.get("/displayItems/").await;
            let answer = browser.submit(&cart_page, "/removeItem/", &[("name", &name)]).await;
            prop_assert_sound!(6, answer);
            prop_assert_eq!(answer.status, StatusCode::OK);
            let mut cart = BTreeMap::from([("apple".to_string(), 1), ("pear".to_string(), 1)]);
            if cart.remove(&name).is_some() {
                prop_assert_contains!(answer.body, format!("Removed <strong>{}</strong> from your cart.", escape(&name)));
            } else {
                prop_assert_contains!(answer.body, format!("<strong>{}</strong> was not in your cart", escape(&name)));
            }
            prop_assert_eq!(cart_rows(&answer.body), expected_rows(&cart));
            Ok(())
        })?;
    }
}

// ---------------------------------------------------------------------------
// Chapter 4: cart cookies made by hand.
// ---------------------------------------------------------------------------

/// A cart cookie the browser sends: a real item's cookie name or garbage
/// after `cart_`, with any value.
#[derive(Debug, Clone)]
enum HandMade {
    /// `cart_` + the item name in base64url, as the server would name it.
    Item(String),
    /// `cart_` + text that is not base64url (it holds a `.` or `!`).
    Garbage(String),
}

fn hand_made_cart_cookie() -> impl Strategy<Value = (HandMade, String)> {
    let name = prop_oneof![
        hostile_text().prop_map(HandMade::Item),
        "[A-Za-z0-9_-]{0,6}[.!][A-Za-z0-9_.!-]{0,6}".prop_map(HandMade::Garbage),
    ];
    // Quantities on both sides of the largest the cart accepts, or any text.
    let value = prop_oneof![
        (0..=COOKIE_CART.max_quantity * 11 / 10).prop_map(|n| n.to_string()),
        cookie_value(),
    ];
    (name, value)
}

proptest! {
    #![proptest_config(config())]

    /// Any cart cookies: the readable ones are listed, the others counted as
    /// damaged, and the limit on items counts only readable ones.
    #[test]
    fn chapter_4_any_cart_cookies_are_listed_or_ignored(
        cookies in prop::collection::vec(hand_made_cart_cookie(), 0..COOKIE_CART.max_items + 4),
    ) {
        block_on(async {
            let rules = chapter_4::RULES;
            let mut browser = site(4).await.browser();
            let mut jar: BTreeMap<String, (Option<String>, String)> = BTreeMap::new();
            for (made, value) in &cookies {
                let (cookie_name, item) = match made {
                    HandMade::Item(item) => (chapter_4::cart_cookie_name(item), Some(item.clone())),
                    HandMade::Garbage(text) => (format!("cart_{text}"), None),
                };
                browser.set_cookie(&cookie_name, value);
                jar.insert(cookie_name, (item, value.clone()));
            }
            // The rules, as the chapter states them: a name the form could
            // have stored, and a quantity from 1 to the largest it accepts.
            let mut cart = BTreeMap::new();
            let mut damaged = 0;
            for (item, value) in jar.values() {
                let quantity = value
                    .parse::<u32>()
                    .ok()
                    .filter(|q| (1..=rules.max_quantity).contains(q));
                match (item, quantity) {
                    (Some(item), Some(quantity))
                        if !item.is_empty()
                            && item.trim() == item
                            && item.chars().count() <= rules.max_name_chars
                            && !item.chars().any(char::is_control) =>
                    {
                        cart.insert(item.clone(), quantity);
                    }
                    _ => damaged += 1,
                }
            }

            let page = browser.get("/displayItems/").await;
            prop_assert_sound!(4, page);
            prop_assert_eq!(cart_rows(&page.body), expected_rows(&cart));
            let notice = format!("Ignored {damaged} cart cookie(s)");
            prop_assert_eq!(page.body.contains(&notice), damaged > 0, "{}", notice);

            // One more item: refused, and said why, once the cart is full.
            let form = browser.get("/addItem/").await;
            let answer = browser.submit(&form, "/addItem/", &[("name", "one more"), ("quantity", "1")]).await;
            prop_assert_sound!(4, answer);
            if cart.len() >= rules.max_items && !cart.contains_key("one more") {
                prop_assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY);
                prop_assert!(answer.main_text().contains("different items, the most it can"));
            } else if cart.get("one more").is_none_or(|q| *q < rules.max_quantity) {
                prop_assert_eq!(answer.status, StatusCode::OK, "{}", answer.main_text());
            }
            Ok(())
        })?;
    }
}

// ---------------------------------------------------------------------------
// Limits: what browsers keep, and what one session may hold.
// ---------------------------------------------------------------------------

/// What a cart says when it is full, from its rules.
fn full_cart_message(rules: &ItemRules) -> String {
    format!(
        "Your cart already holds {} different items, the most it can: {}",
        rules.max_items, rules.full_cart_reason
    )
}

#[tokio::test]
async fn the_largest_cookie_cart_stays_within_what_browsers_keep() {
    let rules = chapter_4::RULES;
    let mut browser = site(4).await.browser();
    let form = browser.get("/addItem/").await;
    let most = rules.max_quantity.to_string();
    let mut last = None;
    for i in 0..rules.max_items {
        // The longest name there can be, in bytes: every character takes
        // four bytes in UTF-8, so its cookie name is as long as can be.
        let distinct = char::from_u32(0x1f600 + i as u32).unwrap();
        let name: String = std::iter::once(distinct)
            .chain(std::iter::repeat_n('🦀', rules.max_name_chars - 1))
            .collect();
        let page = browser
            .submit(&form, "/addItem/", &[("name", &name), ("quantity", &most)])
            .await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.main_text());
        assert_sound!(4, page);
        let set_cookie = page
            .set_cookies()
            .into_iter()
            .find(|raw| raw.starts_with("cart_"))
            .unwrap();
        // Browsers keep a cookie of up to 4096 bytes, name and value
        // (RFC 6265, section 6.1); one item takes a quarter of that at most.
        let pair = set_cookie.split("; ").next().unwrap();
        assert!(pair.len() < 1024, "{} bytes: {pair}", pair.len());
        last = Some(page);
    }

    // The full cart, and the Cookie header that carries it: within 4 KiB,
    // well under the 8 KiB that common servers accept for one header.
    let cart = browser.click(last.as_ref().unwrap(), "Display Items").await;
    assert_eq!(cart_rows(&cart.body).len(), rules.max_items);
    let sent = cart.cookie_sent.clone().unwrap();
    assert!(sent.len() < 4096, "a full cart sends {} bytes", sent.len());
    // And as cookies: the cart's, plus the CSRF token, far from the 50 per
    // site that RFC 6265 asks browsers to keep at least.
    assert_eq!(sent.split("; ").count(), rules.max_items + 1);
    assert!(rules.max_items + 1 < 50);

    // One more item: refused, the reason given, the cart as it was.
    let refused = browser
        .submit(
            &form,
            "/addItem/",
            &[("name", "one more"), ("quantity", "1")],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        refused.main_text().contains(&full_cart_message(&rules)),
        "{}",
        refused.main_text()
    );
    assert!(
        refused
            .set_cookies()
            .iter()
            .all(|raw| !raw.starts_with("cart_"))
    );
    let again = browser.get("/displayItems/").await;
    assert_eq!(cart_rows(&again.body), cart_rows(&cart.body));
}

#[tokio::test]
async fn the_session_cart_refuses_past_its_cap_and_keeps_the_cart() {
    let rules = chapter_6::RULES;
    let mut browser = site(6).await.browser();
    let form = browser.get("/addItem/").await;
    for i in 0..rules.max_items {
        let page = browser
            .submit(
                &form,
                "/addItem/",
                &[("name", &format!("item {i}")), ("quantity", "1")],
            )
            .await;
        assert_eq!(page.status, StatusCode::OK);
    }
    let before = browser.get("/displayItems/").await;
    let refused = browser
        .submit(
            &form,
            "/addItem/",
            &[("name", "one too many"), ("quantity", "1")],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        refused.main_text().contains(&full_cart_message(&rules)),
        "{}",
        refused.main_text()
    );
    // An item already in the cart can still be added to.
    let more = browser
        .submit(&form, "/addItem/", &[("name", "item 0"), ("quantity", "1")])
        .await;
    assert_eq!(more.status, StatusCode::OK);
    let after = browser.get("/displayItems/").await;
    let mut rows = cart_rows(&before.body);
    let first = rows.iter_mut().find(|(name, _)| name == "item 0").unwrap();
    first.1 = "2".to_string();
    assert_eq!(cart_rows(&after.body), rows);
    assert_eq!(rows.len(), rules.max_items);
}

#[tokio::test]
async fn quantities_of_any_size_get_the_range_message() {
    let too_large = format!("less than or equal to {}", chapter_4::RULES.max_quantity);
    let mut browser = site(4).await.browser();
    let form = browser.get("/addItem/").await;
    for (quantity, message) in [
        ("99999999999999999999999", too_large.as_str()),
        ("+99999999999999999999999", too_large.as_str()),
        ("-99999999999999999999999", "greater than or equal to 1"),
        ("1e3", "Enter a whole number."),
    ] {
        let page = browser
            .submit(
                &form,
                "/addItem/",
                &[("name", "pear"), ("quantity", quantity)],
            )
            .await;
        assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            page.main_text().contains(message),
            "{quantity}: {}",
            page.main_text()
        );
    }
}
