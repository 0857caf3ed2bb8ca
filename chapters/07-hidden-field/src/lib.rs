//! # Chapter 7: sessions without cookies
//!
//! A browser that refuses cookies sends no `sessionid` back, and every
//! request looks like a stranger's. The notes say Django then "falls back to
//! URL rewriting, and in forms uses hidden fields". **It does not**: Django's
//! sessions need cookies. The fallback belongs to Java's `encodeURL()` and
//! PHP's `session.use_trans_sid`, and this chapter builds it: every link
//! carries `?sid=…`, every form a hidden `sid` field, until the browser shows
//! that it keeps cookies; then the session moves into the cookie, under a
//! new id, and the URLs turn clean.
//!
//! An id in a URL leaks (history, logs, a copied link), so the server never
//! adopts an id it did not make, never takes one from a request another site
//! sent, and never turns an id that travelled in a URL into a cookie.
//!
//! Run it: `cargo run -p chapter-7` (or `just run 7`), then open
//! <http://127.0.0.1:3007/>. The book explains it in `book/src/chapter-7.md`.
//! (The page texts are in `src/pages.rs`, so that this file is the lesson.
//! It is still longer than the other chapters', some 440 lines: it does by
//! hand what tower-sessions does for chapters 5 and 6, finding, adopting,
//! saving and offering the session, and each of those steps is the lesson.)

mod pages;

use std::sync::Arc;

use axum::{
    Extension, Router,
    body::{Body, to_bytes},
    extract::{Request, State},
    http::{HeaderValue, header, request::Parts},
    middleware::{self, Next},
    response::{IntoResponse, Response},
    routing::get,
};
use course_kit::{
    BODY_LIMIT, Chapter, ErrorPage, PageLink, SESSION_COOKIE, Settings, csrf,
    forms::PostedForm,
    sessions::{self, SessionStore},
    shop::{self, AddItem, Cart, ItemForm},
};
use maud::{Markup, html};
use tower_cookies::{Cookie, CookieManagerLayer, Cookies, cookie::SameSite};
use tower_sessions::{Expiry, Session, SessionStore as _, session::Id};

// ANCHOR: app
pub fn app(settings: &Settings) -> Router {
    let store = SessionStore::default();
    let tracking = Tracking {
        store: store.clone(),
        expiry: Expiry::OnInactivity(sessions::expiry(settings)),
    };
    let routes = Router::new()
        .route("/", get(index))
        .route("/pageCount/", get(page_count))
        .route("/addItem/", get(show_form).post(add_item))
        .route("/displayItems/", get(display_cart))
        .layer(middleware::from_fn_with_state(tracking, track_session))
        .layer(CookieManagerLayer::new());
    CHAPTER
        .app_with_sessions(routes, store)
        .layer(middleware::map_response(no_referrer))
}
// ANCHOR_END: app

pub const CHAPTER: Chapter = Chapter::new(
    7,
    "Sessions without cookies",
    &[
        PageLink::new("/", "Shop"),
        PageLink::new("/addItem/", "Add Item"),
        PageLink::new("/displayItems/", "Display Items"),
        PageLink::new("/pageCount/", "Count my visits"),
    ],
)
.with_options(&[sessions::SESSION_EXPIRY])
// The kit's "page not found" keeps the id in its links, so that a
// cookie-less visitor who mistypes an address does not lose the session.
.carrying_query(SID);

/// The name of the URL parameter and of the hidden form field.
pub const SID: &str = "sid";

/// A cookie of its own that tells whether the browser keeps cookies: Django's
/// test cookie lives in the session (chapter 2), so it cannot tell that
/// without the session cookie, and the session cookie must not be offered
/// before the server knows.
pub const TEST_COOKIE: &str = "cookietest";

/// The cart's form limits: the same as chapter 6's.
const RULES: shop::ItemRules = shop::SESSION_CART;

// ANCHOR: found_by
/// How a request found its session. Every page says which.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum FoundBy {
    /// The browser sent the `sessionid` cookie.
    Cookie,
    /// The URL carried `?sid=…` (a rewritten link).
    Url,
    /// The form carried a hidden `sid` field.
    HiddenField,
    /// Nothing named a session this server knows: a new one begins.
    New,
}

