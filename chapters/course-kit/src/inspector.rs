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
//! carries only an id while the data stays on the server. And a cookie the
//! chapter signs or encrypts is taken apart: signature and readable value,
//! or nonce, ciphertext and tag.

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
    BODY_LIMIT, Chapter, ErrorPage, SESSION_COOKIE,
    layout::{INSPECTOR_PLACEHOLDER, format_date},
};

/// The inspector's state: where to find session records, if the chapter has
/// any; the query parameter that carries a session id in URLs and forms
/// (chapter 7's `sid`), if the chapter has one; and the names of the cookies
/// the chapter signs or encrypts, if any.
#[derive(Clone, Default)]
pub(crate) struct WireInspector {
    store: Option<Arc<dyn SessionStore>>,
    carried_query: Option<&'static str>,
    signed_cookies: &'static [&'static str],
    private_cookies: &'static [&'static str],
}

impl WireInspector {
    pub(crate) fn new(chapter: &Chapter) -> Self {
        Self {
            store: None,
            carried_query: chapter.carried_query,
            signed_cookies: chapter.signed_cookies,
            private_cookies: chapter.private_cookies,
        }
    }

    /// How the chapter protects the value of the cookie `name`, if it does.
    fn sealing(&self, name: &str) -> Option<Sealed> {
        if self.signed_cookies.contains(&name) {
            Some(Sealed::Signed)
        } else if self.private_cookies.contains(&name) {
            Some(Sealed::Private)
        } else {
            None
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
        // Its link back keeps a session id the URL carries (chapter 7).
        None => {
            let carried = inspector
                .carried_query
                .and_then(|name| crate::carried_query(&parts.uri, name));
            let back = crate::chapter::with_query("/", carried.as_deref());
            ErrorPage::payload_too_large()
                .with_back_link(back)
                .into_response()
        }
    };
    if !is_html(response.headers()) {
        return response;
    }

    let (mut parts, body) = response.into_parts();
    let Ok(page) = to_bytes(body, usize::MAX).await else {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    let Some(at) = placeholder_position(&page) else {
        return Response::from_parts(parts, Body::from(page));
    };

    let set_cookie_headers = crate::header_strings(&parts.headers, header::SET_COOKIE);
    // Each one read once, as a browser reads it, for the lookup and the panel.
    let set_cookies: Vec<SetCookie> = set_cookie_headers
        .iter()
        .map(|raw| SetCookie {
            raw,
            cookie: Cookie::parse(raw.as_str()).ok(),
        })
        .collect();
    let session = match &inspector.store {
        Some(store) => {
            let named = named_session(&seen, &set_cookies, inspector.carried_query, &page);
            Some(session_shown(store.as_ref(), named).await)
        }
        None => None,
    };
    let panel = render(
        &inspector,
        &seen,
        parts.status,
        &set_cookies,
        session.as_ref(),
    )
    .into_string();

    // The page with the panel in the placeholder's place, copied once.
    let after = at + INSPECTOR_PLACEHOLDER.len();
    let mut filled = Vec::with_capacity(page.len() - INSPECTOR_PLACEHOLDER.len() + panel.len());
    filled.extend_from_slice(&page[..at]);
    filled.extend_from_slice(panel.as_bytes());
    filled.extend_from_slice(&page[after..]);

    // The body changed length, so the old Content-Length no longer holds.
    parts.headers.remove(header::CONTENT_LENGTH);
    Response::from_parts(parts, Body::from(filled))
}

/// Where the page's placeholder for the panel starts, if it has one. The
/// layout writes it as the last element of the page, so the search starts
/// from the end, and finds it within a few bytes rather than after reading
/// the whole page (this runs on every page, so it counts).
fn placeholder_position(page: &[u8]) -> Option<usize> {
    let placeholder = INSPECTOR_PLACEHOLDER.as_bytes();
    let last_start = page.len().checked_sub(placeholder.len())?;
    (0..=last_start)
        .rev()
        .find(|&at| page[at..].starts_with(placeholder))
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

/// A `Set-Cookie` header of the response: as it was sent, and as a browser
/// reads it (`None` if it cannot be read).
struct SetCookie<'a> {
    raw: &'a str,
    cookie: Option<Cookie<'a>>,
}

/// The session id this exchange is about, and where it travelled: a
/// `Set-Cookie` of the response if there is one (a new or renewed session),
/// else the request's cookie; and in a chapter that carries the id in URLs,
/// the links of the page sent back.
fn named_session(
    seen: &RequestSeen,
    set_cookies: &[SetCookie],
    carried_query: Option<&str>,
    page: &[u8],
) -> Named {
    let from_response = set_cookies
        .iter()
        .filter_map(|set| set.cookie.as_ref())
        .rfind(|cookie| cookie.name() == SESSION_COOKIE);
    match from_response {
        Some(cookie) if is_removal(cookie) => return Named::Deleted,
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
    // In a chapter that carries the id in URLs (chapter 7), the session this
    // exchange belongs to is the one the page's links carry on: an id the
    // request named may have been refused (unknown, or sent by another
    // site), and then the page carries another one, or none.
    let page = String::from_utf8_lossy(page);
    let marker = format!("?{name}=");
    let in_page: Option<String> = page.find(&marker).map(|at| {
        page[at + marker.len()..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
            .collect()
    });
    match in_page {
        Some(id) if !id.is_empty() => Named::Id(id, "the links and forms of this page"),
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
    inspector: &WireInspector,
    seen: &RequestSeen,
    status: StatusCode,
    set_cookies: &[SetCookie],
    session: Option<&SessionShown>,
) -> Markup {
    let sealed_sent: Vec<(Sealed, &str, &str)> = seen
        .cookie_pairs
        .iter()
        .filter_map(|(name, value)| Some((inspector.sealing(name)?, name.as_str(), value.as_str())))
        .collect();
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
                    @if !sealed_sent.is_empty() {
                        p { "The cookies this chapter signs or encrypts, taken apart:" }
                        ul {
                            @for (sealed, name, value) in &sealed_sent {
                                li { (sealed_parts(*sealed, name, value)) }
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
                    @for set in set_cookies {
                        (set_cookie(set, inspector))
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
fn set_cookie(set: &SetCookie, inspector: &WireInspector) -> Markup {
    html! {
        div.set-cookie {
            p { code { "Set-Cookie: " (set.raw) } }
            @match &set.cookie {
                None => p { "(The inspector could not parse this header.)" },
                // A removal says only "forget this cookie": its other
                // attributes describe nothing that will be kept.
                Some(cookie) if is_removal(cookie) => ul {
                    li { code { (cookie.name()) } ": Max-Age=0, so the browser " strong { "deletes" } " this cookie now." }
                },
                Some(cookie) => ul {
                    li { code { (cookie.name()) } " = " code { (cookie.value()) } }
                    @if let Some(sealed) = inspector.sealing(cookie.name()) {
                        li { (sealed_parts(sealed, cookie.name(), cookie.value())) }
                    }
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

/// How a chapter protects a cookie's value with its secret key, as
/// tower-cookies (through the `cookie` crate) writes it.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Sealed {
    /// The signed jar: the HMAC-SHA256 of the value, in base64, then the
    /// value itself, as it was.
    Signed,
    /// The private jar: AES-256-GCM. In base64, a random nonce, then the
    /// encrypted value, then the tag that authenticates it.
    Private,
}

/// The length of a signature in front of a signed value: HMAC-SHA256's 32
/// bytes, in base64.
const SIGNATURE_LENGTH: usize = 44;
/// The nonce and the tag around an encrypted value, in bytes.
const NONCE_LENGTH: usize = 12;
const TAG_LENGTH: usize = 16;

/// What a signed or private cookie's value is made of. The inspector has no
/// key: it cannot check a signature or decrypt, only show the parts. The
/// chapter's page says whether the server accepted them.
fn sealed_parts(sealed: Sealed, name: &str, value: &str) -> Markup {
    match sealed {
        Sealed::Signed => match (value.get(..SIGNATURE_LENGTH), value.get(SIGNATURE_LENGTH..)) {
            (Some(signature), Some(readable)) => html! {
                code { (name) } " is signed. Its signature: " code { (signature) }
                " (HMAC-SHA256, 44 characters of base64). Then its value, readable by anyone: "
                code { (readable) } "."
            },
            _ => html! {
                code { (name) } " should be signed, but its value is too short to hold a "
                "44-character signature: the server cannot have signed it."
            },
        },
        Sealed::Private => {
            use base64::Engine;
            let decoded = base64::engine::general_purpose::STANDARD.decode(value);
            match decoded {
                Ok(bytes) if bytes.len() > NONCE_LENGTH + TAG_LENGTH => {
                    let encrypted = bytes.len() - NONCE_LENGTH - TAG_LENGTH;
                    html! {
                        code { (name) } " is private (encrypted with AES-256-GCM). In base64: a "
                        (NONCE_LENGTH) "-byte nonce, " (encrypted)
                        @if encrypted == 1 { " byte" } @else { " bytes" }
                        " of encrypted value, and a " (TAG_LENGTH) "-byte tag. Without the "
                        "server's key nobody can read the value; only its length shows."
                    }
                }
                _ => html! {
                    code { (name) } " should be private, but its value is not a nonce, an "
                    "encrypted value and a tag in base64: the server cannot have encrypted it."
                },
            }
        }
    }
}

fn session_record(session: &SessionShown) -> Markup {
    html! {
        @match session {
            SessionShown::None => p { "This exchange belongs to no session: there is no record to look up." },
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

#[cfg(test)]
mod tests {
    use axum::{Router, http::Request, routing::get};
    use tower::ServiceExt;

    use super::*;
    use crate::PageLink;

    const PLAIN: Chapter = Chapter::new(9, "t", &[PageLink::new("/p/", "P")]);
    const SEALED: Chapter = PLAIN
        .with_signed_cookies(&["count"])
        .with_private_cookies(&["secret"]);

    /// A signed value as tower-cookies writes it: 44 characters of signature
    /// (this one is made up: the inspector cannot check it), then the value.
    const SIGNED: &str = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=42";

    #[test]
    fn the_placeholder_is_found_wherever_it_is() {
        let placeholder = INSPECTOR_PLACEHOLDER;
        let page = format!("<main>é</main>{placeholder}</body></html>");
        assert_eq!(placeholder_position(page.as_bytes()), Some(15));
        let early = format!("{placeholder}<main>{}</main>", "x".repeat(5000));
        assert_eq!(placeholder_position(early.as_bytes()), Some(0));
        assert_eq!(placeholder_position(b"<main>no panel</main>"), None);
        assert_eq!(placeholder_position(b""), None);
        assert_eq!(placeholder_position(&placeholder.as_bytes()[1..]), None);
    }

    #[test]
    fn a_signed_value_is_split_after_its_signature() {
        let text = sealed_parts(Sealed::Signed, "count", SIGNED).into_string();
        assert!(
            text.contains("<code>AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=</code>"),
            "{text}"
        );
        assert!(
            text.contains("readable by anyone: <code>42</code>"),
            "{text}"
        );
        for too_short in ["42", "", "AAAA"] {
            let text = sealed_parts(Sealed::Signed, "count", too_short).into_string();
            assert!(text.contains("too short"), "{too_short:?}: {text}");
        }
        // Byte 44 inside a character: no panic, no split.
        let text =
            sealed_parts(Sealed::Signed, "count", &format!("a{}", "é".repeat(30))).into_string();
        assert!(text.contains("too short"), "{text}");
    }

    #[test]
    fn a_private_value_shows_only_its_parts_and_length() {
        use base64::Engine;
        let sealed = base64::engine::general_purpose::STANDARD.encode([7u8; 12 + 3 + 16]);
        let text = sealed_parts(Sealed::Private, "secret", &sealed).into_string();
        assert!(
            text.contains("12-byte nonce, 3 bytes of encrypted value, and a 16-byte tag"),
            "{text}"
        );
        let one = base64::engine::general_purpose::STANDARD.encode([7u8; 12 + 1 + 16]);
        let text = sealed_parts(Sealed::Private, "secret", &one).into_string();
        assert!(text.contains("1 byte of encrypted value"), "{text}");
        for broken in ["", "not base64!", "AAAA"] {
            let text = sealed_parts(Sealed::Private, "secret", broken).into_string();
            assert!(
                text.contains("cannot have encrypted it"),
                "{broken:?}: {text}"
            );
        }
    }

    /// The panel of a page that receives `cookie` and sets `set_cookie`.
    async fn panel(chapter: Chapter, cookie: &str, set_cookie: &'static str) -> String {
        let routes = Router::new().route(
            "/p/",
            get(move || async move {
                (
                    [(header::SET_COOKIE, set_cookie)],
                    chapter.page("P", html! {}),
                )
            }),
        );
        let request = Request::builder()
            .uri("/p/")
            .header(header::COOKIE, cookie)
            .body(Body::empty())
            .unwrap();
        let response = chapter.app(routes).oneshot(request).await.unwrap();
        let bytes = to_bytes(response.into_body(), usize::MAX).await.unwrap();
        String::from_utf8(bytes.to_vec()).unwrap()
    }

    #[tokio::test]
    async fn only_the_cookies_a_chapter_declares_are_taken_apart() {
        let cookie = format!("count={SIGNED}; other={SIGNED}");
        let set_cookie = "count=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=43; Path=/";

        let sealed = panel(SEALED, &cookie, set_cookie).await;
        assert!(sealed.contains("taken apart"), "the request's cookies");
        assert_eq!(
            sealed.matches(" is signed.").count(),
            2,
            "count, sent and set; not other"
        );
        assert!(
            sealed.contains("readable by anyone: <code>43</code>"),
            "the one set"
        );

        // A chapter that declares nothing: the panel says nothing of it.
        let plain = panel(PLAIN, &cookie, set_cookie).await;
        assert!(!plain.contains("taken apart") && !plain.contains(" is signed."));
    }
}
