//! Request bodies no form sends: bodies that are not forms, that repeat a
//! field, that hold broken `%`-escapes or bytes that are not UTF-8, that are
//! past the course's size limit, and any form body at all, to every cart
//! form. Each gets a clear page (400, 413, 422), and the cart stays as it
//! was.

use axum::http::{Method, StatusCode};
use course_kit::BODY_LIMIT;
use proptest::prelude::*;

use crate::{
    CART_CHAPTERS, FORM, block_on, config, hostile_text, percent_encode, send_raw,
    shopper::shopper, site,
};

#[tokio::test]
async fn bodies_that_are_not_forms_get_a_clear_400_page() {
    for &chapter in CART_CHAPTERS {
        let mut shopper = shopper(chapter).await;
        let fields = format!("name=pear&quantity=1&csrfmiddlewaretoken={}", shopper.token);
        for content_type in [
            None,
            Some("text/plain"),
            Some("application/json"),
            Some("multipart/form-data; boundary=x"),
        ] {
            let answer = shopper
                .post("/addItem/", content_type, fields.clone())
                .await;
            assert_eq!(
                answer.status,
                StatusCode::BAD_REQUEST,
                "{chapter} {content_type:?}"
            );
            assert!(answer.body.contains("The form could not be read"));
            assert!(answer.body.contains("Nothing was changed."));
        }
        shopper.assert_cart_unchanged().await;
    }
}

#[tokio::test]
async fn repeated_fields_get_a_clear_400_page() {
    for &chapter in CART_CHAPTERS {
        let mut shopper = shopper(chapter).await;
        let token = shopper.token.clone();
        for body in [
            format!("name=pear&name=plum&quantity=1&csrfmiddlewaretoken={token}"),
            format!("name=pear&quantity=1&quantity=2&csrfmiddlewaretoken={token}"),
            format!("name=pear&quantity=1&csrfmiddlewaretoken={token}&csrfmiddlewaretoken={token}"),
        ] {
            let answer = shopper.post("/addItem/", Some(FORM), body.clone()).await;
            assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{chapter} {body}");
            assert!(answer.body.contains("duplicate field"), "{}", answer.body);
        }
        shopper.assert_cart_unchanged().await;
    }
}

#[tokio::test]
async fn broken_percent_escapes_are_read_as_text() {
    for &chapter in CART_CHAPTERS {
        let mut shopper = shopper(chapter).await;
        let token = shopper.token.clone();
        // `%ZZ` and a lone `%` stay as typed; `%FF` is not UTF-8 and becomes
        // U+FFFD. The quantity is then no number: refused, and said why.
        let body = format!("name=%ZZ%25%FF%&quantity=%FF1&csrfmiddlewaretoken={token}");
        let answer = shopper.post("/addItem/", Some(FORM), body).await;
        assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY, "{chapter}");
        assert!(answer.body.contains("Enter a whole number."));
        assert!(
            answer.body.contains("value=\"%ZZ%\u{fffd}%\""),
            "{}",
            answer.body
        );
        // Raw bytes that are not UTF-8 in the body: the same.
        let mut body = b"name=plum&quantity=1\xff&csrfmiddlewaretoken=".to_vec();
        body.extend_from_slice(token.as_bytes());
        let answer = shopper.post("/addItem/", Some(FORM), body).await;
        assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY, "{chapter}");
        shopper.assert_cart_unchanged().await;
    }
}

