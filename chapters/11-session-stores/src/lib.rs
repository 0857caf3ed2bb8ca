//! # Chapter 11: where sessions live
//!
//! Chapters 5 to 7 kept sessions in the server's memory: a restart forgot
//! everyone, and a second server knew nobody. This chapter keeps chapter 6's
//! cart and chapter 5's counter in a store outside the process, chosen with
//! `--store`: SQLite (the default: a file, no server to start), Redis (a
//! server every instance connects to), or memory, for comparison. Every page
//! says which instance served it and where its session lives.
//!
//! A shared store brings a problem that one process hid: two requests of one
//! session, served at the same time, each load the record, change it and save
//! it whole, and one change is lost. The race lab (`/race/`, and `just race`)
//! shows it, beside the usual fix: a cart in its own table, keyed by the
//! session id, changed with one atomic operation of the store.
//!
//! Run it: `cargo run -p chapter-11` (or `just run 11`), then open
//! <http://127.0.0.1:3011/>; a second instance: `just run 11 --port 3012`.
//! With Redis: `just redis` in another terminal, then `just run 11 --store
//! redis`. The book explains it in `book/src/chapter-11.md`. The stores are
//! in `src/store.rs` and `src/redis_store.rs`, the race client in
//! `src/race.rs` and the page texts in `src/pages.rs`, so that this file is
//! the lesson.

mod pages;
pub mod race;
mod redis_store;
pub mod store;

use std::time::Duration;

use axum::{
    Router,
    extract::State,
    response::IntoResponse,
    routing::{get, post},
};
use course_kit::{
    Chapter, CliOption, ErrorPage, PageLink, Settings, Sites, csrf, format_date,
    forms::PostedForm,
    sessions,
    shop::{self, AddItem, Cart, ItemForm},
};
use maud::{Markup, html};
use serde::Deserialize;
use tower_sessions::{Expiry, Session, SessionManagerLayer, cookie::SameSite};

pub use store::{Held, REDIS_URL, SQLITE, STORE, Store};

// ANCHOR: app
pub async fn app(settings: Settings) -> Result<Sites, String> {
    // Connect first: a store that cannot be reached is a one-line error
    // at start-up, not a failure on the first request.
    let store = connect(&settings).await?;
    // Chapter 6's session layer; only the store is new.
    let sessions = SessionManagerLayer::new(store.clone())
        .with_name(course_kit::SESSION_COOKIE)
        // Not Secure on plain http (see chapter 2); a site on https must set it.
        .with_secure(false)
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_expiry(Expiry::OnInactivity(sessions::expiry(&settings)));
    let instance = Instance {
        port: settings.port,
        store: store.clone(),
    };
    let routes = Router::new()
        .route("/", get(index))
        .route("/addItem/", get(show_form).post(add_item))
        .route("/displayItems/", get(display_cart))
        .route("/pageCount/", get(page_count))
        .route("/race/", get(race_lab))
        .route("/race/record/", post(add_to_record))
        .route("/race/table/", post(add_to_table))
        .layer(sessions)
        .with_state(instance);
    Ok(CHAPTER.app_with_sessions(routes, store).into())
}
// ANCHOR_END: app

pub const CHAPTER: Chapter = Chapter::new(
    11,
    "Where sessions live",
    &[
        PageLink::new("/", "Shop"),
        PageLink::new("/addItem/", "Add Item"),
        PageLink::new("/displayItems/", "Display Items"),
        PageLink::new("/pageCount/", "Count my visits"),
        PageLink::new("/race/", "Race lab"),
    ],
)
.with_options(&[STORE, SQLITE, REDIS_URL, sessions::SESSION_EXPIRY]);

// ANCHOR: connect
/// The store `--store` asks for. SQLite and Redis live outside this process:
/// they outlive a restart, and every instance given the same file or URL
/// shares them. Memory is this process's own.
pub async fn connect(settings: &Settings) -> Result<Store, String> {
    let text = |option: CliOption| settings.text(option.name).unwrap_or_default().to_string();
    match settings.choice(STORE.name) {
        "redis" => Store::redis(&text(REDIS_URL)).await,
        "memory" => Ok(Store::memory()),
        _ => {
            // Expired sessions are swept out twice per lifetime: at most
            // once a second, at least once a minute.
            let lifetime = settings.seconds(sessions::SESSION_EXPIRY.name);
            let (second, minute) = (Duration::from_secs(1), Duration::from_secs(60));
            let sweep_every = (lifetime / 2).clamp(second, minute);
            Store::sqlite(&text(SQLITE), Some(sweep_every)).await
        }
    }
}
// ANCHOR_END: connect

/// Which instance this is, and where its sessions live: every page says so.
#[derive(Clone)]
struct Instance {
    port: u16,
    store: Store,
}

impl Instance {
    fn page(&self, title: &str, content: Markup) -> Markup {
        CHAPTER.page(title, pages::served_by(self.port, &self.store, content))
    }
}

/// Chapter 6's form limits, and the one session key its cart lives under.
pub const RULES: shop::ItemRules = shop::SESSION_CART;
pub const CART_KEY: &str = "cart";

async fn load_cart(session: &Session) -> Result<Cart, ErrorPage> {
    Ok(session.get(CART_KEY).await?.unwrap_or_default())
}

async fn save_cart(session: &Session, cart: &Cart) -> Result<(), ErrorPage> {
    session.insert(CART_KEY, cart).await?;
    Ok(())
}

