//! Session ids: a server adopts only an id it made itself, and never lets a
//! request choose a visitor's session. Any `sessionid` cookie starts a new
//! session (chapters 2, 5, 6, 7); in chapter 7, any `sid` in a URL or a
//! hidden field that is not the real id starts a new one; and any request
//! at all (any method, path, cookies, ids, origin) gets no cookie it should
//! not: none on an answer that refuses, never a session id that came in
//! the URL or the form, and no `sessionid` before the browser has shown it
//! keeps cookies. Pages that only read a session set no cookie.

use std::collections::BTreeMap;

use axum::{
    body::Body,
    http::{HeaderName, HeaderValue, Method, StatusCode, header},
};
use course_kit::{SESSION_COOKIE, csrf};
use proptest::prelude::*;
use session_course::{Browser, Site, page};
use tower_cookies::cookie::Cookie;

use crate::{
    FORM, block_on, cart_rows, config, cookie_safe, cookie_value, expected_rows, hostile_quantity,
    hostile_text, origins::from_another_origin, percent_encode, send_raw, site,
};

/// The id a link of chapter 7 carries, as in `/pageCount/?sid=…`.
fn sid_in(link: &str) -> String {
    let query = link.split_once('?').map_or("", |(_, query)| query);
    form_urlencoded::parse(query.as_bytes())
        .find(|(name, _)| name == chapter_7::SID)
        .map(|(_, id)| id.into_owned())
        .unwrap_or_else(|| panic!("no {} in {link}", chapter_7::SID))
}

proptest! {
    #![proptest_config(config())]

    /// Any `sessionid` cookie: a new, empty session, never the id sent, and
    /// a real session next to it keeps its count.
    #[test]
    fn any_sessionid_cookie_starts_a_new_session(value in cookie_value()) {
        block_on(async {
            let counter = site(5).await;
            let mut owner = counter.browser();
            owner.get("/pageCount/").await;
            owner.get("/pageCount/").await;

            let mut stranger = counter.browser();
            stranger.set_cookie(SESSION_COOKIE, &value);
            let page = stranger.get("/pageCount/").await;
            prop_assert_sound!(5, page);
            prop_assert!(page.main_text().contains("Count: 1"));
            prop_assert_ne!(stranger.cookie(SESSION_COOKIE), Some(value.as_str()));

            let page = owner.get("/pageCount/").await;
            prop_assert!(page.main_text().contains("Count: 3"), "the owner's session is untouched");

            for chapter in [2, 6, 7] {
                let mut stranger = site(chapter).await.browser();
                stranger.set_cookie(SESSION_COOKIE, &value);
                let page = stranger.get(if chapter == 2 { "/page2/" } else { "/displayItems/" }).await;
                prop_assert_sound!(chapter, page);
                prop_assert_eq!(page.status, StatusCode::OK);
                if chapter == 2 {
                    prop_assert!(page.main_text().contains("Test cookie did not work"));
                } else {
                    prop_assert!(page.main_text().contains("No items in your cart"));
                }
                if chapter == 7 {
                    // A new session, which stores nothing here: no record,
                    // so no id to hand out.
                    prop_assert!(page.main_text().contains("found its session not at all"));
                    prop_assert!(page.main_text().contains("It was not adopted"));
                    prop_assert!(page.set_cookie(SESSION_COOKIE).is_none(), "{:?}", page.set_cookies());
                }
            }
            Ok(())
        })?;
    }
}

/// What to send as `sid` in chapter 7: any text, or the real id changed.
#[derive(Debug, Clone)]
enum SidClaim {
    Text(String),
    /// The real id with the character at this index (modulo its length)
    /// replaced by this one.
    Changed(usize, char),
    /// The real id with this text added after it.
    Extended(String),
    /// The real id cut to this many characters (modulo its length).
    Cut(usize),
}

impl SidClaim {
    fn apply(&self, real: &str) -> String {
        match self {
            SidClaim::Text(text) => text.clone(),
            SidClaim::Changed(at, c) => real
                .chars()
                .enumerate()
                .map(|(i, old)| if i == at % real.len() { *c } else { old })
                .collect(),
            SidClaim::Extended(tail) => format!("{real}{tail}"),
            SidClaim::Cut(at) => real[..at % real.len()].to_string(),
        }
    }
}

