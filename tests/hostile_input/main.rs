//! Hostile input: what any client can send, not only a well-behaved browser.
//!
//! The chapter tests walk each chapter as a learner would. These tests send
//! what a learner with the developer tools, a script, or an attacker could:
//! arbitrary strings in every form field, every cookie and every query
//! parameter a chapter reads (empty, very long, control characters, `;`,
//! `=`, `,`, quotes, `%`-escapes, non-ASCII, `<script>`), bodies past the
//! limit, bodies that are not forms, `Cookie` headers that are not even
//! UTF-8, requests that say they come from another site, and `HEAD`
//! requests. Most of them are property tests ([proptest]): each runs 64
//! random cases, and a failure is shrunk to the smallest input that still
//! fails.
//!
//! Whatever comes in, every answer must:
//! - never be a server error (5xx) and never panic;
//! - be the course's own markup and nothing else (see [`page_problems`]):
//!   so user input is escaped, and the page satisfies the
//!   Content-Security-Policy it is sent with;
//! - carry the security headers, the headers that keep a page out of
//!   caches, and cookies with sensible attributes;
//! - refuse bad input with a clear message, and leave the cart or the count
//!   as it was before the refused request.
//!
//! This file holds what the modules share: that list of checks, the
//! chapters and their pages, small helpers, and the strategies (what a
//! hostile client types). Each module below tests one concern.
//!
//! **Adding a chapter**: start it in [`site`] and add its number to
//! [`CHAPTERS`] (and to [`MORE_PAGES`] any page a GET reaches that its
//! navigation does not list, to [`REDIRECTING_PAGES`] a page of its
//! navigation that redirects a stranger, to [`CART_CHAPTERS`] a chapter with
//! the shop's cart form); the tests that walk every chapter then cover it.
//! Its own hostile input goes in a new module, declared below. (A module
//! named `chapter_8` hides the crate `chapter_8` in this file, which then
//! names the crate `::chapter_8`.)

use std::collections::BTreeMap;

use axum::{
    Router,
    body::Body,
    http::{HeaderMap, HeaderName, HeaderValue, Method, Request, StatusCode, header},
};
use course_kit::shop::{COOKIE_CART, SESSION_CART};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use proptest::prelude::*;
use session_course::{Answer, Site, answer, page};

// The checks are macros so that they read any answer, an `Answer` of a raw
// request or an `Exchange` of the test browser, by its three fields. They
// come before the modules, which can then use them.

/// Asserts inside a property: the answer satisfies [`page_problems`].
macro_rules! prop_assert_sound {
    ($chapter:expr, $page:expr) => {{
        let page = &$page;
        let problems = $crate::page_problems($chapter, page.status, &page.headers, &page.body);
        ::proptest::prop_assert!(problems.is_empty(), "{problems:#?}\n{}", page.body);
    }};
}

/// Asserts inside a property: `text` is in the page's HTML.
macro_rules! prop_assert_contains {
    ($body:expr, $text:expr) => {{
        let text: String = $text;
        ::proptest::prop_assert!($body.contains(&text), "missing {:?}", text);
    }};
}

/// The same as [`prop_assert_sound`], in a plain test.
macro_rules! assert_sound {
    ($chapter:expr, $page:expr) => {{
        let page = &$page;
        let problems = $crate::page_problems($chapter, page.status, &page.headers, &page.body);
        assert!(problems.is_empty(), "{problems:#?}\n{}", page.body);
    }};
}

mod bodies;
mod carts;
mod chapter_10;
mod chapter_11;
mod chapter_8;
mod chapter_9;
mod cookies;
mod greeting;
mod head;
mod headers;
mod origins;
mod sessions;
mod shopper;

// ---------------------------------------------------------------------------
// The chapters, and the pages a GET reaches in each.
// ---------------------------------------------------------------------------

/// Every chapter these tests cover.
const CHAPTERS: &[u8] = &[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11];

/// Starts a chapter as `cargo run` would, with its default settings.
async fn site(chapter: u8) -> Site {
    match chapter {
        1 => Site::start(chapter_1::CHAPTER, chapter_1::app).await,
        2 => Site::start(chapter_2::CHAPTER, chapter_2::app).await,
        3 => Site::start(chapter_3::CHAPTER, chapter_3::app).await,
        4 => Site::start(chapter_4::CHAPTER, chapter_4::app).await,
        5 => Site::start(chapter_5::CHAPTER, chapter_5::app).await,
        6 => Site::start(chapter_6::CHAPTER, chapter_6::app).await,
        7 => Site::start(chapter_7::CHAPTER, chapter_7::app).await,
        8 => Site::start(::chapter_8::CHAPTER, ::chapter_8::app).await,
        9 => Site::start(::chapter_9::CHAPTER, ::chapter_9::app).await,
        10 => Site::start(::chapter_10::CHAPTER, ::chapter_10::app).await,
        // Its default store, SQLite, in a file of the tests' own.
        11 => {
            let file = crate::chapter_11::SQLITE_FILE;
            Site::start_with(
                ::chapter_11::CHAPTER,
                ::chapter_11::app,
                &["--sqlite", file],
            )
            .await
        }
        _ => panic!("chapter {chapter} is not in hostile_input's site(): add it there"),
    }
}