async fn index(State(instance): State<Instance>, session: Session) -> Markup {
    let seconds = session.expiry_age().as_seconds_f64().round();
    let date = format_date(session.expiry_date());
    instance.page("Shopping cart", pages::shop(seconds, &date))
}

async fn show_form(
    State(instance): State<Instance>,
    session: Session,
) -> Result<Markup, ErrorPage> {
    let token = csrf::issue_session_token(&session).await?;
    Ok(instance.page("Add Item", pages::form(&RULES, &token, None)))
}

/// Chapter 6's add_item, word for word: load the cart, add, save it back.
async fn add_item(
    State(instance): State<Instance>,
    session: Session,
    PostedForm(form): PostedForm<ItemForm>,
) -> Result<impl IntoResponse, ErrorPage> {
    csrf::check_session_token(&session, &form.csrf_token).await?;
    let mut cart = load_cart(&session).await?;
    let outcome = cart.add(&form, &RULES);
    if let AddItem::Added(_) = outcome {
        save_cart(&session, &cart).await?;
    }
    let token = csrf::issue_session_token(&session).await?;
    let page = pages::form(&RULES, &token, Some((&form, &outcome)));
    Ok((outcome.status(), instance.page("Add Item", page)))
}

async fn display_cart(
    State(instance): State<Instance>,
    session: Session,
) -> Result<Markup, ErrorPage> {
    let cart = load_cart(&session).await?;
    Ok(instance.page("Items in your cart", pages::cart(&cart)))
}

/// Chapter 5's counter: `session.get`, add one, `session.insert`.
async fn page_count(
    State(instance): State<Instance>,
    session: Session,
) -> Result<Markup, ErrorPage> {
    let count: u64 = session.get("count").await?.unwrap_or(0);
    let count = count.saturating_add(1);
    session.insert("count", count).await?;
    let seconds_left = session.expiry_age().as_seconds_f64().round();
    let content = pages::count(count, seconds_left, &format_date(session.expiry_date()));
    Ok(instance.page("Page count", content))
}

// ---------------------------------------------------------------------------
// The race lab: one apple at a time, into two carts kept in two ways.

/// The item the race lab adds.
pub const APPLE: &str = "apple";

/// The lab adds to the shop's cart without its cap of 999, so that a race of
/// thousands of requests is not stopped by the form's limit.
const LAB_RULES: shop::ItemRules = shop::ItemRules {
    max_quantity: u32::MAX,
    ..RULES
};

/// A lab button's form: only the CSRF token.
#[derive(Deserialize)]
struct TokenForm {
    #[serde(default, rename = "csrfmiddlewaretoken")]
    csrf_token: String,
}

async fn race_lab(State(instance): State<Instance>, session: Session) -> Result<Markup, ErrorPage> {
    lab_page(&instance, &session, None).await
}

// ANCHOR: record_strategy
/// Strategy 1, the cart inside the session record: loaded when the request
/// first touches the session, one apple added to the copy, and the **whole
/// record** saved by the session layer when the request ends. Two requests
/// that both load before either saves both write "one more than I saw".
async fn add_to_record(
    State(instance): State<Instance>,
    session: Session,
    PostedForm(form): PostedForm<TokenForm>,
) -> Result<impl IntoResponse, ErrorPage> {
    csrf::check_session_token(&session, &form.csrf_token).await?;
    let mut cart = load_cart(&session).await?;
    let outcome = cart.add(&pages::one_apple(), &LAB_RULES);
    if let AddItem::Added(_) = outcome {
        save_cart(&session, &cart).await?;
    }
    let page = lab_page(&instance, &session, Some(pages::added_to_record(&outcome))).await?;
    Ok((outcome.status(), page))
}
// ANCHOR_END: record_strategy

// ANCHOR: table_strategy
/// Strategy 2, the cart in its own table, keyed by the session id. The
/// store adds the apple in one operation (see `Store::add_to_table_cart`),
/// and the session record is only read: no request's apple is lost.
async fn add_to_table(
    State(instance): State<Instance>,
    session: Session,
    PostedForm(form): PostedForm<TokenForm>,
) -> Result<Markup, ErrorPage> {
    csrf::check_session_token(&session, &form.csrf_token).await?;
    // The token was in the record, so the session has an id.
    let id = session.id().ok_or_else(pages::no_session)?;
    let apples = instance
        .store
        .add_to_table_cart(id, APPLE, 1, session.expiry_date())
        .await?;
    lab_page(&instance, &session, Some(pages::added_to_table(apples))).await
}
// ANCHOR_END: table_strategy

/// The lab page: both carts' apples, and a button for each strategy.
async fn lab_page(
    instance: &Instance,
    session: &Session,
    message: Option<Markup>,
) -> Result<Markup, ErrorPage> {
    let token = csrf::issue_session_token(session).await?;
    let in_record = load_cart(session).await?.quantity_of(APPLE).unwrap_or(0);
    // A session begun by this very request gets its id when it is saved,
    // after the handler: until then, its table cart is empty.
    let in_table = match session.id() {
        Some(id) => instance.store.table_cart(id).await?,
        None => Vec::new(),
    };
    let content = html! {
        @if let Some(message) = message { (message) }
        (pages::lab(u64::from(in_record), &in_table, &token))
    };
    Ok(instance.page("Race lab", content))
}
