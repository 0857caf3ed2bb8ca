//! Chapter 8: any value in any of its three cookies. Nothing a client makes
//! up passes the check: the count starts again at 1, the page says why, and
//! the new cookie is one the server made. With the check off
//! (`--no-verify`), a count is believed exactly when what follows the 44
//! characters where a signature belongs is a count: the lab's hole, and
//! nothing more (no panic, no markup).

use axum::http::StatusCode;
use proptest::prelude::*;
use session_course::Site;

use crate::{block_on, config, cookie_value};

/// The three counters: their page and their cookie.
const COUNTERS: [(&str, &str); 3] = [
    ("/signed/", "count"),
    ("/private/", "private_count"),
    ("/stamped/", "stamped_count"),
];

async fn site(options: &[&str]) -> Site {
    // `::chapter_8` is the chapter's crate, not this module of the same name.
    Site::start_with(::chapter_8::CHAPTER, ::chapter_8::app, options).await
}

/// What a forger types: anything, a value shaped like a signed one, a bare
/// count, or a stamped one.
fn forged_value() -> impl Strategy<Value = String> {
    prop_oneof![
        cookie_value(),
        "[A-Za-z0-9+/]{43}=[0-9]{1,5}",
        "[A-Za-z0-9+/]{43}=[0-9]{1,5}:[0-9]{10}",
        "[0-9]{1,25}(:[0-9]{1,12})?",
        "[A-Za-z0-9+/]{40,60}={0,2}",
    ]
}

proptest! {
    #![proptest_config(config())]

    /// A made-up value in any of the three cookies is refused, with a notice,
    /// and answered with a cookie the server made: a count of 1.
    #[test]
    fn chapter_8_a_made_up_cookie_is_never_believed(
        counter in 0..COUNTERS.len(),
        value in forged_value(),
    ) {
        block_on(async {
            let (path, name) = COUNTERS[counter];
            let mut browser = site(&[]).await.browser();
            browser.set_cookie(name, &value);
            let page = browser.get(path).await;
            prop_assert_sound!(8, page);
            prop_assert_eq!(page.status, StatusCode::OK);
            prop_assert_contains!(page.body, "<h1>You have visited this page 1 times</h1>".to_string());
            prop_assert_contains!(page.body, r#"<p class="notice" role="alert">"#.to_string());
            let set = browser.cookie(name).unwrap_or_default().to_string();
            match name {
                // 12 bytes of nonce, 1 of count, 16 of tag: 40 in base64.
                "private_count" => prop_assert_eq!(set.len(), 40, "{}", set),
                "count" => prop_assert_eq!(set.get(44..), Some("1")),
                _ => prop_assert!(set.get(44..).is_some_and(|v| v.starts_with("1:")), "{}", set),
            }
            Ok(())
        })?;
    }

    /// The lab: with `--no-verify`, the signature is cut off and never
    /// compared, so a count is believed whatever the "signature" was.
    #[test]
    fn chapter_8_without_the_check_any_count_is_believed(
        signature in prop_oneof![Just(String::new()), "[A-Za-z0-9+/]{43}="],
        count in prop_oneof![cookie_value(), "[0-9]{1,22}"],
    ) {
        block_on(async {
            let value = format!("{signature}{count}");
            let mut browser = site(&["--no-verify"]).await.browser();
            browser.set_cookie("count", &value);
            let page = browser.get("/signed/").await;
            prop_assert_sound!(8, page);
            prop_assert_contains!(page.body, "Defence off: the signature check".to_string());
            // What follows where a signature would be; all of it if shorter.
            let unsigned = value.get(44..).unwrap_or(&value);
            let digits = !unsigned.is_empty() && unsigned.bytes().all(|b| b.is_ascii_digit());
            let expected = match unsigned.parse::<u64>() {
                Ok(n) if digits && n < u64::MAX => n + 1,
                _ => 1,
            };
            prop_assert_contains!(page.body, format!("<h1>You have visited this page {expected} times</h1>"));
            Ok(())
        })?;
    }
}
