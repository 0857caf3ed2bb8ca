//! The wire inspector: the panel at the bottom of every page that shows what
//! this exchange carried.
//!
//! A browser hides the very thing this course is about: the `Cookie` header it
//! sends and the `Set-Cookie` headers it receives. The inspector is a
//! middleware that sits outside the chapter's own cookie and session layers.
//! It notes the request's cookies (and form fields) on the way in; on the way
//! out, when every `Set-Cookie` header is final, it renders them into the
//! page's empty `<aside id="wire">` element. In a chapter with sessions it
//! also looks the session up in the server's store, to show that the cookie
//! carries only an id while the data stays on the server.

use std::sync::Arc;

use axum::{
    body::{Body, to_bytes},
    extract::{Request, State},
    http::{HeaderMap, Method, StatusCode, header},
    middleware::Next,
    response::{IntoResponse, Response},
};
use maud::{Markup, html};
use tower_cookies::cookie::{Cookie, SameSite};
use tower_sessions::{SessionStore, session::Id};

use crate::{
    BODY_LIMIT, ErrorPage, SESSION_COOKIE,
    layout::{INSPECTOR_PLACEHOLDER, format_date},
};

/// The inspector's state: where to find session records, if the chapter has
/// any, and the query parameter that carries a session id in URLs and forms
/// (chapter 7's `sid`), if the chapter has one.
#[derive(Clone, Default)]
pub(crate) struct WireInspector {
    store: Option<Arc<dyn SessionStore>>,
    carried_query: Option<&'static str>,
}

impl WireInspector {
    pub(crate) fn new(carried_query: Option<&'static str>) -> Self {
        Self {
            store: None,
            carried_query,
        }
    }

    pub(crate) fn with_session_store(self, store: impl SessionStore + Clone) -> Self {
        Self {
            store: Some(Arc::new(store)),
            ..self
        }
    }
}

/// What the request carried, noted before the chapter handles it.
struct RequestSeen {
    method: Method,
    target: String,
    cookie_pairs: Vec<(String, String)>,
    /// The names of the cookies the server's cookie parser skips.
    unreadable_cookies: Vec<String>,
    form_fields: Vec<(String, String)>,
}

/// The middleware function; see the module documentation.
pub(crate) async fn inspect(
    State(inspector): State<WireInspector>,
    request: Request,
    next: Next,
) -> Response {
    let (parts, body) = request.into_parts();
    let mut seen = RequestSeen {
        method: parts.method.clone(),
        target: crate::request_target(&parts.uri),
        cookie_pairs: cookie_pairs(&parts.headers),
        unreadable_cookies: unreadable_cookies(&parts.headers),
        form_fields: Vec::new(),
    };

    // A form body can only be read once, so the inspector reads it, notes its
    // fields, and hands the same bytes on to the chapter. A body past the
    // limit never reaches the chapter: the answer is a page that says so,
    // and it still gets the panel, which shows what the request carried.
    let body = if is_form(&parts.headers) {
        match to_bytes(body, BODY_LIMIT).await {
            Ok(bytes) => {
                seen.form_fields = form_urlencoded::parse(&bytes).into_owned().collect();
                Some(Body::from(bytes))
            }
            Err(_) => None,
        }
    } else {
        Some(body)
    };

    let response = match body {
        Some(body) => next.run(Request::from_parts(parts, body)).await,
        None => ErrorPage::payload_too_large().into_response(),
    };
    if !is_html(response.headers()) {
        return response;
    }

    let (mut parts, body) = response.into_parts();
    let Ok(bytes) = to_bytes(body, usize::MAX).await else {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    let page = String::from_utf8_lossy(&bytes);
    if !page.contains(INSPECTOR_PLACEHOLDER) {
        return Response::from_parts(parts, Body::from(bytes));
    }

    let set_cookies = crate::header_strings(&parts.headers, header::SET_COOKIE);
    let session = match &inspector.store {
        Some(store) => {
            let named = named_session(&seen, &set_cookies, inspector.carried_query, &page);
            Some(session_shown(store.as_ref(), named).await)
        }
        None => None,
    };
    let panel = render(&seen, parts.status, &set_cookies, session.as_ref());
    let page = page.replacen(INSPECTOR_PLACEHOLDER, &panel.into_string(), 1);

    // The body changed length, so the old Content-Length no longer holds.
    parts.headers.remove(header::CONTENT_LENGTH);
    Response::from_parts(parts, Body::from(page))
}

fn is_form(headers: &HeaderMap) -> bool {
    content_type_is(headers, "application/x-www-form-urlencoded")
}

fn is_html(headers: &HeaderMap) -> bool {
    content_type_is(headers, "text/html")
}

/// Whether the `Content-Type` header starts with `mime` (it may go on with
/// `; charset=utf-8`).
fn content_type_is(headers: &HeaderMap, mime: &str) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.starts_with(mime))
}

