//! Headers on every page of the course: the security headers, a
//! Content-Security-Policy the page satisfies, the headers that keep a page
//! out of caches, cookies with the course's attributes, and in chapter 7
//! `Referrer-Policy: no-referrer`, since its URLs can carry a session id.

use std::collections::BTreeSet;

use axum::{
    body::Body,
    http::{HeaderValue, Method, StatusCode, header},
};
use course_kit::{BODY_LIMIT, OptionValue, SESSION_COOKIE, sessions::SESSION_EXPIRY};
use proptest::prelude::*;
use session_course::page;

use crate::{
    CART_CHAPTERS, CHAPTERS, block_on, cache_problems, config, cookies::cookie_header_bytes,
    form_type, hostile_text, pages, percent_encode, send_raw, site,
};

/// Walks every page of every chapter, with and without cookies, including
/// the error pages (404, 400, 403, 405, 413, 422), the redirects and the
/// answers to `HEAD`, and checks each answer: headers, cookie attributes,
/// and markup that satisfies the Content-Security-Policy.
#[tokio::test]
async fn every_page_satisfies_the_csp_and_sends_the_security_headers() {
    let mut seen = 0;
    for &chapter in CHAPTERS {
        for accepts_cookies in [true, false] {
            let site = site(chapter).await;
            let mut browser = if accepts_cookies {
                site.browser()
            } else {
                site.browser_without_cookies()
            };
            let mut answers = Vec::new();
            // Every page, then every link on it (chapter 7 rewrites them).
            let mut followed = BTreeSet::new();
            for target in pages(&site) {
                let page = browser.get(&target).await;
                for href in page::hrefs(&page.body) {
                    if followed.insert(href.clone()) {
                        answers.push(browser.get(&href).await);
                    }
                }
                answers.push(browser.send(Method::HEAD, &target, None).await);
                answers.push(browser.post(&target, &[]).await);
                answers.push(page);
            }
            for target in [
                "/nowhere/",
                "/addItem",
                "/course.css",
                "/hello/?name=a&name=b",
            ] {
                answers.push(browser.get(target).await);
            }
            if CART_CHAPTERS.contains(&chapter) {
                let form = browser.get("/addItem/").await;
                for fields in [
                    [("name", "<b>apple</b>"), ("quantity", "2")],
                    [("name", ""), ("quantity", "x")],
                ] {
                    answers.push(browser.submit(&form, "/addItem/", &fields).await);
                }
                answers.push(browser.post("/addItem/", &[("name", "forged")]).await);
                let cart = browser.click(&form, "Display Items").await;
                if chapter == 6 && accepts_cookies {
                    answers.push(
                        browser
                            .submit(&cart, "/removeItem/", &[("name", "<b>apple</b>")])
                            .await,
                    );
                    answers.push(browser.submit(&cart, "/emptyCart/", &[]).await);
                }
                answers.push(cart);
            }
            for answer in &answers {
                assert_sound!(chapter, answer);
                seen += 1;
            }
            let too_large = send_raw(
                site.router(),
                Method::POST,
                "/",
                &[form_type()],
                vec![b'x'; BODY_LIMIT + 1],
            )
            .await;
            assert_eq!(too_large.status, StatusCode::PAYLOAD_TOO_LARGE);
            assert_sound!(chapter, too_large);
            seen += 1;
        }
    }
    assert!(seen > 150, "only {seen} pages were checked");

    // The stylesheet loads nothing from elsewhere: the CSP's default-src
    // 'none' would block fonts and imports, and img-src allows only this site.
    let css = site(1).await.browser().get("/course.css").await;
    assert!(!css.body.contains("@import") && !css.body.contains("url("));
}

/// Where a browser that keeps cookies first gets each chapter's session
/// cookie: the pages it visits, the last of which sets it. (Chapter 7
/// first offers its test cookie, and its session cookie only once that
/// came back.)
const SESSION_COOKIE_VISITS: &[(u8, &[&str])] = &[
    (2, &["/home/"]),
    (5, &["/pageCount/"]),
    (6, &["/addItem/"]),
    (7, &["/", "/addItem/"]),
];

