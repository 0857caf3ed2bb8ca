//! Cookies made by hand: any `Cookie` header on any page of any chapter,
//! hundreds of cookies, headers that are not UTF-8, and chapter 3's `count`
//! cookie with any value. The server reads what it can, names in the wire
//! inspector what it cannot, and never fails.

use axum::{
    body::Body,
    http::{HeaderValue, Method, StatusCode, header},
};
use proptest::prelude::*;

use crate::{
    CHAPTERS, block_on, config, cookie_header, cookie_value, escape, hostile_text, pages, send_raw,
    site,
};

// ---------------------------------------------------------------------------
// Chapter 3: the count cookie.
// ---------------------------------------------------------------------------

proptest! {
    #![proptest_config(config())]

    /// Any count cookie: counted on if it is a count this server could have
    /// set (plain digits, nothing else: `+5` or `-1` were edited by
    /// someone), else restarted at 1 with a notice that quotes it.
    #[test]
    fn chapter_3_any_count_cookie_counts_on_or_restarts(
        value in prop_oneof![cookie_value(), "[+-]?[0-9]{1,25}", Just(u64::MAX.to_string())]
    ) {
        block_on(async {
            let mut browser = site(3).await.browser();
            browser.set_cookie("count", &value);
            let page = browser.get("/countView/").await;
            prop_assert_sound!(3, page);
            prop_assert_eq!(page.status, StatusCode::OK);
            let plain_digits = !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit());
            let (count, notice) = match value.parse::<u64>() {
                Ok(n) if plain_digits && n < u64::MAX => (n + 1, None),
                Ok(_) if plain_digits => (1, Some("already at the largest number a u64 can hold".to_string())),
                _ => (1, Some(escape(&format!("Your browser sent count={value:?}, which is not a count")))),
            };
            prop_assert_contains!(page.body, format!("<h1>You have visited this page {count} times</h1>"));
            match notice {
                Some(notice) => prop_assert!(page.body.contains(&notice), "{}", notice),
                None => prop_assert!(!page.body.contains("class=\"notice\" role=\"alert\"")),
            }
            prop_assert_eq!(browser.cookie("count").map(str::to_string), Some(count.to_string()));
            Ok(())
        })?;
    }
}

#[tokio::test]
async fn chapter_3_count_cookies_quoted_escaped_or_huge() {
    let site = site(3).await;
    for (cookie, count, notice) in [
        // Quotes are part of the value: not a count.
        ("count=\"5\"", 1, true),
        // The server decodes %-escapes: %35 is "5".
        ("count=%35", 6, false),
        // A broken escape is kept as it is: not a count.
        ("count=5%", 1, true),
        // Spaces around the value are trimmed (by the cookie parser).
        ("count= 5 ", 6, false),
        // A sign: a number, but not one this server writes.
        ("count=+5", 1, true),
        ("count=-1", 1, true),
        // Two count cookies: the last one wins.
        ("count=1; count=7", 8, false),
        ("count=1,2", 1, true),
        ("count=", 1, true),
    ] {
        let page = send_raw(
            site.router(),
            Method::GET,
            "/countView/",
            &[cookie_header(cookie)],
            Body::empty(),
        )
        .await;
        assert_sound!(3, page);
        assert!(
            page.body.contains(&format!("this page {count} times")),
            "{cookie}: {}",
            page.body
        );
        assert_eq!(
            page.body.contains("not a count this server"),
            notice,
            "{cookie}"
        );
    }

    // A huge cookie: answered, and quoted back escaped.
    let huge = format!("count={}", "9".repeat(8000));
    let page = send_raw(
        site.router(),
        Method::GET,
        "/countView/",
        &[cookie_header(&huge)],
        Body::empty(),
    )
    .await;
    assert_sound!(3, page);
    assert!(page.body.contains("this page 1 times"));
    assert!(page.body.contains("not a count this server"));
}