/// The request's cookies exactly as sent: `name=value` pairs separated by `;`.
/// They are shown raw, without decoding, because the point is to show the
/// wire. This split is written out here on purpose, rather than left to a
/// cookie parser: a parser decodes `%`-escapes and drops what it cannot
/// read, and the inspector must show exactly the bytes that came.
fn cookie_pairs(headers: &HeaderMap) -> Vec<(String, String)> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .flat_map(|value| {
            String::from_utf8_lossy(value.as_bytes())
                .split(';')
                .map(str::trim)
                .filter(|pair| !pair.is_empty())
                .map(|pair| match pair.split_once('=') {
                    Some((name, value)) => (name.to_string(), value.to_string()),
                    None => (pair.to_string(), String::new()),
                })
                .collect::<Vec<_>>()
        })
        .collect()
}

/// The names of the cookies that the chapters' cookie parser (tower-cookies,
/// which tower-sessions uses too) skips without a word: every cookie of a
/// `Cookie` header that is not UTF-8, and each one that does not parse, such
/// as a pair without `=` or a `%`-escape that does not decode to UTF-8. A
/// chapter sees no such cookie at all, so only the inspector can say so.
fn unreadable_cookies(headers: &HeaderMap) -> Vec<String> {
    let name_of = |pair: &str| match pair.split('=').next().unwrap_or("").trim() {
        "" => "(no name)".to_string(),
        name => name.to_string(),
    };
    let mut names = Vec::new();
    for value in headers.get_all(header::COOKIE) {
        match std::str::from_utf8(value.as_bytes()) {
            Err(_) => names.extend(
                String::from_utf8_lossy(value.as_bytes())
                    .split(';')
                    .filter(|pair| !pair.trim().is_empty())
                    .map(name_of),
            ),
            Ok(text) => names.extend(
                text.split(';')
                    .filter(|pair| !pair.trim().is_empty())
                    .filter(|pair| Cookie::parse_encoded(*pair).is_err())
                    .map(name_of),
            ),
        }
    }
    names
}

/// What the inspector found in the session store for this exchange.
enum SessionShown {
    /// No session id crossed the wire in either direction.
    None,
    /// The response tells the browser to delete its session cookie.
    Deleted,
    /// The id this exchange carried, where it was carried, and the record
    /// stored under it, if any.
    Record {
        id: String,
        carried_in: &'static str,
        record: Option<tower_sessions::session::Record>,
    },
}

