//! # Chapter 6: a shopping cart in the session
//!
//! Chapter 4's cart lived in the browser, one cookie per item. This one
//! lives on the server, in the session record; the browser holds only the
//! `sessionid` cookie. The cart can grow past the browser's cookie limits,
//! and the browser cannot change a quantity by editing a cookie.
//!
//! The Django original stored each item as its own session key and listed
//! every key as an item, so anything else in the session (the CSRF token, a
//! counter, a login) showed up as a product. Here the whole cart is one
//! value under one key, `cart`. Beyond the notes: adding an item again adds
//! to its quantity, one item can be removed, and emptying the cart *flushes*
//! the session, so the next visit starts over under a new id.
//!
//! Run it: `cargo run -p chapter-6` (or `just run 6`), then open
//! <http://127.0.0.1:3006/>. The book explains it in `book/src/chapter-6.md`.

use axum::{
    Router,
    response::IntoResponse,
    routing::{get, post},
};
use course_kit::{
    Chapter, ErrorPage, PageLink, Settings, csrf, format_date,
    forms::PostedForm,
    sessions::{self, SessionStore},
    shop::{self, AddItem, Cart, ItemForm, ItemFormPage},
};
use maud::{Markup, html};
use serde::Deserialize;
use tower_sessions::{Expiry, Session, SessionManagerLayer, cookie::SameSite};

// ANCHOR: app
pub fn app(settings: &Settings) -> Router {
    let store = SessionStore::default();
    let sessions = SessionManagerLayer::new(store.clone())
        .with_name(course_kit::SESSION_COOKIE)
        // Not Secure on plain http (see chapter 2); a site on https must set it.
        .with_secure(false)
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        // The notes' set_expiry(300), or `--session-expiry`. A request that
        // changes the session saves it, and pushes its end further.
        .with_expiry(Expiry::OnInactivity(sessions::expiry(settings)));
    let routes = Router::new()
        .route("/", get(index))
        .route("/addItem/", get(show_form).post(add_item))
        .route("/displayItems/", get(display_cart))
        .route("/removeItem/", post(remove_item))
        .route("/emptyCart/", post(empty_cart))
        .layer(sessions);
    CHAPTER.app_with_sessions(routes, store)
}
// ANCHOR_END: app

pub const CHAPTER: Chapter = Chapter::new(
    6,
    "A cart in the session",
    &[
        PageLink::new("/", "Shop"),
        PageLink::new("/addItem/", "Add Item"),
        PageLink::new("/displayItems/", "Display Items"),
    ],
)
.with_options(&[sessions::SESSION_EXPIRY]);

/// The form's limits: the notes' session form (100 characters for a name),
/// and at most 50 items, so that a script cannot grow a session without end.
pub const RULES: shop::ItemRules = shop::SESSION_CART;

// ANCHOR: cart
/// The one session key the cart lives under.
pub const CART_KEY: &str = "cart";

/// Reads the cart from the session: an empty cart if there is none yet.
async fn load_cart(session: &Session) -> Result<Cart, ErrorPage> {
    Ok(session.get(CART_KEY).await?.unwrap_or_default())
}

/// Writes the whole cart back under its key. tower-sessions then saves the
/// record at the end of the request, and the record is all that changes:
/// the browser's cookie still carries the same id.
async fn save_cart(session: &Session, cart: &Cart) -> Result<(), ErrorPage> {
    session.insert(CART_KEY, cart).await?;
    Ok(())
}
// ANCHOR_END: cart

// ANCHOR: index
async fn index(session: Session) -> Markup {
    // Django's get_expiry_age() and get_expiry_date(): with an inactivity
    // expiry, both count from now. Rounded: a few microseconds have passed.
    let seconds = session.expiry_age().as_seconds_f64().round();
    let date = format_date(session.expiry_date());
    CHAPTER.page("Shopping cart", shop_page(seconds, &date))
}
// ANCHOR_END: index

async fn show_form(session: Session) -> Result<Markup, ErrorPage> {
    let token = csrf::issue_session_token(&session).await?;
    Ok(CHAPTER.page("Add Item", form_page(&token, None)))
}

// ANCHOR: add_item
async fn add_item(
    session: Session,
    PostedForm(form): PostedForm<ItemForm>,
) -> Result<impl IntoResponse, ErrorPage> {
    csrf::check_session_token(&session, &form.csrf_token).await?;

    let mut cart = load_cart(&session).await?;
    let outcome = cart.add(&form, &RULES);
    // On bad input nothing is written, so the cart stays as it was.
    if let AddItem::Added(_) = outcome {
        save_cart(&session, &cart).await?;
    }
    let token = csrf::issue_session_token(&session).await?;
    let page = CHAPTER.page("Add Item", form_page(&token, Some((&form, &outcome))));
    Ok((outcome.status(), page))
}
// ANCHOR_END: add_item

async fn display_cart(session: Session) -> Result<Markup, ErrorPage> {
    cart_page(&session, None).await
}

