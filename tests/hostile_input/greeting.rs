//! Chapter 1: the name in the query string. Any name is greeted (escaped)
//! or refused with the reason; any query string at all gets a page, or a
//! clear 400 page.

use axum::{
    body::Body,
    http::{Method, StatusCode},
};
use proptest::prelude::*;

use crate::{block_on, config, escape, hostile_text, percent_encode, send_raw, site};

proptest! {
    #![proptest_config(config())]

    /// Any name is greeted, escaped, or refused with the reason.
    #[test]
    fn chapter_1_any_name_is_greeted_or_refused(name in hostile_text()) {
        block_on(async {
            let mut browser = site(1).await.browser();
            let page = browser.get(&format!("/hello/?name={}", percent_encode(&name))).await;
            prop_assert_sound!(1, page);
            prop_assert_eq!(page.status, StatusCode::OK);
            let trimmed = name.trim();
            let refusal = if trimmed.is_empty() {
                Some("Please type a name.".to_string())
            } else if trimmed.chars().count() > chapter_1::MAX_NAME_CHARS {
                Some(format!("A name can be at most {} characters.", chapter_1::MAX_NAME_CHARS))
            } else if trimmed.chars().any(char::is_control) {
                Some("A name cannot contain control characters.".to_string())
            } else {
                None
            };
            match refusal {
                Some(message) => {
                    prop_assert_contains!(page.body, format!("role=\"alert\">{message}</span>"));
                    prop_assert_contains!(page.body, format!("value=\"{}\"", escape(&name)));
                }
                None => prop_assert_contains!(page.body, format!("<h1>Hello, {}!</h1>", escape(trimmed))),
            }
            Ok(())
        })?;
    }

    /// Any query string at all, `%`-escapes broken or not, fields repeated
    /// or not: a page, or a clear 400 page.
    #[test]
    fn chapter_1_any_query_string_is_answered(query in "[a-z=&%+;,?/'0-9A-F.~!$()*@:-]{0,40}") {
        // Every character above may stand in a URL's query string.
        let target = format!("/hello/?{query}");
        block_on(async {
            let page = send_raw(site(1).await.router(), Method::GET, &target, &[], Body::empty()).await;
            prop_assert_sound!(1, page);
            prop_assert!(page.status == StatusCode::OK || page.status == StatusCode::BAD_REQUEST, "{}", page.status);
            if page.status == StatusCode::BAD_REQUEST {
                prop_assert!(page.body.contains("could not be read"));
            }
            Ok(())
        })?;
    }
}

#[tokio::test]
async fn chapter_1_a_repeated_name_gets_a_clear_400_page() {
    let page = send_raw(
        site(1).await.router(),
        Method::GET,
        "/hello/?name=a&name=b",
        &[],
        Body::empty(),
    )
    .await;
    assert_sound!(1, page);
    assert_eq!(page.status, StatusCode::BAD_REQUEST);
    assert!(
        page.body.contains("could not read this URL's query string"),
        "{}",
        page.body
    );
}