/// Why an id the request named was not used.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Refused {
    /// This server does not know it: made up, expired, or from before a restart.
    Unknown,
    /// Another site's page made the browser send it.
    CrossSite,
}

/// The session of this request, and how it was found. The middleware puts it
/// into the request; handlers take it with `Extension<TrackedSession>`.
#[derive(Clone)]
pub struct TrackedSession {
    pub session: Session,
    pub found_by: FoundBy,
    pub refused: Option<Refused>,
    /// The browser sent a cookie back (`sessionid` or the test cookie), so
    /// it keeps cookies, and URLs need not carry the id.
    pub cookies_work: bool,
}

/// Java's `response.encodeURL(path)`, for one response: the id to put into
/// links and forms, if they must carry one.
#[derive(Default)]
pub struct Links {
    id: Option<Id>,
    /// This response moves the session from URLs into the cookie.
    pub moves_into_cookie: bool,
}

impl TrackedSession {
    /// Whether this response's links and forms carry the id: while the
    /// session lives in URLs, that is, until the browser sends it back in
    /// the `sessionid` cookie. A new session of a browser that keeps cookies
    /// goes straight into the cookie, and never into a URL.
    fn rewrites_urls(&self) -> bool {
        match self.found_by {
            FoundBy::Cookie => false,
            FoundBy::Url | FoundBy::HiddenField => true,
            FoundBy::New => !self.cookies_work,
        }
    }

    /// The links of this response. A visitor who has stored nothing has no
    /// session, and no id to carry.
    pub async fn links(&self) -> Result<Links, ErrorPage> {
        if !self.rewrites_urls() || self.session.is_empty().await {
            return Ok(Links::default());
        }
        // A session begun in this request gets its id when it is first
        // saved: save it now, so that the links can carry it.
        if self.session.id().is_none() {
            self.session.save().await?;
        }
        Ok(Links {
            id: self.session.id(),
            moves_into_cookie: self.cookies_work,
        })
    }
}

impl Links {
    /// The path, with `?sid=…` if needed.
    pub fn url(&self, path: &str) -> String {
        match self.query() {
            Some(query) => format!("{path}?{query}"),
            None => path.to_string(),
        }
    }

    /// The query string that carries the id, if URLs must carry it.
    pub fn query(&self) -> Option<String> {
        self.id.map(|id| format!("{SID}={id}"))
    }

    /// The hidden form field that carries the id, if forms must carry it.
    pub fn hidden_field(&self) -> Markup {
        html! {
            @if let Some(id) = self.id {
                input type="hidden" name=(SID) value=(id);
            }
        }
    }
}
// ANCHOR_END: found_by

// ANCHOR: track_session
/// What the middleware needs: the store, and how long a session lives.
#[derive(Clone)]
struct Tracking {
    store: SessionStore,
    expiry: Expiry,
}