// ANCHOR: remove_and_empty
/// The remove button's form.
#[derive(Deserialize)]
struct RemoveForm {
    #[serde(default)]
    name: String,
    #[serde(default, rename = "csrfmiddlewaretoken")]
    csrf_token: String,
}

async fn remove_item(
    session: Session,
    PostedForm(form): PostedForm<RemoveForm>,
) -> Result<Markup, ErrorPage> {
    csrf::check_session_token(&session, &form.csrf_token).await?;
    let mut cart = load_cart(&session).await?;
    // Removing what is not there changes nothing, and writes nothing.
    let removed = cart.remove(&form.name);
    if removed {
        save_cart(&session, &cart).await?;
    }
    cart_page(&session, Some(removed_message(&form.name, removed))).await
}

/// The empty button's form.
#[derive(Deserialize)]
struct EmptyForm {
    #[serde(default, rename = "csrfmiddlewaretoken")]
    csrf_token: String,
}

async fn empty_cart(
    session: Session,
    PostedForm(form): PostedForm<EmptyForm>,
) -> Result<Markup, ErrorPage> {
    csrf::check_session_token(&session, &form.csrf_token).await?;
    // Django's request.session.flush(): delete the record from the store and
    // forget the id. tower-sessions then tells the browser to delete the
    // cookie; the next time something is stored, a new session with a new id
    // begins. (Logging out should do the same, so that an old id is useless.)
    session.flush().await?;
    cart_page(&session, Some(flushed_message())).await
}
// ANCHOR_END: remove_and_empty

/// The cart page, shared by `/displayItems/` and the answers to the
/// remove and empty buttons.
async fn cart_page(session: &Session, message: Option<Markup>) -> Result<Markup, ErrorPage> {
    let cart = load_cart(session).await?;
    // The remove and empty buttons are forms, so they need the CSRF token;
    // an empty cart has no buttons, and then no token (and no session) is made.
    let token = match cart.is_empty() {
        true => None,
        false => Some(csrf::issue_session_token(session).await?),
    };
    let content = html! {
        @if let Some(message) = message { (message) }
        (cart_table(&cart, token.as_deref()))
    };
    Ok(CHAPTER.page("Items in your cart", content))
}

// ---------------------------------------------------------------------------
// The pages' words around the lesson.

/// The add-item page: the kit's form.
fn form_page(token: &str, posted: Option<(&ItemForm, &AddItem)>) -> Markup {
    html! {
        (ItemFormPage { rules: &RULES, csrf_token: token, posted, display_items: "/displayItems/", hidden: html! {} })
    }
}

fn shop_page(seconds: f64, date: &str) -> Markup {
    html! {
        h1 { "welcome to my shopping cart" }
        p { a href="/addItem/" { "Add Item" } " " a href="/displayItems/" { "Display Items" } }
        p { b { "Session expiry Time in seconds: " (seconds) } }
        p { b { "Session expiry Time in date: " (date) } }
        p.explain {
            "This cart is kept on the server, in your session. Your browser holds only the "
            code { "sessionid" } " cookie, and only once there is something to keep: "
            "until you open the form, no session is started. (If the wire inspector shows a "
            code { "sessionid" } " from another chapter, that is because cookies belong to the host, "
            "127.0.0.1, not to a port. This server does not know that id: it replaces it with one of "
            "its own, or tells your browser to delete it.)"
        }
    }
}

/// The cart, with a remove button on each line and an empty button, which
/// are forms and carry the CSRF token.
fn cart_table(cart: &Cart, token: Option<&str>) -> Markup {
    html! {
        h1 { "Items in your cart" }
        @match token {
            None => p { "No items in your cart" },
            Some(token) => {
                table {
                    thead { tr { th { "Product Name" } th { "Quantity" } th { } } }
                    tbody {
                        @for line in &cart.lines {
                            tr {
                                td { (line.name) }
                                td { (line.quantity) }
                                td {
                                    form.inline method="post" action="/removeItem/" {
                                        input type="hidden" name="name" value=(line.name);
                                        (csrf::hidden_input(token))
                                        button type="submit" { "Remove" }
                                    }
                                }
                            }
                        }
                    }
                }
                form method="post" action="/emptyCart/" {
                    (csrf::hidden_input(token))
                    button type="submit" { "Empty the cart (flush the session)" }
                }
            }
        }
        p.explain {
            "This list is the session's " code { "cart" } " key and nothing else. The Django original listed "
            "every key of the session as an item, so the CSRF token you see beside the cart in the wire "
            "inspector would have shown up as a product."
        }
    }
}

fn removed_message(name: &str, removed: bool) -> Markup {
    html! {
        @if removed {
            p.success role="status" { "Removed " strong { (name) } " from your cart." }
        } @else {
            p.notice role="status" { strong { (name) } " was not in your cart: nothing was removed." }
        }
    }
}

fn flushed_message() -> Markup {
    html! {
        p.success role="status" {
            "The session was flushed: its record is deleted from the server's store, and the response "
            "tells your browser to delete the " code { "sessionid" } " cookie (" code { "Max-Age=0" } "). "
            "Add an item and a new session begins, under a new id."
        }
    }
}
