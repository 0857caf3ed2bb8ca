//! # Chapter 6: a shopping cart in the session
//!
//! Chapter 4's cart lived in the browser, one cookie per item. This one
//! lives on the server, in the session record; the browser holds only the
//! `sessionid` cookie. The cart can grow without the browser's cookie
//! limits, and the browser cannot change a quantity by editing a cookie.
//!
//! The Django original got two things wrong, and this chapter fixes both:
//!
//! 1. It stored each item as its own top-level session key
//!    (`request.session[name] = quantity`) and listed **every** session key as
//!    an item. Anything else in the session (a visit counter, the test cookie,
//!    a login) showed up as a product, and an item could overwrite it. Here
//!    the whole cart is one value under one key, `cart`; the CSRF token sits
//!    beside it under its own key, and is never listed.
//! 2. It stored `request.POST.get('quantity')` as it came: no check at all.
//!    Here the form is checked as in chapter 4: a message at each bad field,
//!    what was typed kept, and the cart unchanged.
//!
//! Beyond the notes: adding an item that is already in the cart adds to its
//! quantity; one item can be removed; and the cart can be emptied, which
//! *flushes* the session: its record is deleted and the cookie with it, so
//! the next visit starts a new session under a new id.

use axum::{
    Router,
    http::StatusCode,
    response::{IntoResponse, Response},
    routing::{get, post},
};
use chapter_4::{ItemErrors, ItemForm, ItemRules, check_item};
use course_kit::{
    Chapter, ErrorPage, PageLink, csrf,
    forms::{PostedForm, text_field},
    inspector::format_date,
};
use maud::{Markup, html};
use serde::{Deserialize, Serialize};
use tower_sessions::{
    Expiry, MemoryStore, Session, SessionManagerLayer,
    cookie::{SameSite, time::Duration},
};

pub const CHAPTER: Chapter = Chapter {
    number: 6,
    title: "A cart in the session",
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

/// The rules of the session cart's form: the notes' `ItemForm` for the
/// session (`max_length=100`, `min_value=1`), plus an upper bound on each
/// quantity and on how many items one session may hold, so that a script
/// cannot grow a session record without end.
pub const RULES: ItemRules = ItemRules {
    max_name_chars: 100,
    max_quantity: 999,
    max_items: 50,
    full_cart_reason: "one visitor's session is kept small on purpose. Remove an item first",
};

/// The notes' `set_expiry(300)`.
pub const INACTIVITY_SECONDS: i64 = 300;

// ANCHOR: cart
/// The one session key the cart lives under.
pub const CART_KEY: &str = "cart";

/// One line of the cart, as stored (as JSON) in the session record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CartLine {
    pub name: String,
    pub quantity: u32,
}

/// Reads the cart from the session: an empty cart if there is none yet.
pub async fn load_cart(session: &Session) -> Result<Vec<CartLine>, ErrorPage> {
    Ok(session.get(CART_KEY).await?.unwrap_or_default())
}

/// Checks the form and, if it is good, adds the item to the cart in the
/// session. On bad input nothing is written, so the cart stays as it was.
pub async fn add_to_cart(
    session: &Session,
    form: &ItemForm,
) -> Result<Result<CartLine, ItemErrors>, ErrorPage> {
    let mut cart = load_cart(session).await?;
    let quantity_of = |name: &str| {
        cart.iter()
            .find(|line| line.name == name)
            .map(|line| line.quantity)
    };
    // The check adds the typed quantity to what the cart already holds.
    let (name, new_total) = match check_item(form, &RULES, quantity_of, cart.len()) {
        Ok(checked) => checked,
        Err(errors) => return Ok(Err(errors)),
    };
    let line = CartLine {
        name,
        quantity: new_total,
    };
    match cart.iter_mut().find(|old| old.name == line.name) {
        Some(old) => *old = line.clone(),
        None => cart.push(line.clone()),
    }
    session.insert(CART_KEY, &cart).await?;
    Ok(Ok(line))
}

/// Removes one item from the cart, and says whether it was there; removing
/// what is not there changes nothing.
pub async fn remove_from_cart(session: &Session, name: &str) -> Result<bool, ErrorPage> {
    let mut cart = load_cart(session).await?;
    let before = cart.len();
    cart.retain(|line| line.name != name);
    if cart.len() == before {
        return Ok(false);
    }
    session.insert(CART_KEY, &cart).await?;
    Ok(true)
}
// ANCHOR_END: cart

// ANCHOR: app
pub fn app() -> Router {
    let store = MemoryStore::default();
    let sessions = SessionManagerLayer::new(store.clone())
        .with_name(course_kit::SESSION_COOKIE)
        // Not Secure on plain http://127.0.0.1; a site on https must set it.
        .with_secure(false)
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_expiry(Expiry::OnInactivity(Duration::seconds(INACTIVITY_SECONDS)))
        .with_always_save(true);
    let routes = Router::new()
        .route("/", get(index))
        .route("/addItem/", get(show_form).post(add_item))
        .route("/displayItems/", get(display_cart))
        .route("/removeItem/", post(remove_item))
        .route("/emptyCart/", post(empty_cart))
        .layer(sessions);
    CHAPTER.app_with_session_store(routes, store)
}
// ANCHOR_END: app