/// The middleware: finds the request's session by cookie, URL or hidden
/// field; hands it to the handler; then saves it and offers a cookie.
/// (tower-sessions reads only cookies, so this chapter does its job itself.)
async fn track_session(
    State(tracking): State<Tracking>,
    cookies: Cookies,
    request: Request,
    next: Next,
) -> Result<Response, ErrorPage> {
    // A hidden field is in the body of a form post, so the body is read here
    // and handed on unchanged. Past the course's limit it is not read at all.
    let (parts, body) = request.into_parts();
    let Ok(body) = to_bytes(body, BODY_LIMIT).await else {
        // The body is not read, but the URL may carry the session: keep it.
        let links = Links {
            id: sid_in(parts.uri.query().unwrap_or_default().as_bytes())
                .and_then(|text| text.parse().ok()),
            moves_into_cookie: false,
        };
        let error = ErrorPage::payload_too_large().with_back_link(links.url("/"));
        return Ok(error.into_response());
    };
    let cookies_work = cookies.get(SESSION_COOKIE).is_some() || cookies.get(TEST_COOKIE).is_some();

    // ANCHOR: adopt
    // Adopt the claimed id only if this server made it and still has it.
    let store = Arc::new(tracking.store.clone());
    let session_with = |id| Session::new(id, store.clone(), Some(tracking.expiry));
    let (session, found_by, refused) = match claimed_id(&cookies, &parts, &body) {
        Err(refused) => (session_with(None), FoundBy::New, Some(refused)),
        Ok(None) => (session_with(None), FoundBy::New, None),
        Ok(Some((text, found_by))) => match known_id(&tracking.store, &text).await? {
            Some(id) => (session_with(Some(id)), found_by, None),
            None => (session_with(None), FoundBy::New, Some(Refused::Unknown)),
        },
    };
    // ANCHOR_END: adopt

    let tracked = TrackedSession {
        session: session.clone(),
        found_by,
        refused,
        cookies_work,
    };
    let mut request = Request::from_parts(parts, Body::from(body));
    request.extensions_mut().insert(tracked.clone());
    let mut response = next.run(request).await;

    // An answer that refuses the request sets no cookie: it must not hand
    // the browser a session. (What the handler stored is still kept.) Its
    // link back carries the id, as every link does.
    if !response.status().is_success() {
        if !session.is_empty().await {
            session.save().await?;
        }
        if let Some(error) = response.extensions_mut().remove::<ErrorPage>() {
            let links = tracked.links().await?;
            return Ok(error.with_back_link(links.url("/")).into_response());
        }
        return Ok(response);
    }
    // ANCHOR: offer_cookie
    // The browser keeps cookies, and this session's id has travelled in
    // URLs: the session moves into the cookie under a new id, so that the
    // old one, in the browser's history and in any link copied from it,
    // stops working.
    if cookies_work && matches!(found_by, FoundBy::Url | FoundBy::HiddenField) {
        session.cycle_id().await?;
    }
    // Keep what the handler stored, and push the expiry further. A visitor
    // who stored nothing gets no record and no session cookie.
    if !session.is_empty().await {
        session.save().await?;
    }
    match (cookies_work, session.id()) {
        (true, Some(id)) => cookies.add(cookie(SESSION_COOKIE, id.to_string(), tracking.expiry)),
        (true, None) => {}
        // Until a cookie comes back, only the test cookie is offered: an id
        // that travels in URLs never becomes a cookie.
        (false, _) => cookies.add(cookie(TEST_COOKIE, "1".to_string(), tracking.expiry)),
    }
    // ANCHOR_END: offer_cookie
    Ok(response)
}
// ANCHOR_END: track_session

// ANCHOR: claim
/// The session id the request names, and where; or why an id it names is
/// ignored.
fn claimed_id(
    cookies: &Cookies,
    parts: &Parts,
    body: &[u8],
) -> Result<Option<(String, FoundBy)>, Refused> {
    // The cookie first: when it is present, an id in the URL or form is
    // ignored, so a link with someone else's id cannot replace the session
    // of a browser that keeps cookies.
    if let Some(cookie) = cookies.get(SESSION_COOKIE) {
        return Ok(Some((cookie.value().to_string(), FoundBy::Cookie)));
    }
    let from_url = parts.uri.query().and_then(|query| sid_in(query.as_bytes()));
    let claimed = match from_url {
        Some(id) => Some((id, FoundBy::Url)),
        None => sid_in(body).map(|id| (id, FoundBy::HiddenField)),
    };
    // A page on another site can put any id into a link or a form it makes
    // the browser send, and so hand the visitor a session the attacker can
    // read. A request that says it comes from elsewhere gets no such id.
    if claimed.is_some() && csrf::cross_origin(&parts.headers).is_some() {
        return Err(Refused::CrossSite);
    }
    Ok(claimed)
}
// ANCHOR_END: claim

/// The `sid` in a query string or a form body, if there is one.
fn sid_in(text: &[u8]) -> Option<String> {
    form_urlencoded::parse(text)
        .find(|(name, _)| name == SID)
        .map(|(_, value)| value.into_owned())
}

/// The id, if it is one this server made and still keeps.
async fn known_id(store: &SessionStore, text: &str) -> Result<Option<Id>, ErrorPage> {
    let Ok(id) = text.parse::<Id>() else {
        return Ok(None);
    };
    Ok(store.load(&id).await?.map(|record| record.id))
}