/// Pages a GET reaches that a chapter's navigation does not list.
const MORE_PAGES: &[(u8, &str)] = &[(1, "/hello/?name=Ada")];

/// Pages of a chapter's navigation that answer a stranger with a redirect,
/// not a page: chapter 9's account page sends a visitor who is not signed
/// in to the login page. (`chapter_9.rs` sends them hostile cookies itself.)
const REDIRECTING_PAGES: &[(u8, &str)] = &[(9, "/account/")];

/// Every page a GET reaches in the chapter: its navigation's pages (the
/// chapter's own list, `CHAPTER.pages`) but the [`REDIRECTING_PAGES`], then
/// [`MORE_PAGES`].
fn pages(site: &Site) -> Vec<String> {
    let number = site.chapter.number;
    site.chapter
        .pages
        .iter()
        .filter(|page| !REDIRECTING_PAGES.contains(&(number, page.path)))
        .map(|page| page.path.to_string())
        .chain(
            MORE_PAGES
                .iter()
                .filter(|(chapter, _)| *chapter == number)
                .map(|(_, target)| target.to_string()),
        )
        .collect()
}

/// The chapters with the shop's cart form (`course_kit::shop`).
const CART_CHAPTERS: &[u8] = &[4, 6, 7, 11];

/// The chapters whose every answer must say `Referrer-Policy: no-referrer`,
/// because their URLs can carry a session id.
const NO_REFERRER_CHAPTERS: &[u8] = &[7];

// ---------------------------------------------------------------------------
// What every answer must satisfy.
// ---------------------------------------------------------------------------

/// Every element the course's pages use. No `script`, `style`, `img`,
/// `iframe` or `object`: an injected tag shows up as one not on this list.
const TAGS: &[&str] = &[
    "!DOCTYPE", "html", "head", "meta", "title", "link", "body", "header", "main", "aside", "nav",
    "section", "div", "p", "h1", "h2", "h3", "a", "b", "em", "strong", "code", "span", "ul", "li",
    "table", "thead", "tbody", "tr", "th", "td", "form", "label", "input", "button",
];

/// Every attribute the course's pages use. No `style` (the CSP allows no
/// inline styles) and no `on…` event handler (it allows no script).
const ATTRIBUTES: &[&str] = &[
    "lang",
    "charset",
    "name",
    "content",
    "rel",
    "href",
    "id",
    "class",
    "aria-label",
    "role",
    "method",
    "action",
    "type",
    "value",
    "for",
    "inputmode",
    "autocomplete",
    // Chapter 10's lab panel: which SameSite button is the one in force.
    "aria-pressed",
];

/// The other sites a lab's pages may link to: its attacker's site, which
/// the same program serves (chapter 9's on the chapter's port + 100;
/// chapter 10's on localhost + 100, and on 127.0.0.1 + 200).
const LAB_SITES: &[&str] = &[
    "http://127.0.0.1:3109/",
    "http://localhost:3110/",
    "http://127.0.0.1:3210/",
];