#[tokio::test]
async fn session_cookies_are_http_only_and_same_site_lax() {
    let OptionValue::Seconds {
        default: lifetime, ..
    } = SESSION_EXPIRY.value
    else {
        panic!("--session-expiry takes seconds");
    };
    let lifetime = format!("Max-Age={lifetime}");
    for &(chapter, visits) in SESSION_COOKIE_VISITS {
        let mut browser = site(chapter).await.browser();
        let mut cookies = Vec::new();
        for target in visits {
            let page = browser.get(target).await;
            cookies.extend(page.set_cookies());
        }
        let session = cookies
            .iter()
            .find(|raw| raw.starts_with(&format!("{SESSION_COOKIE}=")))
            .unwrap_or_else(|| panic!("chapter {chapter} sets no session cookie"));
        let test_cookie = cookies
            .iter()
            .find(|raw| raw.starts_with(&format!("{}=", chapter_7::TEST_COOKIE)));
        assert_eq!(test_cookie.is_some(), chapter == 7, "{cookies:?}");
        for cookie in [Some(session), test_cookie].into_iter().flatten() {
            let attributes: Vec<&str> = cookie.split("; ").skip(1).collect();
            for wanted in ["HttpOnly", "SameSite=Lax", "Path=/", lifetime.as_str()] {
                assert!(attributes.contains(&wanted), "chapter {chapter}: {cookie}");
            }
            // Not Secure: the course runs on plain http://127.0.0.1 (see chapter 2).
            assert!(
                !attributes.contains(&"Secure"),
                "chapter {chapter}: {cookie}"
            );
        }
    }
}

#[tokio::test]
async fn chapter_7_sends_no_referrer_on_every_answer() {
    let mut browser = site(7).await.browser_without_cookies();
    let mut answers = Vec::new();
    for target in [
        "/",
        "/pageCount/?sid=made-up",
        "/nowhere/?sid=made-up",
        "/addItem?sid=made-up",
        "/course.css",
    ] {
        answers.push((format!("GET {target}"), browser.get(target).await));
        answers.push((
            format!("HEAD {target}"),
            browser.send(Method::HEAD, target, None).await,
        ));
    }
    answers.push((
        "POST /addItem/?sid=made-up".to_string(),
        browser
            .post("/addItem/?sid=made-up", &[("name", "x")])
            .await,
    ));
    answers.push((
        "PUT /pageCount/".to_string(),
        browser.send(Method::PUT, "/pageCount/", None).await,
    ));
    for (request, page) in answers {
        assert_eq!(
            page.headers.get(header::REFERRER_POLICY),
            Some(&HeaderValue::from_static("no-referrer")),
            "{request}"
        );
    }
}

/// A request target: one of the chapter's pages, with any query string, or
/// any path at all.
#[derive(Debug, Clone)]
enum Target {
    Page(prop::sample::Index, Option<String>),
    Path(String),
}

