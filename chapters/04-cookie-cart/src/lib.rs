//! # Chapter 4: a shopping cart in cookies
//!
//! The cart lives entirely in the browser: one cookie per item, which the
//! browser sends back with every request. The server keeps nothing.
//!
//! The Django original did this with `response.set_cookie(name, quantity, 120)`,
//! using the **item's name as the cookie's name**, and its cart page listed
//! **every cookie** the browser sent. Both are bugs:
//!
//! 1. Every cookie of the site is in `request.COOKIES`: the `csrftoken`, a
//!    session id, the counter of chapter 3. The cart listed them all as
//!    products.
//! 2. An item's name *was* a cookie's name. An item called `count` overwrote
//!    the counter's cookie, and one called `sessionid` replaced the session
//!    cookie, so the session was lost. And a name with `;`, `=`, a space or
//!    an accent is not a legal cookie name at all: Python's `http.cookies`
//!    refuses it, and the page ended in a server error.
//!
//! This chapter keeps the cart in its own namespace instead. An item's cookie
//! is named `cart_` followed by the item name in base64url, an alphabet of
//! letters, digits, `-` and `_` that is always a valid cookie name:
//! `apple` becomes `cart_YXBwbGU`. The cart page lists only cookies with that
//! prefix, and decodes their names back.
//!
//! The form is checked on the server, field by field, as Django's form
//! would: bad input shows the form again with what was typed and a message at
//! each field, and leaves the cart as it was. Every POST carries a CSRF token.

use axum::{
    Router,
    http::StatusCode,
    response::{IntoResponse, Response},
    routing::get,
};
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use course_kit::{Chapter, ErrorPage, PageLink, csrf, forms::PostedForm, forms::text_field};
use maud::{Markup, html};
use serde::Deserialize;
use tower_cookies::{
    Cookie, CookieManagerLayer, Cookies,
    cookie::{SameSite, time::Duration},
};

pub const CHAPTER: Chapter = Chapter {
    number: 4,
    title: "A cart in cookies",
    pages: &[
        PageLink {
            path: "/",
            label: "Shop",
        },
        PageLink {
            path: "/addItem/",
            label: "Add Item",
        },
        PageLink {
            path: "/displayItems/",
            label: "Display Items",
        },
    ],
};

// ANCHOR: rules
/// The limits a cart's form enforces. Chapters 6 and 7 reuse this form with
/// their own limits.
#[derive(Debug, Clone, Copy)]
pub struct ItemRules {
    pub max_name_chars: usize,
    pub max_quantity: u32,
    /// How many different items the cart can hold.
    pub max_items: usize,
    /// Why the cart cannot hold more, and what to do about it.
    pub full_cart_reason: &'static str,
}

/// The rules of this cart's form.
pub const RULES: ItemRules = ItemRules {
    // The notes' form: `name = forms.CharField(max_length=30)`.
    max_name_chars: 30,
    max_quantity: 999,
    // Each item is a cookie, and browsers keep only so many cookies per site
    // (RFC 6265 asks for at least 50; some keep more, but a site cannot know
    // which). Past that, a browser silently throws old cookies away, and the
    // cart would lose items without a word. Refusing the next item, and
    // saying why, loses nothing.
    max_items: 20,
    full_cart_reason: "each item is a cookie, and browsers keep only so many cookies per site. \
                       Wait for an item to expire (see its Max-Age), or clear this site's cookies",
};
/// How long the browser keeps an item: the notes' `set_cookie(name, quantity, 120)`.
pub const ITEM_MAX_AGE_SECONDS: i64 = 120;
// ANCHOR_END: rules

// ANCHOR: cart_cookie
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
/// One line of the cart.
#[derive(Debug, Clone, PartialEq)]
pub struct CartLine {
    pub name: String,
    pub quantity: u32,
}

/// The cart, read from the cookies the browser sent.
#[derive(Debug, Default)]
pub struct Cart {
    /// Sorted by name, so the page is the same whatever order the cookies came in.
    pub lines: Vec<CartLine>,
    /// Cart cookies that could not be read (edited by hand, say): ignored.
    pub damaged: usize,
}

impl Cart {
    /// Reads only the cookies in the cart's namespace; every other cookie of
    /// the site (the CSRF token, a counter) is none of the cart's business.
    pub fn from_cookies(cookies: &Cookies) -> Cart {
        let mut cart = Cart::default();
        for cookie in cookies.list() {
            if !cookie.name().starts_with(CART_PREFIX) {
                continue;
            }
            // Like the quantity, the name must be one the form could have
            // stored, so that a cookie made by hand cannot add an empty,
            // overlong or control-character item.
            let name = item_from_cookie_name(cookie.name()).filter(|name| could_be_stored(name));
            let quantity = cookie
                .value()
                .parse::<u32>()
                .ok()
                .filter(|q| (1..=RULES.max_quantity).contains(q));
            match (name, quantity) {
                (Some(name), Some(quantity)) => cart.lines.push(CartLine { name, quantity }),
                _ => cart.damaged += 1,
            }
        }
        cart.lines.sort_by(|a, b| a.name.cmp(&b.name));
        cart
    }