fn sid_claim() -> impl Strategy<Value = SidClaim> {
    prop_oneof![
        hostile_text().prop_map(SidClaim::Text),
        (
            any::<usize>(),
            prop_oneof![prop::char::range('A', 'z'), any::<char>()]
        )
            .prop_map(|(at, c)| SidClaim::Changed(at, c)),
        hostile_text().prop_map(SidClaim::Extended),
        any::<usize>().prop_map(SidClaim::Cut),
    ]
}

/// A visitor of chapter 7 without cookies, with a session that holds a
/// count of 1 and `apple × 2`: the browser, its session id, and the CSRF
/// token of its form.
async fn chapter_7_owner(site: &Site) -> (Browser, String, String) {
    let mut owner = site.browser_without_cookies();
    let first = owner.get("/pageCount/").await;
    let real = sid_in(&first.link("Count again").expect("a rewritten link"));
    let form = owner.get(&format!("/addItem/?sid={real}")).await;
    let added = owner
        .submit(&form, "/addItem/", &[("name", "apple"), ("quantity", "2")])
        .await;
    assert_eq!(added.status, StatusCode::OK);
    let token = form.forms()[0]
        .hidden
        .iter()
        .find(|(name, _)| name == csrf::FIELD)
        .expect("a token")
        .1
        .clone();
    (owner, real, token)
}

proptest! {
    #![proptest_config(config())]

    /// Chapter 7, without cookies: a `sid` in the URL or in a hidden field
    /// that is not the real id starts a new session; the real session keeps
    /// its count and its cart.
    #[test]
    fn chapter_7_any_sid_is_adopted_only_if_real(claim in sid_claim()) {
        block_on(async {
            let shop = site(7).await;
            let (mut owner, real, token) = chapter_7_owner(&shop).await;

            let claimed = claim.apply(&real);
            let adopted = claimed == real;
            let mut stranger = shop.browser_without_cookies();

            // In the URL.
            let page = stranger.get(&format!("/pageCount/?sid={}", percent_encode(&claimed))).await;
            prop_assert_sound!(7, page);
            prop_assert_eq!(page.status, StatusCode::OK);
            // Until the browser sends a cookie back, only the test cookie.
            prop_assert!(page.set_cookie(SESSION_COOKIE).is_none(), "{:?}", page.set_cookies());
            if adopted {
                prop_assert!(page.main_text().contains("Count: 2"));
            } else {
                prop_assert!(page.main_text().contains("Count: 1"));
                prop_assert!(page.main_text().contains("It was not adopted"));
                let new_link = page.link("Count again").unwrap();
                prop_assert_ne!(sid_in(&new_link), real.clone());
            }

            // In a hidden field, with the real session's CSRF token.
            let answer = stranger.post("/addItem/", &[
                ("name", "pear"),
                ("quantity", "1"),
                (csrf::FIELD, &token),
                (chapter_7::SID, &claimed),
            ]).await;
            prop_assert_sound!(7, answer);
            if adopted {
                prop_assert_eq!(answer.status, StatusCode::OK);
            } else {
                prop_assert_eq!(answer.status, StatusCode::FORBIDDEN);
                prop_assert!(answer.main_text().contains("CSRF check failed"));
                prop_assert_eq!(answer.set_cookies(), Vec::<String>::new());
            }

            // The real session, as it was (plus the pear if it was adopted).
            let cart = owner.get(&format!("/displayItems/?sid={real}")).await;
            let mut expected = BTreeMap::from([("apple".to_string(), 2)]);
            if adopted {
                expected.insert("pear".to_string(), 1);
            }
            prop_assert_eq!(cart_rows(&cart.body), expected_rows(&expected));
            let count = owner.get(&format!("/pageCount/?sid={real}")).await;
            let expected_count = if adopted { 3 } else { 2 };
            prop_assert!(count.main_text().contains(&format!("Count: {expected_count}")), "{}", count.main_text());
            Ok(())
        })?;
    }
}

// ---------------------------------------------------------------------------
// Chapter 7: any request at all.
// ---------------------------------------------------------------------------

/// A session id a request names: the owner's real one, or a claim made
/// from it.
#[derive(Debug, Clone)]
enum Named {
    Real,
    Claim(SidClaim),
}

impl Named {
    fn value(&self, real: &str) -> String {
        match self {
            Named::Real => real.to_string(),
            Named::Claim(claim) => claim.apply(real),
        }
    }
}

fn named() -> impl Strategy<Value = Named> {
    prop_oneof![
        2 => Just(Named::Real),
        1 => sid_claim().prop_map(Named::Claim),
    ]
}

