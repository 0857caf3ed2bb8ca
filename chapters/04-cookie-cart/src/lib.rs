//! # Chapter 4: a shopping cart in cookies
//!
//! The cart lives entirely in the browser: one cookie per item, sent back
//! with every request. The server keeps nothing.
//!
//! The Django original named each item's cookie after the item
//! (`response.set_cookie(name, quantity, 120)`) and listed every cookie the
//! browser sent as an item. So the CSRF token showed up as a product, an item
//! called `sessionid` replaced the session cookie, and a name with `;` or a
//! space ended in a server error. Here an item's cookie is named `cart_` +
//! the item's name in base64url (`apple` is `cart_YXBwbGU`), and the cart
//! lists only cookies with that prefix. The form's checks are the kit's
//! (`course_kit::shop`), and every POST carries a CSRF token.
//!
//! Run it: `cargo run -p chapter-4` (or `just run 4`), then open
//! <http://127.0.0.1:3004/>. The book explains it in `book/src/chapter-4.md`.

use axum::{Router, http::HeaderMap, response::IntoResponse, routing::get};
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use course_kit::{
    Chapter, ErrorPage, PageLink, csrf,
    forms::PostedForm,
    shop::{self, AddItem, Cart, CartLine, ItemForm, ItemFormPage},
};
use maud::{Markup, html};
use tower_cookies::{
    Cookie, CookieManagerLayer, Cookies,
    cookie::{SameSite, time::Duration},
};

// ANCHOR: app
pub fn app() -> Router {
    let routes = Router::new()
        .route("/", get(index))
        .route("/addItem/", get(show_form).post(add_item))
        .route("/displayItems/", get(display_cart))
        .layer(CookieManagerLayer::new());
    CHAPTER.app(routes)
}
// ANCHOR_END: app

pub const CHAPTER: Chapter = Chapter::new(
    4,
    "A cart in cookies",
    &[
        PageLink::new("/", "Shop"),
        PageLink::new("/addItem/", "Add Item"),
        PageLink::new("/displayItems/", "Display Items"),
    ],
);

// ANCHOR: rules
/// The form's limits: 30 characters for a name, as the notes' form had, and
/// at most 20 items, because each item is a cookie and browsers keep only so
/// many (the kit's [`shop::COOKIE_CART`] says more).
pub const RULES: shop::ItemRules = shop::COOKIE_CART;

/// How long the browser keeps an item: the notes' `set_cookie(name, quantity, 120)`.
pub const ITEM_MAX_AGE_SECONDS: i64 = 120;
// ANCHOR_END: rules

// ANCHOR: cookie_name
/// Every cart cookie's name starts with this; no other cookie of the site does.
const CART_PREFIX: &str = "cart_";

/// The cookie name for an item: the prefix, then the item's name in base64url.
/// base64url uses only letters, digits, `-` and `_`, so whatever the user
/// typed (`;`, spaces, `é`, `<script>`) the cookie name is valid and cannot
/// collide with a cookie outside the cart.
pub fn cart_cookie_name(item: &str) -> String {
    format!("{CART_PREFIX}{}", URL_SAFE_NO_PAD.encode(item))
}

/// The item name back from a cookie name, or `None` if the cookie is not part
/// of the cart (another cookie of the site) or was damaged.
pub fn item_from_cookie_name(cookie_name: &str) -> Option<String> {
    let encoded = cookie_name.strip_prefix(CART_PREFIX)?;
    let bytes = URL_SAFE_NO_PAD.decode(encoded).ok()?;
    String::from_utf8(bytes).ok()
}
// ANCHOR_END: cookie_name

// ANCHOR: read_cart
/// The cart, read from the cookies the browser sent, and how many cart
/// cookies could not be read (edited by hand, say) and were ignored.
pub fn read_cart(cookies: &Cookies) -> (Cart, usize) {
    let mut cart = Cart::default();
    let mut damaged = 0;
    // Only the cookies in the cart's namespace: every other cookie of the
    // site (the CSRF token, a counter) is none of the cart's business.
    for cookie in cookies.list() {
        if !cookie.name().starts_with(CART_PREFIX) {
            continue;
        }
        // The name and the quantity must be ones the form could have stored,
        // so that a cookie made by hand cannot add an empty, overlong or
        // control-character item, or a quantity out of range.
        let name = item_from_cookie_name(cookie.name())
            .filter(|name| name.trim() == name && RULES.name_error(name).is_none());
        let quantity = cookie
            .value()
            .parse::<u32>()
            .ok()
            .filter(|q| (1..=RULES.max_quantity).contains(q));
        match (name, quantity) {
            (Some(name), Some(quantity)) => cart.lines.push(CartLine { name, quantity }),
            _ => damaged += 1,
        }
    }
    // Sorted by name, so the page is the same whatever order the cookies came in.
    cart.lines.sort_by(|a, b| a.name.cmp(&b.name));
    (cart, damaged)
}
// ANCHOR_END: read_cart

