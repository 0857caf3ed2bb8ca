//! Forms that say they come from another site. A browser names the page a
//! request comes from in `Origin` and `Sec-Fetch-Site`; chapter 4, whose
//! CSRF token is a cookie that any server on 127.0.0.1 could set, refuses a
//! post from another origin before it reads the token, whatever the form
//! carries. (Chapter 7's refusal of a cross-site session id is in
//! `sessions.rs`.)

use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use proptest::prelude::*;

use crate::{FORM, block_on, config, shopper::shopper};

/// The host the test requests name: chapter 4 on its default port.
const HOST: &str = "127.0.0.1:3004";

/// `Origin` values: none, this server's own, and others.
const ORIGINS: &[Option<&str>] = &[
    None,
    Some("http://127.0.0.1:3004"),
    Some("http://127.0.0.1:3005"),
    Some("http://localhost:3004"),
    Some("http://evil.example"),
    Some("null"),
    Some(""),
];

/// `Sec-Fetch-Site` values: none, and every value browsers send.
const SEC_FETCH_SITES: &[Option<&str>] = &[
    None,
    Some("same-origin"),
    Some("none"),
    Some("same-site"),
    Some("cross-site"),
];

/// Whether a request to `host` comes from a page of another origin, worked
/// out here from what the headers mean:
/// - `Sec-Fetch-Site` other than `same-origin` (this site's own page) or
///   `none` (an address typed or bookmarked): the browser says so;
/// - else an `Origin` other than this server's own (`http://` or `https://`
///   and the host the request names). `Origin: null` counts as another
///   origin only when no `Sec-Fetch-Site` came with it: a page with
///   `Referrer-Policy: no-referrer`, as chapter 7's, makes the browser send
///   `null` even for the site's own forms, and `Sec-Fetch-Site` has then
///   already said where the form came from.
///
/// A request with neither header comes from no page at all (curl, a
/// script), which cannot carry a visitor's cookies: it is not refused.
pub(crate) fn from_another_origin(
    host: Option<&str>,
    origin: Option<&str>,
    sec_fetch_site: Option<&str>,
) -> bool {
    if sec_fetch_site.is_some_and(|site| site != "same-origin" && site != "none") {
        return true;
    }
    match origin {
        None => false,
        Some("null") => sec_fetch_site.is_none(),
        Some(origin) => host.is_none_or(|host| {
            origin != format!("http://{host}") && origin != format!("https://{host}")
        }),
    }
}

proptest! {
    #![proptest_config(config())]

    /// A post to chapter 4 with the shopper's own cookies and token: added
    /// if it comes from this site's page (or from no page at all, as curl's
    /// does), refused with 403 and the cart unchanged if it comes from
    /// another origin.
    #[test]
    fn chapter_4_refuses_a_post_from_another_origin(
        origin in prop::sample::select(ORIGINS),
        sec_fetch_site in prop::sample::select(SEC_FETCH_SITES),
        with_host in any::<bool>(),
    ) {
        block_on(async {
            let mut shopper = shopper(4).await;
            let mut headers: Vec<(HeaderName, HeaderValue)> = Vec::new();
            if with_host {
                headers.push((header::HOST, HeaderValue::from_static(HOST)));
            }
            if let Some(origin) = origin {
                headers.push((header::ORIGIN, HeaderValue::from_static(origin)));
            }
            if let Some(site) = sec_fetch_site {
                headers.push((HeaderName::from_static("sec-fetch-site"), HeaderValue::from_static(site)));
            }
            let body = format!("name=pear&quantity=1&csrfmiddlewaretoken={}", shopper.token);
            let answer = shopper.post_with_headers("/addItem/", Some(FORM), &headers, body).await;
            let other = from_another_origin(with_host.then_some(HOST), origin, sec_fetch_site);
            if other {
                prop_assert_eq!(answer.status, StatusCode::FORBIDDEN);
                prop_assert!(answer.body.contains("another origin"), "{}", answer.body);
                prop_assert!(answer.headers.get_all(header::SET_COOKIE).iter().next().is_none());
                shopper.assert_cart_unchanged().await;
            } else {
                prop_assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
                prop_assert_eq!(shopper.cart_cookies_set().len(), 1);
                prop_assert!(shopper.cart_cookies_set()[0].starts_with(&chapter_4::cart_cookie_name("pear")));
            }
            Ok(())
        })?;
    }
}