/// What is wrong with an answer, as a list of sentences; empty if nothing is.
///
/// The markup check is a small HTML tokenizer, written by hand ON PURPOSE,
/// not left to an HTML parser (such as the one the support library reads
/// pages with). It checks the exact bytes the server sent against the
/// course's small allow-list of tags and attributes; a parser would
/// normalise those bytes first (drop a stray `>`, decode a bare `&`, close a
/// tag that never closes, move a misplaced element), and the very mistakes
/// this check looks for would vanish before it could see them.
///
/// maud escapes `&`, `<`, `>` and `"` in all text and attribute values, so
/// every `<` in a page starts a tag the course wrote, and every `&` starts
/// one of four entities. User input that escaped escaping would show up as
/// an unknown tag or attribute, a stray `>` or a bare `&`. The same
/// allow-lists mean the page satisfies the Content-Security-Policy: no
/// script, no inline style, links and forms only to this site, the
/// stylesheet only from it.
fn page_problems(chapter: u8, status: StatusCode, headers: &HeaderMap, body: &str) -> Vec<String> {
    let mut problems = Vec::new();
    if status.is_server_error() {
        problems.push(format!("server error {status}"));
    }
    if headers.get(header::X_CONTENT_TYPE_OPTIONS) != Some(&HeaderValue::from_static("nosniff")) {
        problems.push("no X-Content-Type-Options: nosniff".into());
    }
    match headers
        .get(header::CONTENT_SECURITY_POLICY)
        .and_then(|value| value.to_str().ok())
    {
        Some(csp)
            if csp.contains("default-src 'none'")
                && csp.contains("style-src 'self'")
                && csp.contains("form-action 'self'")
                && !csp.contains("unsafe") => {}
        other => problems.push(format!(
            "missing or weak Content-Security-Policy: {other:?}"
        )),
    }
    if NO_REFERRER_CHAPTERS.contains(&chapter)
        && headers.get(header::REFERRER_POLICY) != Some(&HeaderValue::from_static("no-referrer"))
    {
        problems.push(format!(
            "chapter {chapter} answer without Referrer-Policy: no-referrer"
        ));
    }
    for raw in headers.get_all(header::SET_COOKIE) {
        let raw = String::from_utf8_lossy(raw.as_bytes());
        let mut parts = raw.split("; ");
        let pair = parts.next().unwrap_or_default();
        let attributes: Vec<&str> = parts.collect();
        if pair.len() >= 4096 {
            problems.push(format!(
                "a cookie of {} bytes, past what browsers keep",
                pair.len()
            ));
        }
        // A removal only needs the name and path to match; its other
        // attributes do not matter, since the browser deletes the cookie.
        if attributes.contains(&"Max-Age=0") {
            continue;
        }
        for wanted in ["HttpOnly", "SameSite=Lax", "Path=/"] {
            if !attributes.contains(&wanted) {
                problems.push(format!("Set-Cookie without {wanted}: {raw}"));
            }
        }
    }
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default();
    if content_type.starts_with("text/html") {
        problems.extend(cache_problems(headers));
        markup_problems(body, &mut problems);
    } else if !body.is_empty() && !content_type.starts_with("text/css") {
        // A plain-text page would be a bare error, not the course's page.
        problems.push(format!(
            "a body that is neither a page nor the stylesheet: {content_type:?}"
        ));
    }
    problems
}

/// What is wrong with the caching headers of a page. Every page shows one
/// visitor's state (the wire inspector shows their cookies), so no cache may
/// keep it (`Cache-Control: no-store`), and a cache must know that the same
/// address answers differently for different cookies (`Vary: Cookie`).
fn cache_problems(headers: &HeaderMap) -> Vec<String> {
    let mut problems = Vec::new();
    if !header_list(headers, header::CACHE_CONTROL).contains(&"no-store".to_string()) {
        problems.push("a page without Cache-Control: no-store".to_string());
    }
    let vary = header_list(headers, header::VARY);
    if !vary.iter().any(|name| name == "cookie" || name == "*") {
        problems.push("a page without Vary: Cookie".to_string());
    }
    problems
}

/// The comma-separated items of every value of a header, in lower case.
fn header_list(headers: &HeaderMap, name: HeaderName) -> Vec<String> {
    headers
        .get_all(name)
        .iter()
        .flat_map(|value| {
            String::from_utf8_lossy(value.as_bytes())
                .split(',')
                .map(|item| item.trim().to_ascii_lowercase())
                .collect::<Vec<_>>()
        })
        .collect()
}

fn markup_problems(body: &str, problems: &mut Vec<String>) {
    let mut rest = body;
    while !rest.is_empty() {
        let text_end = rest.find('<').unwrap_or(rest.len());
        text_problems(&rest[..text_end], problems);
        rest = &rest[text_end..];
        if rest.is_empty() {
            break;
        }
        let Some(tag_end) = rest.find('>') else {
            problems.push(format!("a tag that never closes: {rest:.60}"));
            break;
        };
        tag_problems(&rest[1..tag_end], problems);
        rest = &rest[tag_end + 1..];
    }
}

fn text_problems(text: &str, problems: &mut Vec<String>) {
    if text.contains('>') || text.contains('"') {
        problems.push(format!("unescaped > or \" in text: {text:.80}"));
    }
    for (at, _) in text.match_indices('&') {
        let entity = &text[at..];
        if !["&amp;", "&lt;", "&gt;", "&quot;"]
            .iter()
            .any(|known| entity.starts_with(known))
        {
            problems.push(format!("a bare & in text: {entity:.40}"));
        }
    }
}