    fn quantity_of(&self, name: &str) -> Option<u32> {
        self.lines
            .iter()
            .find(|line| line.name == name)
            .map(|line| line.quantity)
    }
}

/// Whether the form could have stored this item name: the form's own rules
/// for a name ([`name_error`]), applied to a name read back from a cookie.
fn could_be_stored(name: &str) -> bool {
    name.trim() == name && name_error(name, &RULES).is_none()
}
// ANCHOR_END: read_cart

// ANCHOR: store_item
/// Stores one item's quantity in its own cookie, kept for
/// [`ITEM_MAX_AGE_SECONDS`] from now (from the *last* time it was added).
fn store_item(cookies: &Cookies, name: &str, quantity: u32) {
    let cookie = Cookie::build((cart_cookie_name(name), quantity.to_string()))
        .path("/")
        .max_age(Duration::seconds(ITEM_MAX_AGE_SECONDS))
        .http_only(true)
        .same_site(SameSite::Lax)
        .build();
    cookies.add(cookie);
}
// ANCHOR_END: store_item
// ANCHOR_END: cart_cookie

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

async fn index() -> Markup {
    let content = html! {
        h1 { "welcome to my shopping cart" }
        p { a href="/addItem/" { "Add Item" } " " a href="/displayItems/" { "Display Items" } }
        p.explain {
            "This cart is kept in cookies: your browser holds it and sends it with every request. "
            "The server stores nothing."
        }
    };
    CHAPTER.page("Shopping cart", content)
}

// ANCHOR: form
/// The posted form. Every field is a `String` with a default, so any body
/// parses; the values are then checked one by one in [`check_item`].
#[derive(Deserialize, Default)]
pub struct ItemForm {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub quantity: String,
    #[serde(default, rename = "csrfmiddlewaretoken")]
    pub csrf_token: String,
}

/// What was wrong with each field, in Django's words where Django has them.
#[derive(Debug, Default, PartialEq)]
pub struct ItemErrors {
    pub name: Option<String>,
    pub quantity: Option<String>,
}

/// What is wrong with an item name (already trimmed), if anything.
pub fn name_error(name: &str, rules: &ItemRules) -> Option<String> {
    let length = name.chars().count();
    if name.is_empty() {
        Some("This field is required.".into())
    } else if length > rules.max_name_chars {
        Some(format!(
            "Ensure this value has at most {} characters (it has {length}).",
            rules.max_name_chars
        ))
    } else if name.chars().any(char::is_control) {
        Some("An item name cannot contain control characters.".into())
    } else {
        None
    }
}

/// Checks the form against the rules and the cart as it is: `already` is how
/// many of this item the cart holds, `items_in_cart` how many different items.
/// Returns the item name and the cart's new quantity for it, or a message for
/// each bad field.
pub fn check_item(
    form: &ItemForm,
    rules: &ItemRules,
    already: impl Fn(&str) -> Option<u32>,
    items_in_cart: usize,
) -> Result<(String, u32), ItemErrors> {
    let mut errors = ItemErrors::default();
    let name = form.name.trim();
    errors.name = name_error(name, rules);

    let quantity = form.quantity.trim();
    let already = already(name);
    let mut total = 0;
    if quantity.is_empty() {
        errors.quantity = Some("This field is required.".into());
    } else {
        match quantity.parse::<i64>() {
            // Digits too many for an i64 are still a whole number, just far
            // out of range: say which end, as Django does for any size.
            Err(_) if is_whole_number(quantity) && quantity.starts_with('-') => {
                errors.quantity = Some("Ensure this value is greater than or equal to 1.".into())
            }
            Err(_) if is_whole_number(quantity) => {
                errors.quantity = Some(format!(
                    "Ensure this value is less than or equal to {}.",
                    rules.max_quantity
                ))
            }
            Err(_) => errors.quantity = Some("Enter a whole number.".into()),
            Ok(n) if n < 1 => {
                errors.quantity = Some("Ensure this value is greater than or equal to 1.".into())
            }
            Ok(n) if n > i64::from(rules.max_quantity) => {
                errors.quantity = Some(format!(
                    "Ensure this value is less than or equal to {}.",
                    rules.max_quantity
                ))
            }
            Ok(n) => {
                // n is between 1 and max_quantity here, so it fits in a u32.
                total = already.unwrap_or(0).saturating_add(n as u32);
                if total > rules.max_quantity {
                    errors.quantity = Some(format!(
                        "Your cart already holds {} of this item; with {n} more it would pass {}.",
                        already.unwrap_or(0),
                        rules.max_quantity
                    ));
                }
            }
        }
    }

    if errors.name.is_none() && already.is_none() && items_in_cart >= rules.max_items {
        errors.name = Some(format!(
            "Your cart already holds {} different items, the most it can: {}.",
            rules.max_items, rules.full_cart_reason
        ));
    }

    match errors {
        ItemErrors {
            name: None,
            quantity: None,
        } => Ok((name.to_string(), total)),
        errors => Err(errors),
    }
}
// ANCHOR_END: form