proptest! {
    #![proptest_config(config())]

    /// Any request to any chapter (any method, page or path, query string
    /// and `Cookie` header): if the answer is a page, no cache may keep it
    /// (`Cache-Control: no-store`), and a cache must know that it depends on
    /// the cookies (`Vary: Cookie`).
    #[test]
    fn every_page_is_kept_out_of_caches(
        chapter in prop::sample::select(CHAPTERS),
        method in prop::sample::select(vec![
            Method::GET, Method::POST, Method::HEAD, Method::PUT, Method::DELETE, Method::OPTIONS,
        ]),
        target in prop_oneof![
            (any::<prop::sample::Index>(), prop::option::of(hostile_text())).prop_map(|(i, q)| Target::Page(i, q)),
            hostile_text().prop_map(Target::Path),
        ],
        cookie in cookie_header_bytes(),
    ) {
        block_on(async {
            let site = site(chapter).await;
            let target = match target {
                Target::Page(index, query) => {
                    let page = index.get(&pages(&site)).clone();
                    match query {
                        Some(query) => format!("{page}{}sid={}", if page.contains('?') { '&' } else { '?' }, percent_encode(&query)),
                        None => page,
                    }
                }
                Target::Path(path) => format!("/{}/", percent_encode(&path)),
            };
            let cookie = HeaderValue::from_bytes(&cookie).expect("only bytes a header may carry");
            let answer = send_raw(site.router(), method.clone(), &target, &[(header::COOKIE, cookie)], Body::empty()).await;
            prop_assert_sound!(chapter, answer);
            let is_page = answer
                .headers
                .get(header::CONTENT_TYPE)
                .is_some_and(|value| value.as_bytes().starts_with(b"text/html"));
            if is_page {
                let problems = cache_problems(&answer.headers);
                prop_assert!(problems.is_empty(), "{} {}: {:?}", method, target, problems);
            }
            Ok(())
        })?;
    }
}

/// The checks every answer must pass can fail: a sound page passes them,
/// and each mistake they look for, made on purpose, is caught.
#[test]
fn the_checks_catch_what_they_look_for() {
    let page = "<!DOCTYPE html><html lang=\"en\"><body><main><p class=\"x\">a &amp; b</p>\
                <a href=\"/y/?sid=1&amp;q=2\">y</a></main></body></html>";
    let sound_headers = || {
        let mut headers = axum::http::HeaderMap::new();
        for (name, value) in [
            ("content-type", "text/html; charset=utf-8"),
            ("x-content-type-options", "nosniff"),
            (
                "content-security-policy",
                "default-src 'none'; style-src 'self'; form-action 'self'",
            ),
            ("cache-control", "no-store"),
            ("vary", "Cookie"),
            ("referrer-policy", "no-referrer"),
            ("set-cookie", "count=1; HttpOnly; SameSite=Lax; Path=/"),
        ] {
            headers.append(name, HeaderValue::from_static(value));
        }
        headers
    };
    let problems = |chapter, status, headers: &axum::http::HeaderMap, body: &str| {
        crate::page_problems(chapter, status, headers, body)
    };
    assert_eq!(
        problems(7, StatusCode::OK, &sound_headers(), page),
        Vec::<String>::new()
    );

    for body in [
        page.replace("<p class=\"x\">", "<p><script>alert(1)</script>"),
        page.replace("class=\"x\"", "class=\"x\" onclick=\"alert(1)\""),
        page.replace("a &amp; b", "a & b"),
        page.replace("a &amp; b", "a > b"),
        page.replace("href=\"/y/", "href=\"http://evil.example/"),
        page.replace("<main>", "<main"),
    ] {
        assert_ne!(
            problems(1, StatusCode::OK, &sound_headers(), &body),
            Vec::<String>::new(),
            "{body}"
        );
    }
    for (name, bad) in [
        ("x-content-type-options", None),
        (
            "content-security-policy",
            Some("default-src 'none'; style-src 'self' 'unsafe-inline'; form-action 'self'"),
        ),
        ("cache-control", None),
        ("cache-control", Some("max-age=60")),
        ("vary", None),
        ("referrer-policy", None),
        ("set-cookie", Some("count=1; SameSite=Lax; Path=/")),
        ("content-type", Some("text/plain")),
    ] {
        let mut headers = sound_headers();
        headers.remove(name);
        if let Some(bad) = bad {
            headers.insert(name, HeaderValue::from_static(bad));
        }
        assert_ne!(
            problems(7, StatusCode::OK, &headers, page),
            Vec::<String>::new(),
            "{name}: {bad:?}"
        );
    }
    assert_ne!(
        problems(1, StatusCode::INTERNAL_SERVER_ERROR, &sound_headers(), page),
        Vec::<String>::new()
    );
}