fn tag_problems(tag: &str, problems: &mut Vec<String>) {
    let tag = tag.trim_start_matches('/');
    let (name, mut rest) = tag.split_once(' ').unwrap_or((tag, ""));
    if !TAGS.contains(&name) {
        problems.push(format!("a tag the course does not write: <{tag:.60}>"));
        return;
    }
    if name == "!DOCTYPE" {
        return;
    }
    loop {
        rest = rest.trim_start();
        if rest.is_empty() {
            break;
        }
        let name_end = rest.find([' ', '=']).unwrap_or(rest.len());
        let attribute = &rest[..name_end];
        rest = &rest[name_end..];
        if !ATTRIBUTES.contains(&attribute) {
            problems.push(format!(
                "an attribute the course does not write: {attribute:.60}"
            ));
            return;
        }
        let Some(quoted) = rest.strip_prefix("=\"") else {
            continue;
        };
        let Some(value_end) = quoted.find('"') else {
            problems.push(format!(
                "an attribute value that never closes: {quoted:.60}"
            ));
            return;
        };
        let value = &quoted[..value_end];
        rest = &quoted[value_end + 1..];
        text_problems(value, problems);
        // Links, forms and the stylesheet go to this site only: a path.
        let same_site = value.starts_with('/') && !value.starts_with("//");
        let lab_link = attribute == "href" && LAB_SITES.contains(&value);
        if matches!(attribute, "href" | "action") && !same_site && !lab_link && value != "data:," {
            problems.push(format!("{attribute} to another site: {value:.60}"));
        }
    }
}

// ---------------------------------------------------------------------------
// Helpers.
// ---------------------------------------------------------------------------

/// Runs one case of a property on a fresh single-threaded runtime: proptest
/// calls a plain function, once per case.
fn block_on<F: std::future::Future>(future: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime")
        .block_on(future)
}