// ANCHOR: index
async fn index(session: Session) -> Markup {
    // Django's get_expiry_age() and get_expiry_date(): with an inactivity
    // expiry, both count from now. Rounded: a few microseconds have passed.
    let seconds = session.expiry_age().as_seconds_f64().round();
    let content = html! {
        h1 { "welcome to my shopping cart" }
        p { a href="/addItem/" { "Add Item" } " " a href="/displayItems/" { "Display Items" } }
        p { b { "Session expiry Time in seconds: " (seconds) } }
        p { b { "Session expiry Time in date: " (format_date(session.expiry_date())) } }
        p.explain {
            "This cart is kept on the server, in your session. Your browser holds only the "
            code { "sessionid" } " cookie, and only once there is something to keep: "
            "until you open the form, no session is started. (If the wire inspector shows a "
            code { "sessionid" } " from another chapter, that is because cookies belong to the host, "
            "127.0.0.1, not to a port. This server does not know that id: it replaces it with one of "
            "its own, or tells your browser to delete it.)"
        }
    };
    CHAPTER.page("Shopping cart", content)
}
// ANCHOR_END: index

/// The add-item page: the form, with what was typed and any errors, and
/// after a successful post what was added.
async fn form_page(
    session: &Session,
    form: &ItemForm,
    errors: &ItemErrors,
    added: Option<&CartLine>,
) -> Result<Markup, ErrorPage> {
    let token = csrf::token_in_session(session).await?;
    let content = html! {
        h1 { "Add Item" }
        @if let Some(line) = added {
            p.success role="status" { "Added to your cart: " strong { (line.name) } ". You now have " (line.quantity) "." }
        }
        form method="post" action="/addItem/" {
            (text_field("Item Name", "name", &form.name, "text", errors.name.as_deref()))
            (text_field("Quantity", "quantity", &form.quantity, "numeric", errors.quantity.as_deref()))
            (csrf::hidden_input(&token))
            input type="submit" value="Add Item";
            " "
            a href="/displayItems/" { "Display Items" }
        }
    };
    Ok(CHAPTER.page("Add Item", content))
}

async fn show_form(session: Session) -> Result<Markup, ErrorPage> {
    form_page(&session, &ItemForm::default(), &ItemErrors::default(), None).await
}

// ANCHOR: add_item
async fn add_item(
    session: Session,
    PostedForm(form): PostedForm<ItemForm>,
) -> Result<Response, ErrorPage> {
    csrf::check_session(&session, &form.csrf_token).await?;
    match add_to_cart(&session, &form).await? {
        Ok(line) => Ok(form_page(
            &session,
            &ItemForm::default(),
            &ItemErrors::default(),
            Some(&line),
        )
        .await?
        .into_response()),
        Err(errors) => Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            form_page(&session, &form, &errors, None).await?,
        )
            .into_response()),
    }
}
// ANCHOR_END: add_item

/// The cart page, shared by `/displayItems/` and the answers to the
/// remove and empty buttons.
async fn cart_page(session: &Session, message: Option<Markup>) -> Result<Markup, ErrorPage> {
    let cart = load_cart(session).await?;
    // The remove and empty buttons are forms, so they need the CSRF token;
    // an empty cart has no buttons, and then no token (and no session) is made.
    let token = if cart.is_empty() {
        None
    } else {
        Some(csrf::token_in_session(session).await?)
    };
    let content = html! {
        @if let Some(message) = message { (message) }
        h1 { "Items in your cart" }
        @match &token {
            None => p { "No items in your cart" },
            Some(token) => {
                table {
                    thead { tr { th { "Product Name" } th { "Quantity" } th { } } }
                    tbody {
                        @for line in &cart {
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
    };
    Ok(CHAPTER.page("Items in your cart", content))
}

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
    csrf::check_session(&session, &form.csrf_token).await?;
    let message = if remove_from_cart(&session, &form.name).await? {
        html! { p.success role="status" { "Removed " strong { (form.name) } " from your cart." } }
    } else {
        html! { p.notice role="status" { strong { (form.name) } " was not in your cart: nothing was removed." } }
    };
    cart_page(&session, Some(message)).await
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
    csrf::check_session(&session, &form.csrf_token).await?;
    // Django's request.session.flush(): delete the record from the store and
    // forget the id. tower-sessions then tells the browser to delete the
    // cookie; the next time something is stored, a new session with a new id
    // begins. (Logging out should do the same, so that an old id is useless.)
    session.flush().await?;
    let message = html! {
        p.success role="status" {
            "The session was flushed: its record is deleted from the server's store, and the response "
            "tells your browser to delete the " code { "sessionid" } " cookie (" code { "Max-Age=0" } "). "
            "Add an item and a new session begins, under a new id."
        }
    };
    cart_page(&session, Some(message)).await
}
// ANCHOR_END: remove_and_empty