/// Any request to chapter 7.
#[derive(Debug, Clone)]
struct AnyRequest {
    method: Method,
    path: &'static str,
    /// `?sid=…` in the URL.
    url_sid: Option<Named>,
    /// Whether there is a body: `name`, `quantity`, the token, and a hidden
    /// `sid` if `form_sid` says so.
    body: bool,
    form_sid: Option<Named>,
    /// The owner's real CSRF token, or none.
    real_token: bool,
    item: (String, String),
    content_type: Option<&'static str>,
    /// The cookies the request carries.
    session_cookie: Option<Named>,
    test_cookie: Option<String>,
    /// Where the request says it comes from.
    with_host: bool,
    origin: Option<&'static str>,
    sec_fetch_site: Option<&'static str>,
}

/// The host the requests name: chapter 7 on its default port, and the
/// origin of its own pages.
const HOST: &str = "127.0.0.1:3007";
const OWN_ORIGIN: &str = "http://127.0.0.1:3007";

fn any_request() -> impl Strategy<Value = AnyRequest> {
    // Mostly the chapter's own pages and form, whose code handles the
    // session; sometimes any method on any path, which the kit answers.
    let route = prop_oneof![
        6 => prop::sample::select(vec![
            (Method::GET, "/"),
            (Method::GET, "/pageCount/"),
            (Method::GET, "/addItem/"),
            (Method::GET, "/displayItems/"),
            (Method::POST, "/addItem/"),
            (Method::POST, "/addItem/"),
        ]),
        1 => (
            prop::sample::select(vec![
                Method::GET,
                Method::POST,
                Method::HEAD,
                Method::PUT,
                Method::DELETE,
                Method::OPTIONS,
                Method::PATCH,
            ]),
            prop::sample::select(vec![
                "/",
                "/pageCount/",
                "/addItem/",
                "/displayItems/",
                "/nowhere/",
                "/addItem",
                "/course.css",
            ]),
        ),
    ];
    let item = prop_oneof![
        Just(("pear".to_string(), "1".to_string())),
        (hostile_text(), hostile_quantity()),
    ];
    // About half the requests say they come from this site's own pages (or
    // from no page), the others from another site.
    let where_from = (
        prop::bool::weighted(0.9),
        prop_oneof![
            3 => Just(None),
            3 => Just(Some(OWN_ORIGIN)),
            2 => prop::sample::select(vec![
                Some("http://127.0.0.1:3004"),
                Some("http://evil.example"),
                Some("null"),
            ]),
        ],
        prop_oneof![
            3 => prop::sample::select(vec![None, Some("same-origin"), Some("none")]),
            1 => prop::sample::select(vec![Some("same-site"), Some("cross-site")]),
        ],
    );
    let cookies = (
        prop::option::weighted(0.3, named()),
        prop::option::of(prop_oneof![Just("1".to_string()), cookie_value()]),
    );
    let content_type = prop_oneof![
        4 => Just(Some(FORM)),
        1 => prop::sample::select(vec![None, Some("text/plain")]),
    ];
    (
        (route, prop::option::of(named())),
        (
            prop::bool::weighted(0.8),
            prop::option::of(named()),
            prop::bool::weighted(0.75),
            item,
        ),
        content_type,
        cookies,
        where_from,
    )
        .prop_map(
            |(
                ((method, path), url_sid),
                (body, form_sid, real_token, item),
                content_type,
                (session_cookie, test_cookie),
                (with_host, origin, sec_fetch_site),
            )| AnyRequest {
                method,
                path,
                url_sid,
                body,
                form_sid,
                real_token,
                item,
                content_type,
                session_cookie,
                test_cookie,
                with_host,
                origin,
                sec_fetch_site,
            },
        )
}

impl AnyRequest {
    /// The `sessionid` cookie's value, as the request carries it.
    fn session_cookie_value(&self, real: &str) -> Option<String> {
        self.session_cookie
            .as_ref()
            .map(|named| cookie_safe(&named.value(real)))
    }

    /// Whether the browser has shown it keeps cookies: it sent one back.
    fn sends_a_cookie_back(&self) -> bool {
        self.session_cookie.is_some() || self.test_cookie.is_some()
    }

    /// Every id the request names in its URL or its form.
    fn ids_in_url_or_form(&self, real: &str) -> Vec<String> {
        let in_form = self.form_sid.as_ref().filter(|_| self.body);
        self.url_sid
            .iter()
            .chain(in_form)
            .map(|named| named.value(real))
            .collect()
    }