/// Few enough cases to keep the whole suite at a few seconds on two cores.
/// A failure prints the smallest input that still fails; no file of past
/// failures is written into the learner's tree (make the input an example
/// test instead).
fn config() -> ProptestConfig {
    ProptestConfig {
        cases: 64,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

/// Sends a request exactly as given: any method, headers and body bytes.
async fn send_raw(
    app: &Router,
    method: Method,
    target: &str,
    headers: &[(HeaderName, HeaderValue)],
    body: impl Into<Body>,
) -> Answer {
    let mut request = Request::builder().method(method).uri(target);
    for (name, value) in headers {
        request = request.header(name, value);
    }
    answer(app, request.body(body.into()).expect("a valid request")).await
}

/// The content type of a posted form.
const FORM: &str = "application/x-www-form-urlencoded";

fn form_type() -> (HeaderName, HeaderValue) {
    (header::CONTENT_TYPE, HeaderValue::from_static(FORM))
}

fn cookie_header(value: &str) -> (HeaderName, HeaderValue) {
    (
        header::COOKIE,
        HeaderValue::from_str(value).expect("a header"),
    )
}

/// Text as maud writes it into a page.
fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Every byte but the unreserved ones of RFC 3986 (letters, digits, `-`,
/// `.`, `_`, `~`) is `%`-escaped, so that any text fits in a URL or a form
/// body and comes back unchanged from the server's decoding.
const ESCAPED_IN_URLS: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// `text`, ready to be a value in a query string or a form body.
fn percent_encode(text: &str) -> String {
    utf8_percent_encode(text, ESCAPED_IN_URLS).to_string()
}

/// The rows of a cart page's table, as (escaped name, quantity), sorted.
/// Only the page's `<main>` (the wire inspector has tables too), read as the
/// bytes the server sent: the names must come back exactly, escaped, and a
/// parser would fold their spaces.
fn cart_rows(body: &str) -> Vec<(String, String)> {
    let body = page::raw_element(body, "<main>", "</main>").unwrap_or(body);
    let Some(start) = body.find("<tbody>") else {
        return Vec::new();
    };
    let table = &body[start
        ..body[start..]
            .find("</tbody>")
            .map_or(body.len(), |end| start + end)];
    let mut rows: Vec<(String, String)> = table
        .split("<tr><td>")
        .skip(1)
        .map(|row| {
            let mut cells = row.split("</td><td>");
            let name = cells.next().unwrap_or_default().to_string();
            let quantity = cells
                .next()
                .unwrap_or_default()
                .trim_end_matches("</td></tr>")
                .split("</td>")
                .next()
                .unwrap_or_default()
                .to_string();
            (name, quantity)
        })
        .collect();
    rows.sort();
    rows
}

/// The rows [`cart_rows`] should find for this cart.
fn expected_rows(cart: &BTreeMap<String, u32>) -> Vec<(String, String)> {
    let mut rows: Vec<(String, String)> = cart
        .iter()
        .map(|(name, quantity)| (escape(name), quantity.to_string()))
        .collect();
    rows.sort();
    rows
}

// ---------------------------------------------------------------------------
// Strategies: what a hostile client types.
// ---------------------------------------------------------------------------

/// Pieces with a meaning in HTML, URLs, forms or cookies, or that break naive
/// code: markup, quotes, separators, escapes, control characters, non-ASCII.
/// (Numbers at the limits come from the rules: see [`limit_numbers`].)
const FRAGMENTS: &[&str] = &[
    "<script>alert(1)</script>",
    "</main>",
    "\"><img src=x onerror=alert(1)>",
    "' onmouseover='x",
    "\" autofocus onfocus=\"alert(1)",
    "&",
    "&amp;",
    "&lt;",
    ";",
    "=",
    ",",
    "\"",
    "'",
    " ",
    "  ",
    "\t",
    "\n",
    "\r\n",
    "\0",
    "\u{7f}",
    "%",
    "%00",
    "%ZZ",
    "%FF",
    "+",
    "é",
    "ü",
    "🦀",
    "\u{202e}",
    "\u{feff}",
    "\u{3000}",
    "１２",
    "apple",
    "cart_",
    "csrftoken",
    "sessionid",
    "sid=",
    "count=1",
    "0",
    "1",
    "-1",
    "+5",
    "007",
    "1e3",
    "99999999999999999999999",
];

/// The largest quantity any cart accepts.
fn max_quantity() -> u32 {
    COOKIE_CART.max_quantity.max(SESSION_CART.max_quantity)
}

/// The numbers on either side of every limit the forms enforce: each cart's
/// largest quantity, and each name field's length.
fn limit_numbers() -> Vec<String> {
    [COOKIE_CART.max_quantity, SESSION_CART.max_quantity]
        .into_iter()
        .map(|max| max as usize)
        .chain(name_limits())
        .flat_map(|limit| [limit - 1, limit, limit + 1])
        .map(|n| n.to_string())
        .collect()
}

/// The longest name each form accepts, in characters.
fn name_limits() -> [usize; 3] {
    [
        chapter_1::MAX_NAME_CHARS,
        COOKIE_CART.max_name_chars,
        SESSION_CART.max_name_chars,
    ]
}

/// Arbitrary text, biased to the [`FRAGMENTS`], to numbers at the limits,
/// and to lengths at and around the limits on names.
fn hostile_text() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        3 => any::<char>().prop_map(String::from),
        2 => "[a-z0-9 ]{1,8}",
        5 => prop::sample::select(FRAGMENTS).prop_map(String::from),
        1 => prop::sample::select(limit_numbers()),
    ];
    let longest = name_limits().into_iter().max().unwrap_or_default();
    let length = prop_oneof![
        prop::sample::select(name_limits().to_vec()).prop_flat_map(|limit| limit - 1..=limit + 1),
        0..=longest + 20,
    ];
    let long = length.prop_flat_map(|length| {
        prop::collection::vec(prop::sample::select(vec!['x', 'é', '🦀', '<', ' ']), length)
            .prop_map(|chars| chars.into_iter().collect::<String>())
    });
    prop_oneof![
        8 => prop::collection::vec(piece, 0..8).prop_map(|pieces| pieces.concat()),
        1 => long,
    ]
}

/// A quantity as typed: any text, or a number of any size and sign, padded.
fn hostile_quantity() -> impl Strategy<Value = String> {
    prop_oneof![
        hostile_text(),
        (any::<i64>(), " ?", " ?").prop_map(|(n, a, b)| format!("{a}{n}{b}")),
        (0..=max_quantity() * 6 / 5).prop_map(|n| n.to_string()),
        "[+-]?[0-9]{1,40}",
    ]
}

/// Text a `Cookie` header can carry as one cookie's value: no control
/// characters (an HTTP header cannot hold them), no `;` (it would end the
/// cookie) and no `%` (the server decodes `%`-escapes; tested apart), and
/// no space at either end (the server trims it).
fn cookie_value() -> impl Strategy<Value = String> {
    hostile_text().prop_map(|text| cookie_safe(&text))
}

/// `text` as a `Cookie` header can carry it: see [`cookie_value`].
fn cookie_safe(text: &str) -> String {
    text.chars()
        .filter(|c| !c.is_control() && *c != ';' && *c != '%')
        .collect::<String>()
        .trim()
        .to_string()
}
