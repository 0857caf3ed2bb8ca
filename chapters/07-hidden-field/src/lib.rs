//! # Chapter 7: sessions without cookies
//!
//! Chapters 5 and 6 need the browser to send the `sessionid` cookie back. A
//! browser that refuses cookies sends nothing, and every request looks like
//! a stranger's. The notes say that Django then "falls back to URL rewriting,
//! and in forms uses hidden fields". **It does not.** Django's sessions use
//! cookies only; without them, each request gets a new, empty session. The
//! fallback is real, but it belongs to other platforms: Java servlets'
//! `response.encodeURL()` and PHP's `session.use_trans_sid`. This chapter
//! builds it, in a few dozen lines, so you can see how it works:
//!
//! - The server puts the session id into **every link it renders**
//!   (`/displayItems/?sid=…`) and into **every form**, as a hidden field
//!   `sid`. A browser without cookies carries the id along by clicking.
//! - Every response also offers the cookie. Once a request comes back *with*
//!   the cookie, the server knows cookies work and stops rewriting: the URLs
//!   turn clean, as `encodeURL` does.
//!
//! tower-sessions reads only cookies, so this chapter finds the session
//! itself, in [`track_session`], and uses the same store and `Session` type.
//!
//! Session ids in URLs are dangerous, and the chapter guards against it:
//! - An id in a URL leaks: into the browser's history, bookmarks, server and
//!   proxy logs, and every link a user copies to a friend, who then *is* the
//!   user. Every response sends `Referrer-Policy: no-referrer`, so at least
//!   the id is not sent to other sites in the `Referer` header.
//! - An attacker can send a victim a link with an id *the attacker chose*
//!   ("session fixation"), then use that id after the victim logs in. So the
//!   server never adopts an id it did not create: an unknown or expired `sid`
//!   starts a fresh session with a new, random id. That stops an attacker
//!   from *choosing* an id, not from handing you a real one he got from this
//!   server himself. The rest of the defence belongs where a session gains
//!   power: at login, a site must give the session a new id
//!   (`session.cycle_id()` in tower-sessions), so that an id known before
//!   the login is worthless after it. This course has no login, so it can
//!   only say so. Note that offering the cookie makes this worse, not
//!   better: a planted id in a link becomes the victim's cookie.
//! - When the cookie is present, an id in the URL is ignored.

use std::sync::Arc;

use axum::{
    Extension, Router,
    body::{Body, to_bytes},
    extract::{Request, State},
    http::{HeaderValue, StatusCode, header},
    middleware::{self, Next},
    response::{IntoResponse, Response},
    routing::get,
};
use chapter_4::{ItemErrors, ItemForm};
use chapter_6::{CartLine, add_to_cart, load_cart};
use course_kit::{Chapter, ErrorPage, PageLink, csrf, forms::PostedForm, forms::text_field};
use maud::{Markup, html};
use tower_cookies::{Cookie, CookieManagerLayer, Cookies, cookie::SameSite};
use tower_sessions::{
    Expiry, MemoryStore, Session, SessionStore, cookie::time::Duration, session::Id,
};

pub const CHAPTER: Chapter = Chapter {
    number: 7,
    title: "Sessions without cookies",
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
        PageLink {
            path: "/pageCount/",
            label: "Count my visits",
        },
    ],
};

/// The name of the URL parameter and of the hidden form field.
pub const SID: &str = "sid";

/// The session key the counter is stored under, as in chapter 5.
const COUNT_KEY: &str = "count";

/// The notes' `set_expiry(300)`.
pub const INACTIVITY_SECONDS: i64 = 300;

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
    /// Nothing named a known session: a new one began.
    New,
}

/// The session of this request, and how it was found. The middleware puts it
/// into the request; handlers take it with `Extension<TrackedSession>`.
#[derive(Clone)]
pub struct TrackedSession {
    pub session: Session,
    pub found_by: FoundBy,
    /// The request named a session id that the store does not know (forged,
    /// expired, or from before a restart). It was not adopted.
    pub refused_id: bool,
    id: Id,
}

impl TrackedSession {
    /// Whether URLs must carry the id: until the browser has shown, by sending
    /// the cookie back, that it keeps cookies.
    pub fn rewrites_urls(&self) -> bool {
        self.found_by != FoundBy::Cookie
    }

    /// Java's `response.encodeURL(path)`: the path, with `?sid=…` if needed.
    pub fn url(&self, path: &str) -> String {
        match self.query() {
            Some(query) => format!("{path}?{query}"),
            None => path.to_string(),
        }
    }

    /// The query string that carries the id, if URLs must carry it.
    pub fn query(&self) -> Option<String> {
        self.rewrites_urls().then(|| format!("{SID}={}", self.id))
    }

    /// The hidden form field that carries the id, if forms must carry it.
    pub fn hidden_field(&self) -> Markup {
        html! {
            @if self.rewrites_urls() {
                input type="hidden" name=(SID) value=(self.id);
            }
        }
    }
}
// ANCHOR_END: found_by