/// The session id this exchange is about, and where it travelled: a
/// `Set-Cookie` of the response if there is one (a new or renewed session),
/// else the request's cookie; and in a chapter that carries the id in URLs,
/// the request's URL or form, else the links of the page sent back.
fn named_session(
    seen: &RequestSeen,
    set_cookies: &[String],
    carried_query: Option<&str>,
    page: &str,
) -> Named {
    let from_response = set_cookies
        .iter()
        .filter_map(|raw| Cookie::parse(raw.as_str()).ok())
        .rfind(|cookie| cookie.name() == SESSION_COOKIE);
    match from_response {
        Some(cookie) if is_removal(&cookie) => return Named::Deleted,
        Some(cookie) => return Named::Id(cookie.value().to_string(), "the cookie"),
        None => {}
    }
    let in_cookie = seen
        .cookie_pairs
        .iter()
        .rfind(|(name, _)| name == SESSION_COOKIE);
    if let Some((_, value)) = in_cookie {
        return Named::Id(value.clone(), "the cookie");
    }
    let Some(name) = carried_query else {
        return Named::Nothing;
    };
    let query = seen.target.split_once('?').map_or("", |(_, query)| query);
    let in_request = form_urlencoded::parse(query.as_bytes())
        .into_owned()
        .chain(seen.form_fields.iter().cloned())
        .find(|(key, _)| key == name);
    if let Some((_, id)) = in_request {
        return Named::Id(id, "the URL or a hidden form field");
    }
    // A session begun by this very request is named only in the links of
    // the page it gets back: `href="/path/?sid=…"`.
    let marker = format!("?{name}=");
    let in_page: Option<String> = page.find(&marker).map(|at| {
        page[at + marker.len()..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
            .collect()
    });
    match in_page {
        Some(id) if !id.is_empty() => Named::Id(id, "the links of this page"),
        _ => Named::Nothing,
    }
}

/// Which session an exchange names, and where.
enum Named {
    Nothing,
    /// The response deletes the session cookie.
    Deleted,
    Id(String, &'static str),
}

/// Looks the named session up in the store.
async fn session_shown(store: &dyn SessionStore, named: Named) -> SessionShown {
    let (id, carried_in) = match named {
        Named::Deleted => return SessionShown::Deleted,
        Named::Nothing => return SessionShown::None,
        Named::Id(id, carried_in) => (id, carried_in),
    };
    let record = match id.parse::<Id>() {
        Ok(parsed) => store.load(&parsed).await.ok().flatten(),
        Err(_) => None,
    };
    SessionShown::Record {
        id,
        carried_in,
        record,
    }
}

/// Whether a `Set-Cookie` tells the browser to delete the cookie.
fn is_removal(cookie: &Cookie<'_>) -> bool {
    cookie
        .max_age()
        .is_some_and(|age| age.is_zero() || age.is_negative())
}

fn render(
    seen: &RequestSeen,
    status: StatusCode,
    set_cookies: &[String],
    session: Option<&SessionShown>,
) -> Markup {
    html! {
        aside #wire aria-label="Wire inspector" {
            h2 { "Wire inspector" }
            p.hint { "What crossed the wire in this exchange. Your browser normally hides all of this." }
            section {
                h3 { "Request: " code { (seen.method) " " (seen.target) } }
                @if seen.cookie_pairs.is_empty() {
                    p { "Your browser sent " strong { "no cookies" } " with this request (no " code { "Cookie" } " header)." }
                } @else {
                    p { "Your browser sent these cookies in its " code { "Cookie" } " header:" }
                    table {
                        thead { tr { th { "Name" } th { "Value" } } }
                        tbody {
                            @for (name, value) in &seen.cookie_pairs {
                                tr { td { code { (name) } } td { code { (value) } } }
                            }
                        }
                    }
                    p.hint {
                        "Cookies belong to a host, not to a port: cookies that other chapters set on "
                        "127.0.0.1 arrive here too."
                    }
                    @if !seen.unreadable_cookies.is_empty() {
                        p.notice {
                            "The server cannot read "
                            @for (i, name) in seen.unreadable_cookies.iter().enumerate() {
                                @if i > 0 { ", " }
                                code { (name) }
                            }
                            ": bytes that are not UTF-8, a broken " code { "%" } "-escape, or no "
                            code { "=" } ". It treats such a cookie as if it had not been sent."
                        }
                    }
                }
                @if !seen.form_fields.is_empty() {
                    p { "The form fields in the request body:" }
                    table {
                        thead { tr { th { "Field" } th { "Value" } } }
                        tbody {
                            @for (name, value) in &seen.form_fields {
                                tr { td { code { (name) } } td { code { (value) } } }
                            }
                        }
                    }
                }
            }
            section {
                h3 { "Response: " code { (status) } }
                @if set_cookies.is_empty() {
                    p { "This response sets " strong { "no cookies" } " (no " code { "Set-Cookie" } " header)." }
                } @else {
                    p { "This response tells your browser to store these cookies:" }
                    @for raw in set_cookies {
                        (set_cookie(raw))
                    }
                }
            }
            @if let Some(session) = session {
                section {
                    h3 { "Session store (on the server)" }
                    (session_record(session))
                }
            }
        }
    }
}

/// One `Set-Cookie` header, raw and then attribute by attribute.
fn set_cookie(raw: &str) -> Markup {
    let parsed = Cookie::parse(raw);
    html! {
        div.set-cookie {
            p { code { "Set-Cookie: " (raw) } }
            @match parsed {
                Err(_) => p { "(The inspector could not parse this header.)" },
                // A removal says only "forget this cookie": its other
                // attributes describe nothing that will be kept.
                Ok(cookie) if is_removal(&cookie) => ul {
                    li { code { (cookie.name()) } ": Max-Age=0, so the browser " strong { "deletes" } " this cookie now." }
                },
                Ok(cookie) => ul {
                    li { code { (cookie.name()) } " = " code { (cookie.value()) } }
                    li {
                        @match cookie.max_age() {
                            Some(age) => { "Max-Age=" (age.whole_seconds()) ": keep it for " (age.whole_seconds()) " seconds, then forget it." }
                            None => @match cookie.expires_datetime() {
                                Some(date) => { "Expires: keep it until " (format_date(date)) "." }
                                None => { "No Max-Age or Expires: a " em { "session cookie" } ", forgotten when the browser closes." }
                            }
                        }
                    }
                    li {
                        "Path=" (cookie.path().unwrap_or("(none)"))
                        ": sent back with requests for paths under it."
                    }
                    li {
                        @if cookie.http_only() == Some(true) {
                            "HttpOnly: page scripts cannot read it."
                        } @else {
                            "Not HttpOnly: page scripts can read it."
                        }
                    }
                    li {
                        @match cookie.same_site() {
                            Some(SameSite::Lax) => "SameSite=Lax: sent with this site's own requests, and when a page of another site sends you here by a top-level GET (a link, a GET form, a redirect); never with another site's form posts, images, frames or scripts' requests.",
                            Some(SameSite::Strict) => "SameSite=Strict: never sent with a request that starts on another site.",
                            Some(SameSite::None) => "SameSite=None: sent with other sites' requests too, where the browser still allows third-party cookies (and only if the cookie is also Secure).",
                            None => "No SameSite: the browser chooses (Chrome and Edge treat it as Lax; not every browser does).",
                        }
                    }
                    li {
                        @if cookie.secure() == Some(true) {
                            "Secure: only sent over https."
                        } @else {
                            "Not Secure: sent over plain http too (fine on 127.0.0.1; production must set Secure)."
                        }
                    }
                },
            }
        }
    }
}

fn session_record(session: &SessionShown) -> Markup {
    html! {
        @match session {
            SessionShown::None => p { "No session id crossed the wire, so there is no session to look up." },
            SessionShown::Deleted => p { "The response deletes the session cookie: the browser will forget the id, and the server no longer has a record for it." },
            SessionShown::Record { id, carried_in, record: None } => p {
                "The session " code { (id) } " is named in " (carried_in) ", but the store has " strong { "no record" } " under that id (it expired, was made up, or the server restarted)."
            },
            SessionShown::Record { id, carried_in, record: Some(record) } => {
                p { "Only the id " code { (id) } " crosses the wire, in " (carried_in) ". The data stays here, on the server:" }
                table {
                    thead { tr { th { "Key" } th { "Value (as JSON)" } } }
                    tbody {
                        @for key in sorted_keys(&record.data) {
                            tr {
                                td { code { (key) } }
                                td { code { (serde_json::to_string(&record.data[key]).unwrap_or_default()) } }
                            }
                        }
                    }
                }
                p { "The record expires at " (format_date(record.expiry_date)) "." }
            }
        }
    }
}

fn sorted_keys<V>(data: &std::collections::HashMap<String, V>) -> Vec<&String> {
    let mut keys: Vec<&String> = data.keys().collect();
    keys.sort();
    keys
}