/// Digits, with an optional sign in front: what Rust's `parse::<i64>` reads,
/// whatever the number of digits.
fn is_whole_number(text: &str) -> bool {
    let digits = text.strip_prefix(['+', '-']).unwrap_or(text);
    !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())
}

/// The add-item page: the form (with what was typed, and any errors) and,
/// after a successful post, what was added.
fn form_page(
    cookies: &Cookies,
    form: &ItemForm,
    errors: &ItemErrors,
    added: Option<&CartLine>,
) -> Markup {
    let token = csrf::token_from_cookie(cookies);
    let content = html! {
        h1 { "Add Item" }
        @if let Some(line) = added {
            p.success role="status" {
                "Added to your cart: " strong { (line.name) } ". You now have " (line.quantity) "."
            }
        }
        form method="post" action="/addItem/" {
            (text_field("Name", "name", &form.name, "text", errors.name.as_deref()))
            (text_field("Quantity", "quantity", &form.quantity, "numeric", errors.quantity.as_deref()))
            (csrf::hidden_input(&token))
            input type="submit" value="Add Item";
            " "
            a href="/displayItems/" { "Display Items" }
        }
        p.explain {
            "The Django original named each cookie after the item, so an item called "
            code { "sessionid" } " replaced the session cookie, and a name with " code { ";" }
            " or a space (not legal in a cookie name) ended in a server error. Here the item's cookie is "
            code { "cart_" } " + the name in base64url: watch the " code { "Set-Cookie" }
            " in the wire inspector after adding one."
        }
    };
    CHAPTER.page("Add Item", content)
}

async fn show_form(cookies: Cookies) -> Markup {
    form_page(&cookies, &ItemForm::default(), &ItemErrors::default(), None)
}

// ANCHOR: add_item
async fn add_item(
    cookies: Cookies,
    PostedForm(form): PostedForm<ItemForm>,
) -> Result<Response, ErrorPage> {
    // A forged post from another site is refused before anything else.
    csrf::check_cookie(&cookies, &form.csrf_token)?;

    let cart = Cart::from_cookies(&cookies);
    match check_item(
        &form,
        &RULES,
        |name| cart.quantity_of(name),
        cart.lines.len(),
    ) {
        Ok((name, new_total)) => {
            store_item(&cookies, &name, new_total);
            let line = CartLine {
                name,
                quantity: new_total,
            };
            Ok(form_page(
                &cookies,
                &ItemForm::default(),
                &ItemErrors::default(),
                Some(&line),
            )
            .into_response())
        }
        // Nothing is stored: the cart stays as it was, and the form comes back
        // with what was typed and a message at each bad field.
        Err(errors) => Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            form_page(&cookies, &form, &errors, None),
        )
            .into_response()),
    }
}
// ANCHOR_END: add_item

// ANCHOR: display_cart
async fn display_cart(cookies: Cookies) -> Markup {
    let cart = Cart::from_cookies(&cookies);
    let content = html! {
        h1 { "Items in your cart" }
        @if cart.lines.is_empty() {
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
        @if cart.damaged > 0 {
            p.notice { "Ignored " (cart.damaged) " cart cookie(s) that could not be read: edited by hand, perhaps." }
        }
        p.explain {
            "This list is built from the " code { "cart_…" } " cookies your browser sent, and from nothing else: "
            "other cookies of the site (like " code { "csrftoken" } ") are not items. The Django original listed "
            "every cookie. Each item is forgotten " (ITEM_MAX_AGE_SECONDS) " seconds after it was last added ("
            code { "Max-Age=" (ITEM_MAX_AGE_SECONDS) } ")."
        }
        p { a href="/addItem/" { "Add Item" } }
    };
    CHAPTER.page("Items in your cart", content)
}
// ANCHOR_END: display_cart