// ANCHOR: track_session
/// The middleware: finds the request's session by cookie, URL or hidden
/// field, in that order; starts a new one if none is known; and after the
/// handler, saves it and offers the cookie again.
pub async fn track_session(
    State(store): State<MemoryStore>,
    cookies: Cookies,
    request: Request,
    next: Next,
) -> Response {
    let (parts, body) = request.into_parts();

    // A hidden field is in the body of a form post, so the body is read here
    // and handed on unchanged. Past the course's limit it is not read at all.
    let Ok(body) = to_bytes(body, course_kit::BODY_LIMIT).await else {
        return ErrorPage::payload_too_large().into_response();
    };
    let sid_in = |text: &[u8]| {
        form_urlencoded::parse(text)
            .find(|(name, _)| name == SID)
            .map(|(_, value)| value.into_owned())
    };

    // ANCHOR: claim
    // The cookie first: when it is present, any id in the URL or form is
    // ignored, so a link with someone else's id cannot replace the session
    // of a browser that keeps cookies.
    let claimed = match cookies.get(course_kit::SESSION_COOKIE) {
        Some(cookie) => Some((cookie.value().to_string(), FoundBy::Cookie)),
        None => parts
            .uri
            .query()
            .and_then(|query| sid_in(query.as_bytes()))
            .map(|id| (id, FoundBy::Url))
            .or_else(|| sid_in(&body).map(|id| (id, FoundBy::HiddenField))),
    };
    // ANCHOR_END: claim

    // ANCHOR: adopt
    // Adopt the claimed id only if this server created it and still has it.
    let known = match &claimed {
        Some((text, found_by)) => match text.parse::<Id>() {
            Ok(id) => match store.load(&id).await {
                Ok(Some(_)) => Some((id, *found_by)),
                Ok(None) => None,
                Err(error) => {
                    return ErrorPage::from(error).into_response();
                }
            },
            Err(_) => None,
        },
        None => None,
    };
    let expiry = Some(Expiry::OnInactivity(Duration::seconds(INACTIVITY_SECONDS)));
    let store = Arc::new(store);
    let (session, found_by) = match known {
        Some((id, found_by)) => (Session::new(Some(id), store, expiry), found_by),
        None => (Session::new(None, store, expiry), FoundBy::New),
    };
    // ANCHOR_END: adopt
    // Save now: a new session gets its fresh random id from the store, which
    // the page's links and forms need before the handler runs; a known one
    // is pushed 300 seconds further. (So every visit without a cookie or a
    // known id costs a record in the store: the price of this technique.)
    if let Err(error) = session.save().await {
        return ErrorPage::from(error).into_response();
    }
    let Some(id) = session.id() else {
        let error = tower_sessions::session_store::Error::Backend("the store gave no id".into());
        return ErrorPage::from(error).into_response();
    };

    let tracked = TrackedSession {
        session: session.clone(),
        found_by,
        refused_id: claimed.is_some() && known.is_none(),
        id,
    };
    let mut request = Request::from_parts(parts, Body::from(body));
    request.extensions_mut().insert(tracked);
    let response = next.run(request).await;

    // Save again, to keep what the handler changed (a counter, the cart).
    if let Err(error) = session.save().await {
        return ErrorPage::from(error).into_response();
    }
    // ANCHOR: offer_cookie
    // Offer the cookie on every response. If it comes back, URLs turn clean.
    let cookie = Cookie::build((course_kit::SESSION_COOKIE, id.to_string()))
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .max_age(Duration::seconds(INACTIVITY_SECONDS))
        .build();
    cookies.add(cookie);
    // ANCHOR_END: offer_cookie
    response
}
// ANCHOR_END: track_session

// ANCHOR: no_referrer
/// Never send this page's URL, id and all, to another site in the `Referer`
/// header. This is a layer of its own, outside everything else, because the
/// URL of *every* response can carry an id: the "page not found" page and
/// the missing-slash redirects too, and those never pass through
/// [`track_session`].
async fn no_referrer(mut response: Response) -> Response {
    response.headers_mut().insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    response
}
// ANCHOR_END: no_referrer

// ANCHOR: app
pub fn app() -> Router {
    let store = MemoryStore::default();
    let routes = Router::new()
        .route("/", get(index))
        .route("/pageCount/", get(page_count))
        .route("/addItem/", get(show_form).post(add_item))
        .route("/displayItems/", get(display_cart))
        .layer(middleware::from_fn_with_state(store.clone(), track_session))
        .layer(CookieManagerLayer::new());
    CHAPTER
        .app_with_session_store(routes, store)
        .layer(middleware::map_response(no_referrer))
}
// ANCHOR_END: app