#[tokio::test]
async fn bodies_past_the_limit_get_a_clear_413_page() {
    for &chapter in CART_CHAPTERS {
        let mut shopper = shopper(chapter).await;
        let start = format!("csrfmiddlewaretoken={}&quantity=1&name=", shopper.token);

        // At the limit exactly, the form is read (and the long name refused).
        let at_limit = format!("{start}{}", "x".repeat(BODY_LIMIT - start.len()));
        let answer = shopper.post("/addItem/", Some(FORM), at_limit).await;
        assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY, "{chapter}");
        assert!(answer.body.contains("Ensure this value has at most"));

        // One byte more, and it is refused unread, with a page that says so.
        let past = format!("{start}{}", "x".repeat(BODY_LIMIT + 1 - start.len()));
        let answer = shopper.post("/addItem/", Some(FORM), past).await;
        assert_eq!(answer.status, StatusCode::PAYLOAD_TOO_LARGE, "{chapter}");
        assert!(
            answer.body.contains(&format!(
                "larger than the {BODY_LIMIT} bytes this course accepts"
            )),
            "{}",
            answer.body
        );
        // The page still has the wire inspector.
        assert!(answer.body.contains("Wire inspector"));
        shopper.assert_cart_unchanged().await;
    }

    // A large body that is not a form: chapters 4 and 6 never read it
    // (their forms refuse the content type); chapter 7 reads every body for
    // a hidden sid, and refuses it past the limit.
    let big = vec![b'x'; BODY_LIMIT + 1];
    for (chapter, status) in [
        (4, StatusCode::BAD_REQUEST),
        (6, StatusCode::BAD_REQUEST),
        (7, StatusCode::PAYLOAD_TOO_LARGE),
    ] {
        let mut shopper = shopper(chapter).await;
        let answer = shopper
            .post("/addItem/", Some("text/plain"), big.clone())
            .await;
        assert_eq!(answer.status, status, "{chapter}");
        shopper.assert_cart_unchanged().await;
    }
    let answer = send_raw(
        site(7).await.router(),
        Method::GET,
        "/pageCount/",
        &[],
        vec![b'x'; BODY_LIMIT + 1],
    )
    .await;
    assert_sound!(7, answer);
    assert_eq!(answer.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(answer.body.contains("Request too large"));
    // Refused unread: no cookie, no session.
    assert!(answer.headers.get_all("set-cookie").iter().next().is_none());
}

// ---------------------------------------------------------------------------
// Any form body, to every form of the course.
// ---------------------------------------------------------------------------

/// Every cart form: the chapter and the path it posts to.
const CART_FORMS: &[(u8, &str)] = &[
    (4, "/addItem/"),
    (6, "/addItem/"),
    (6, "/removeItem/"),
    (6, "/emptyCart/"),
    (7, "/addItem/"),
    (11, "/addItem/"),
    (11, "/race/record/"),
    (11, "/race/table/"),
];

/// A form body: fields the forms know, and others, with any values, some
/// `%`-escaped and some raw.
fn form_body() -> impl Strategy<Value = Vec<(String, String, bool)>> {
    let field = prop_oneof![
        prop::sample::select(vec![
            "name",
            "quantity",
            "csrfmiddlewaretoken",
            "sid",
            "other"
        ])
        .prop_map(String::from),
        hostile_text(),
    ];
    prop::collection::vec((field, hostile_text(), any::<bool>()), 0..6)
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn any_form_body_to_any_form_is_answered(
        form in prop::sample::select(CART_FORMS),
        fields in form_body(),
        with_token in any::<bool>(),
    ) {
        let (chapter, path) = form;
        block_on(async {
            let mut shopper = shopper(chapter).await;
            let mut body = fields
                .iter()
                .map(|(name, value, escaped)| {
                    if *escaped {
                        format!("{}={}", percent_encode(name), percent_encode(value))
                    } else {
                        format!("{name}={value}")
                    }
                })
                .collect::<Vec<_>>()
                .join("&");
            if with_token {
                body.push_str(&format!("&csrfmiddlewaretoken={}", shopper.token));
            }
            let answer = shopper.post(path, Some(FORM), body).await;
            prop_assert!(
                [200, 400, 403, 422].contains(&answer.status.as_u16()),
                "{}", answer.status
            );
            if answer.status != StatusCode::OK {
                // Chapter 7 sets no cookie at all on an answer that refuses.
                if chapter == 7 {
                    prop_assert!(answer.headers.get_all("set-cookie").iter().next().is_none());
                }
                shopper.assert_cart_unchanged().await;
            }
            Ok(())
        })?;
    }
}