    /// The id the server looks at, if there is no `sessionid` cookie: the
    /// URL's, else the hidden field's.
    fn claimed_id(&self, real: &str) -> Option<String> {
        let in_form = self.form_sid.as_ref().filter(|_| self.body);
        self.url_sid
            .as_ref()
            .or(in_form)
            .map(|named| named.value(real))
    }

    /// Whether the request says it comes from a page of another site; see
    /// [`crate::origins::from_another_origin`].
    fn cross_site(&self) -> bool {
        let host = self.with_host.then_some(HOST);
        from_another_origin(host, self.origin, self.sec_fetch_site)
    }

    /// Whether chapter 7's own code answers it (rather than the kit: `HEAD`,
    /// the stylesheet, a redirect, a page not found, a method not allowed).
    fn reaches_the_chapter(&self) -> bool {
        match self.path {
            "/" | "/pageCount/" | "/displayItems/" => self.method == Method::GET,
            "/addItem/" => self.method == Method::GET || self.method == Method::POST,
            _ => false,
        }
    }

    async fn send(&self, site: &Site, real: &str, token: &str) -> session_course::Answer {
        let mut target = self.path.to_string();
        if let Some(named) = &self.url_sid {
            target.push_str(&format!("?sid={}", percent_encode(&named.value(real))));
        }
        let mut headers: Vec<(HeaderName, HeaderValue)> = Vec::new();
        if self.with_host {
            headers.push((header::HOST, HeaderValue::from_static(HOST)));
        }
        if let Some(origin) = self.origin {
            headers.push((header::ORIGIN, HeaderValue::from_static(origin)));
        }
        if let Some(site) = self.sec_fetch_site {
            headers.push((
                HeaderName::from_static("sec-fetch-site"),
                HeaderValue::from_static(site),
            ));
        }
        if let Some(content_type) = self.content_type {
            headers.push((header::CONTENT_TYPE, HeaderValue::from_static(content_type)));
        }
        let cookies: Vec<String> = self
            .session_cookie_value(real)
            .map(|id| format!("{SESSION_COOKIE}={id}"))
            .into_iter()
            .chain(
                self.test_cookie
                    .iter()
                    .map(|value| format!("{}={value}", chapter_7::TEST_COOKIE)),
            )
            .collect();
        if !cookies.is_empty() {
            let value = HeaderValue::from_str(&cookies.join("; ")).expect("a cookie header");
            headers.push((header::COOKIE, value));
        }
        let body = if self.body {
            let (name, quantity) = &self.item;
            let mut fields = vec![
                format!("name={}", percent_encode(name)),
                format!("quantity={}", percent_encode(quantity)),
            ];
            if self.real_token {
                fields.push(format!("{}={token}", csrf::FIELD));
            }
            if let Some(named) = &self.form_sid {
                fields.push(format!("sid={}", percent_encode(&named.value(real))));
            }
            Body::from(fields.join("&"))
        } else {
            Body::empty()
        };
        send_raw(site.router(), self.method.clone(), &target, &headers, body).await
    }
}

