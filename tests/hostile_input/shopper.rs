//! A shopper: a browser of a cart chapter holding `apple × 2`, and what a
//! raw request needs to pass as that browser (its `Cookie` header, its CSRF
//! token, and in chapter 7, without cookies, the `sid` to put in the URL).
//! The modules that send requests no browser would send use it, then check
//! that the cart is as it was.

use axum::{
    Router,
    body::Body,
    http::{HeaderName, HeaderValue, Method, StatusCode, header},
};
use course_kit::{SESSION_COOKIE, csrf};
use session_course::{Answer, Browser};

use crate::{cart_rows, cookie_header, send_raw, site};

pub(crate) struct Shopper {
    pub(crate) chapter: u8,
    router: Router,
    browser: Browser,
    cookie: Option<String>,
    pub(crate) token: String,
    query: String,
    /// Chapter 4's cart is in the browser: a raw answer that set a cart
    /// cookie changed it, though the browser above never stored it.
    cart_cookies_set: Vec<String>,
}

/// A shopper of this chapter, with `apple × 2` in the cart. Chapter 7's
/// shops without cookies, which is its point.
pub(crate) async fn shopper(chapter: u8) -> Shopper {
    let site = site(chapter).await;
    let mut browser = if chapter == 7 {
        site.browser_without_cookies()
    } else {
        site.browser()
    };
    let form = browser.get("/addItem/").await;
    let added = browser
        .submit(&form, "/addItem/", &[("name", "apple"), ("quantity", "2")])
        .await;
    assert_eq!(added.status, StatusCode::OK);
    let hidden = |name: &str| {
        added.forms()[0]
            .hidden
            .iter()
            .find(|(field, _)| field == name)
            .map(|(_, value)| value.clone())
    };
    let token = hidden(csrf::FIELD).expect("a token");
    let query = hidden(chapter_7::SID)
        .map(|sid| format!("?{}={sid}", chapter_7::SID))
        .unwrap_or_default();
    // The cookies the browser holds: the CSRF token and the cart's cookie
    // (chapter 4), or the session's (chapter 6).
    let cookie = [
        csrf::COOKIE.to_string(),
        chapter_4::cart_cookie_name("apple"),
        SESSION_COOKIE.to_string(),
    ]
    .iter()
    .filter_map(|name| Some(format!("{name}={}", browser.cookie(name)?)))
    .collect::<Vec<_>>()
    .join("; ");
    Shopper {
        chapter,
        router: site.router().clone(),
        browser,
        cookie: (!cookie.is_empty()).then_some(cookie),
        token,
        query,
        cart_cookies_set: Vec::new(),
    }
}

impl Shopper {
    /// Posts `body` to `path` (with the `sid` in chapter 7), as this
    /// shopper's browser, with this content type.
    pub(crate) async fn post(
        &mut self,
        path: &str,
        content_type: Option<&str>,
        body: impl Into<Body>,
    ) -> Answer {
        self.post_with_headers(path, content_type, &[], body).await
    }

    /// Like [`Shopper::post`], with more headers (`Origin`, say).
    pub(crate) async fn post_with_headers(
        &mut self,
        path: &str,
        content_type: Option<&str>,
        more: &[(HeaderName, HeaderValue)],
        body: impl Into<Body>,
    ) -> Answer {
        let mut headers = more.to_vec();
        if let Some(content_type) = content_type {
            headers.push((
                header::CONTENT_TYPE,
                HeaderValue::from_str(content_type).unwrap(),
            ));
        }
        if let Some(cookie) = &self.cookie {
            headers.push(cookie_header(cookie));
        }
        let target = format!("{path}{}", self.query);
        let answer = send_raw(&self.router, Method::POST, &target, &headers, body).await;
        assert_sound!(self.chapter, answer);
        for raw in answer.headers.get_all(header::SET_COOKIE) {
            let raw = String::from_utf8_lossy(raw.as_bytes());
            if raw.starts_with("cart_") {
                self.cart_cookies_set.push(raw.into_owned());
            }
        }
        answer
    }

    /// The cart cookies that answers to this shopper's raw posts have set.
    pub(crate) fn cart_cookies_set(&self) -> &[String] {
        &self.cart_cookies_set
    }

    /// The cart is still `apple × 2`.
    pub(crate) async fn assert_cart_unchanged(&mut self) {
        assert_eq!(self.cart_cookies_set, Vec::<String>::new());
        let page = self
            .browser
            .get(&format!("/displayItems/{}", self.query))
            .await;
        assert_eq!(
            cart_rows(&page.body),
            vec![("apple".to_string(), "2".to_string())],
            "chapter {}",
            self.chapter
        );
    }
}