/// Every page of the chapter: the content, then how the session was found,
/// with every navigation link rewritten when needed.
fn page(tracked: &TrackedSession, title: &str, content: Markup) -> Markup {
    let how = match tracked.found_by {
        FoundBy::Cookie => {
            "by cookie: your browser sent the sessionid cookie, so URLs no longer need to carry the id."
        }
        FoundBy::Url => "by URL: the link you followed carried ?sid=… .",
        FoundBy::HiddenField => "by hidden field: the form you sent carried a hidden sid field.",
        FoundBy::New => "not at all: this is a new session.",
    };
    let content = html! {
        (content)
        div.explain {
            p { "This request found its session " strong { (how) } }
            @if tracked.refused_id {
                p.notice {
                    "The request named a session id this server does not know (expired, from before a restart, "
                    "or made up). It was not adopted: a fresh session with a new, random id began instead."
                }
            }
            @if tracked.rewrites_urls() {
                p {
                    "Until your browser sends the cookie back, every link on this page carries the session id "
                    "and every form a hidden " code { "sid" } " field."
                }
                p.notice {
                    "Careful: an id in a URL ends up in your history, bookmarks and server logs, and in any link "
                    "you copy. Whoever has the link has your session. That is why sites prefer cookies."
                }
            }
        }
    };
    CHAPTER.page_with_query(title, content, tracked.query().as_deref())
}

async fn index(Extension(tracked): Extension<TrackedSession>) -> Markup {
    let content = html! {
        h1 { "welcome to my shopping cart" }
        p { a href=(tracked.url("/addItem/")) { "Add Item" } " " a href=(tracked.url("/displayItems/")) { "Display Items" } }
        p { "Block cookies for 127.0.0.1 in your browser, and this cart still works." }
    };
    page(&tracked, "Shopping cart", content)
}

// ANCHOR: page_count
async fn page_count(Extension(tracked): Extension<TrackedSession>) -> Result<Markup, ErrorPage> {
    let count: u64 = tracked.session.get(COUNT_KEY).await?.unwrap_or(0);
    let count = count.saturating_add(1);
    tracked.session.insert(COUNT_KEY, count).await?;
    let content = html! {
        p.count { "Count: " (count) }
        p { a href=(tracked.url("/pageCount/")) { "Count again" } }
        p { "Reloading the page keeps the id only if it is in the URL or the cookie: follow the link instead if cookies are off." }
    };
    Ok(page(&tracked, "Page count", content))
}
// ANCHOR_END: page_count

async fn form_page(
    tracked: &TrackedSession,
    form: &ItemForm,
    errors: &ItemErrors,
    added: Option<&CartLine>,
) -> Result<Markup, ErrorPage> {
    let token = csrf::token_in_session(&tracked.session).await?;
    let content = html! {
        h1 { "Add Item" }
        @if let Some(line) = added {
            p.success role="status" { "Added to your cart: " strong { (line.name) } ". You now have " (line.quantity) "." }
        }
        // ANCHOR: form
        form method="post" action="/addItem/" {
            (text_field("Item Name", "name", &form.name, "text", errors.name.as_deref()))
            (text_field("Quantity", "quantity", &form.quantity, "numeric", errors.quantity.as_deref()))
            (csrf::hidden_input(&token))
            (tracked.hidden_field())
            input type="submit" value="Add Item";
            " "
            a href=(tracked.url("/displayItems/")) { "Display Items" }
        }
        // ANCHOR_END: form
    };
    Ok(page(tracked, "Add Item", content))
}

async fn show_form(Extension(tracked): Extension<TrackedSession>) -> Result<Markup, ErrorPage> {
    form_page(&tracked, &ItemForm::default(), &ItemErrors::default(), None).await
}

async fn add_item(
    Extension(tracked): Extension<TrackedSession>,
    PostedForm(form): PostedForm<ItemForm>,
) -> Result<Response, ErrorPage> {
    csrf::check_session(&tracked.session, &form.csrf_token).await?;
    match add_to_cart(&tracked.session, &form).await? {
        Ok(line) => Ok(form_page(
            &tracked,
            &ItemForm::default(),
            &ItemErrors::default(),
            Some(&line),
        )
        .await?
        .into_response()),
        Err(errors) => Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            form_page(&tracked, &form, &errors, None).await?,
        )
            .into_response()),
    }
}

async fn display_cart(Extension(tracked): Extension<TrackedSession>) -> Result<Markup, ErrorPage> {
    let cart = load_cart(&tracked.session).await?;
    let content = html! {
        h1 { "Items in your cart" }
        @if cart.is_empty() {
            p { "No items in your cart" }
        } @else {
            table {
                thead { tr { th { "Product Name" } th { "Quantity" } } }
                tbody {
                    @for line in &cart {
                        tr { td { (line.name) } td { (line.quantity) } }
                    }
                }
            }
        }
        p { a href=(tracked.url("/addItem/")) { "Add Item" } }
    };
    Ok(page(&tracked, "Items in your cart", content))
}