// ANCHOR: store_item
/// Stores one item's quantity in its own cookie, kept for
/// [`ITEM_MAX_AGE_SECONDS`] from now (from the *last* time it was added).
fn store_item(cookies: &Cookies, line: &CartLine) {
    let cookie = Cookie::build((cart_cookie_name(&line.name), line.quantity.to_string()))
        .path("/")
        .max_age(Duration::seconds(ITEM_MAX_AGE_SECONDS))
        .http_only(true)
        .same_site(SameSite::Lax)
        .build();
    cookies.add(cookie);
}
// ANCHOR_END: store_item

async fn index() -> Markup {
    CHAPTER.page("Shopping cart", shop_page())
}

async fn show_form(cookies: Cookies) -> Markup {
    let token = csrf::issue_cookie_token(&cookies);
    CHAPTER.page("Add Item", form_page(&token, None))
}

// ANCHOR: add_item
async fn add_item(
    headers: HeaderMap,
    cookies: Cookies,
    PostedForm(form): PostedForm<ItemForm>,
) -> Result<impl IntoResponse, ErrorPage> {
    // A forged post from another site is refused before anything else: one
    // that the browser says comes from a page of another origin, and one
    // whose token does not match the csrftoken cookie. The first check is
    // needed because the second alone can be fooled: any server that can
    // set a cookie for 127.0.0.1 (another port included) can set the cookie
    // and the field to the same value.
    csrf::check_same_origin(&headers)?;
    csrf::check_cookie_token(&cookies, &form.csrf_token)?;

    let (mut cart, _damaged) = read_cart(&cookies);
    let outcome = cart.add(&form, &RULES);
    // Only a good item becomes a cookie. Bad input stores nothing, so the
    // cart stays as it was, and the form comes back with what was typed.
    if let AddItem::Added(line) = &outcome {
        store_item(&cookies, line);
    }
    let token = csrf::issue_cookie_token(&cookies);
    let page = CHAPTER.page("Add Item", form_page(&token, Some((&form, &outcome))));
    Ok((outcome.status(), page))
}
// ANCHOR_END: add_item

async fn display_cart(cookies: Cookies) -> Markup {
    let (cart, damaged) = read_cart(&cookies);
    CHAPTER.page("Items in your cart", cart_page(&cart, damaged))
}

// ---------------------------------------------------------------------------
// The pages' words around the lesson.

fn shop_page() -> Markup {
    html! {
        h1 { "welcome to my shopping cart" }
        p { a href="/addItem/" { "Add Item" } " " a href="/displayItems/" { "Display Items" } }
        p.explain {
            "This cart is kept in cookies: your browser holds it and sends it with every request. "
            "The server stores nothing."
        }
    }
}

/// The add-item page: the kit's form, and where this chapter keeps an item.
fn form_page(token: &str, posted: Option<(&ItemForm, &AddItem)>) -> Markup {
    html! {
        (ItemFormPage { rules: &RULES, csrf_token: token, posted, display_items: "/displayItems/", hidden: html! {} })
        p.explain {
            "The Django original named each cookie after the item, so an item called "
            code { "sessionid" } " replaced the session cookie, and a name with " code { ";" }
            " or a space (not legal in a cookie name) ended in a server error. Here the item's cookie is "
            code { "cart_" } " + the name in base64url: watch the " code { "Set-Cookie" }
            " in the wire inspector after adding one."
        }
    }
}

fn cart_page(cart: &Cart, damaged: usize) -> Markup {
    html! {
        h1 { "Items in your cart" }
        @if cart.is_empty() {
            p { "No items in your cart" }
        } @else {
            table {
                thead { tr { th { "Product Name" } th { "Quantity" } } }
                tbody {
                    @for line in &cart.lines {
                        tr { td { (line.name) } td { (line.quantity) } }
                    }
                }
            }
        }
        @if damaged > 0 {
            p.notice { "Ignored " (damaged) " cart cookie(s) that could not be read: edited by hand, perhaps." }
        }
        p.explain {
            "This list is built from the " code { "cart_…" } " cookies your browser sent, and from nothing else: "
            "other cookies of the site (like " code { "csrftoken" } ") are not items. The Django original listed "
            "every cookie. Each item is forgotten " (ITEM_MAX_AGE_SECONDS) " seconds after it was last added ("
            code { "Max-Age=" (ITEM_MAX_AGE_SECONDS) } ")."
        }
        p { a href="/addItem/" { "Add Item" } }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_name_makes_a_valid_cookie_name_and_comes_back() {
        for name in ["apple", "sessionid", "a; b=c", "café", "<script>", " "] {
            let cookie_name = cart_cookie_name(name);
            assert!(cookie_name.starts_with("cart_"));
            assert!(
                cookie_name[5..]
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'),
                "{cookie_name}"
            );
            assert_eq!(item_from_cookie_name(&cookie_name).as_deref(), Some(name));
        }
        assert_eq!(cart_cookie_name("apple"), "cart_YXBwbGU");
        assert_eq!(item_from_cookie_name("csrftoken"), None);
        assert_eq!(item_from_cookie_name("cart_%%%"), None);
    }
}