/// A cookie of this chapter, with the course's attributes and the session's
/// lifetime as its `Max-Age`.
fn cookie(name: &'static str, value: String, expiry: Expiry) -> Cookie<'static> {
    let mut cookie = Cookie::build((name, value))
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .build();
    if let Expiry::OnInactivity(lifetime) = expiry {
        cookie.set_max_age(lifetime);
    }
    cookie
}

// ANCHOR: no_referrer
/// Never send this page's URL, id and all, to another site in the `Referer`
/// header. This is a layer of its own, outside everything else, because the
/// URL of *every* response can carry an id: the "page not found" page and
/// the missing-slash redirects too, which never pass through
/// [`track_session`].
async fn no_referrer(mut response: Response) -> Response {
    response.headers_mut().insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    response
}
// ANCHOR_END: no_referrer

async fn index(Extension(tracked): Extension<TrackedSession>) -> Result<Markup, ErrorPage> {
    let links = tracked.links().await?;
    Ok(pages::page(
        &tracked,
        &links,
        "Shopping cart",
        pages::shop(&links),
    ))
}

// ANCHOR: page_count
async fn page_count(Extension(tracked): Extension<TrackedSession>) -> Result<Markup, ErrorPage> {
    let count: u64 = tracked.session.get("count").await?.unwrap_or(0);
    let count = count.saturating_add(1);
    tracked.session.insert("count", count).await?;
    // Only now, with something stored, does a new session need an id.
    let links = tracked.links().await?;
    let content = html! {
        p.count { "Count: " (count) }
        p { a href=(links.url("/pageCount/")) { "Count again" } }
        (pages::reload_hint())
    };
    Ok(pages::page(&tracked, &links, "Page count", content))
}
// ANCHOR_END: page_count

async fn show_form(Extension(tracked): Extension<TrackedSession>) -> Result<Markup, ErrorPage> {
    let token = csrf::issue_session_token(&tracked.session).await?;
    let links = tracked.links().await?;
    let content = form(&token, &links, None);
    Ok(pages::page(&tracked, &links, "Add Item", content))
}

async fn add_item(
    Extension(tracked): Extension<TrackedSession>,
    PostedForm(form_sent): PostedForm<ItemForm>,
) -> Result<impl IntoResponse, ErrorPage> {
    csrf::check_session_token(&tracked.session, &form_sent.csrf_token).await?;
    // The cart is chapter 6's: one value under the session key `cart`.
    let mut cart: Cart = tracked.session.get("cart").await?.unwrap_or_default();
    let outcome = cart.add(&form_sent, &RULES);
    if let AddItem::Added(_) = outcome {
        tracked.session.insert("cart", &cart).await?;
    }
    let token = csrf::issue_session_token(&tracked.session).await?;
    let mut links = tracked.links().await?;
    // A refused form sets no cookie, so the session stays in the URLs.
    links.moves_into_cookie &= outcome.status().is_success();
    let content = form(&token, &links, Some((&form_sent, &outcome)));
    Ok((
        outcome.status(),
        pages::page(&tracked, &links, "Add Item", content),
    ))
}

// ANCHOR: form
/// The add-item form: the kit's, with the session id as a hidden field and
/// in the "Display Items" link, when they must carry it.
fn form(token: &str, links: &Links, posted: Option<(&ItemForm, &AddItem)>) -> Markup {
    html! {
        (shop::ItemFormPage {
            rules: &RULES,
            csrf_token: token,
            posted,
            display_items: &links.url("/displayItems/"),
            hidden: links.hidden_field(),
        })
    }
}
// ANCHOR_END: form

async fn display_cart(Extension(tracked): Extension<TrackedSession>) -> Result<Markup, ErrorPage> {
    let cart: Cart = tracked.session.get("cart").await?.unwrap_or_default();
    let links = tracked.links().await?;
    Ok(pages::page(
        &tracked,
        &links,
        "Items in your cart",
        pages::cart(&cart, &links),
    ))
}