#[tokio::test]
async fn cookies_the_server_cannot_read_are_named_in_the_inspector() {
    let site = site(3).await;
    // Bytes that are not UTF-8: the server's cookie parser skips the whole
    // header, so the count restarts, and the inspector says why.
    let latin1 = HeaderValue::from_bytes(b"count=5\xe9; other=1").unwrap();
    let page = send_raw(
        site.router(),
        Method::GET,
        "/countView/",
        &[(header::COOKIE, latin1)],
        Body::empty(),
    )
    .await;
    assert_sound!(3, page);
    assert!(page.body.contains("this page 1 times"));
    assert!(
        page.body
            .contains("The server cannot read <code>count</code>, <code>other</code>"),
        "{}",
        page.body
    );

    // A %-escape that decodes to bytes that are not UTF-8, and a pair
    // without `=`: those two are skipped, the others read.
    let page = send_raw(
        site.router(),
        Method::GET,
        "/countView/",
        &[cookie_header("count=%FF; lonely; good=1")],
        Body::empty(),
    )
    .await;
    assert_sound!(3, page);
    assert!(
        page.body
            .contains("The server cannot read <code>count</code>, <code>lonely</code>:")
    );
    assert!(!page.body.contains("<code>good</code>:"));

    // Readable cookies get no such note.
    let page = send_raw(
        site.router(),
        Method::GET,
        "/countView/",
        &[cookie_header("count=2")],
        Body::empty(),
    )
    .await;
    assert!(!page.body.contains("The server cannot read"));
}

// ---------------------------------------------------------------------------
// Any Cookie header, on every page of every chapter.
// ---------------------------------------------------------------------------

/// The bytes of a `Cookie` header: pieces of cookies the course knows, and
/// any byte an HTTP header may carry, UTF-8 or not.
pub(crate) fn cookie_header_bytes() -> impl Strategy<Value = Vec<u8>> {
    let piece = prop_oneof![
        prop::sample::select(vec![
            "count=",
            "sessionid=",
            "cookietest=",
            "csrftoken=",
            "cart_",
            "cart_YXBwbGU=",
            "=",
            "; ",
            ";",
            "\"",
            "%",
            "%FF",
            "%3B",
            ",",
            " ",
        ])
        .prop_map(|piece| piece.as_bytes().to_vec()),
        prop::collection::vec(prop_oneof![Just(b'\t'), 0x20u8..0x7f, 0x80u8..=0xff], 1..6),
        hostile_text().prop_map(|text| text
            .bytes()
            .filter(|b| *b == b'\t' || (*b >= 0x20 && *b != 0x7f))
            .collect()),
    ];
    prop::collection::vec(piece, 0..12).prop_map(|pieces| pieces.concat())
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn any_cookie_header_on_any_page_is_answered(
        chapter in prop::sample::select(CHAPTERS),
        page_index in any::<prop::sample::Index>(),
        bytes in cookie_header_bytes(),
    ) {
        let value = HeaderValue::from_bytes(&bytes).expect("only bytes a header may carry");
        block_on(async {
            let site = site(chapter).await;
            let target = page_index.get(&pages(&site)).clone();
            let page = send_raw(site.router(), Method::GET, &target, &[(header::COOKIE, value)], Body::empty()).await;
            prop_assert_sound!(chapter, page);
            prop_assert_eq!(page.status, StatusCode::OK, "{}", target);
            // A header that is not UTF-8 is skipped whole, and the inspector
            // names what it skipped.
            if std::str::from_utf8(&bytes).is_err() {
                prop_assert!(page.body.contains("The server cannot read"));
            }
            Ok(())
        })?;
    }
}

#[tokio::test]
async fn many_cookies_are_answered() {
    let many: Vec<String> = (0..500).map(|i| format!("c{i}={i}")).collect();
    let header = many.join("; ");
    for &chapter in CHAPTERS {
        let site = site(chapter).await;
        let pages = pages(&site);
        assert!(!pages.is_empty(), "chapter {chapter} lists no page");
        for target in pages {
            let page = send_raw(
                site.router(),
                Method::GET,
                &target,
                &[cookie_header(&header)],
                Body::empty(),
            )
            .await;
            assert_sound!(chapter, page);
            assert_eq!(page.status, StatusCode::OK, "{chapter} {target}");
        }
    }
}