proptest! {
    #![proptest_config(config())]

    /// Any request to chapter 7, with a real session about: an answer that
    /// is not a success sets no cookie at all; a `sessionid` it sets is
    /// never an id that came in the URL or the form; none is offered before
    /// the browser sends a cookie back; a request from another site never
    /// reaches a session by an id in its URL or form; and a session found
    /// by URL in a browser that keeps cookies moves into the cookie under a
    /// new id.
    #[test]
    fn chapter_7_any_request_gets_no_cookie_it_should_not(request in any_request()) {
        block_on(async {
            let shop = site(7).await;
            let (mut owner, real, token) = chapter_7_owner(&shop).await;
            let answer = request.send(&shop, &real, &token).await;
            prop_assert_sound!(7, answer);

            let set: Vec<String> = answer
                .headers
                .get_all(header::SET_COOKIE)
                .iter()
                .map(|value| String::from_utf8_lossy(value.as_bytes()).into_owned())
                .collect();
            if !answer.status.is_success() {
                prop_assert!(set.is_empty(), "{} set {:?}", answer.status, set);
            }
            let own_cookie = request.session_cookie_value(&real);
            let from_url_or_form = request.ids_in_url_or_form(&real);
            let session_ids_set: Vec<String> = set
                .iter()
                .filter_map(|raw| Cookie::parse(raw.as_str()).ok())
                .filter(|cookie| cookie.name() == SESSION_COOKIE && !cookie.value().is_empty())
                .map(|cookie| cookie.value().to_string())
                .collect();
            for id in &session_ids_set {
                prop_assert!(
                    !from_url_or_form.contains(id) || own_cookie.as_ref() == Some(id),
                    "sessionid={} came in the URL or the form", id
                );
                prop_assert!(request.sends_a_cookie_back(), "a sessionid before any cookie came back: {:?}", set);
            }

            let found_by_id = own_cookie.is_none() && request.claimed_id(&real).is_some();
            if found_by_id && request.cross_site() {
                // Another site's page named the id: it is ignored.
                if answer.status.is_success() {
                    let carried = page::hrefs(&answer.body).iter().any(|href| href.contains(&real))
                        || page::forms(&answer.body, request.path)
                            .iter()
                            .any(|form| form.hidden.iter().any(|(_, value)| *value == real));
                    prop_assert!(!carried, "the page carries the real id on");
                }
                if request.reaches_the_chapter() && answer.status.is_success() {
                    prop_assert!(answer.body.contains("another site must not choose your session"));
                }
                let count = owner.get(&format!("/pageCount/?sid={real}")).await;
                prop_assert!(count.main_text().contains("Count: 2"), "{}", count.main_text());
                let cart = owner.get(&format!("/displayItems/?sid={real}")).await;
                prop_assert_eq!(
                    cart_rows(&cart.body),
                    expected_rows(&BTreeMap::from([("apple".to_string(), 2)]))
                );
            } else if found_by_id
                && request.claimed_id(&real).as_deref() == Some(real.as_str())
                && request.sends_a_cookie_back()
                && request.reaches_the_chapter()
                && answer.status.is_success()
            {
                // Found by URL or hidden field, in a browser that keeps
                // cookies: the session moves into the cookie, under a new id,
                // and the old one stops working.
                prop_assert_eq!(session_ids_set.len(), 1, "{:?}", set);
                prop_assert_ne!(&session_ids_set[0], &real);
                let old = owner.get(&format!("/pageCount/?sid={real}")).await;
                prop_assert!(old.main_text().contains("It was not adopted"), "{}", old.main_text());
            }
            Ok(())
        })?;
    }
}

#[tokio::test]
async fn chapter_7_a_request_with_the_id_and_a_cookie_moves_the_session() {
    let shop = site(7).await;
    let (mut owner, real, _) = chapter_7_owner(&shop).await;
    let page = send_raw(
        shop.router(),
        Method::GET,
        &format!("/pageCount/?sid={real}"),
        &[(header::COOKIE, HeaderValue::from_static("cookietest=1"))],
        Body::empty(),
    )
    .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Count: 2"), "{}", page.body);
    let set: Vec<_> = page.headers.get_all(header::SET_COOKIE).iter().collect();
    assert_eq!(set.len(), 1, "{set:?}");
    let moved = Cookie::parse(set[0].to_str().unwrap()).unwrap();
    assert_eq!(moved.name(), SESSION_COOKIE);
    assert_ne!(moved.value(), real, "a new id, never the one from the URL");
    let old = owner.get(&format!("/pageCount/?sid={real}")).await;
    assert!(old.main_text().contains("It was not adopted"));
}

// ---------------------------------------------------------------------------
// Chapter 6: reading a session changes nothing.
// ---------------------------------------------------------------------------

/// Chapter 6 saves a session only when a request changes it: a page that
/// only reads sets no cookie, and a visitor who stores nothing gets none.
#[tokio::test]
async fn chapter_6_pages_that_only_read_set_no_cookie() {
    let mut browser = site(6).await.browser();
    for target in ["/", "/displayItems/"] {
        let page = browser.get(target).await;
        assert_eq!(page.set_cookies(), Vec::<String>::new(), "{target}");
    }
    // The form's token is the first thing stored: the session begins.
    let form = browser.get("/addItem/").await;
    assert!(form.set_cookie(SESSION_COOKIE).is_some());
    let added = browser
        .submit(&form, "/addItem/", &[("name", "apple"), ("quantity", "1")])
        .await;
    assert_eq!(added.status, StatusCode::OK);
    for target in ["/", "/addItem/", "/displayItems/"] {
        let page = browser.get(target).await;
        assert_eq!(page.set_cookies(), Vec::<String>::new(), "{target}");
    }
    let cart = browser.get("/displayItems/").await;
    assert!(cart.main_text().contains("apple | 1"));
}
