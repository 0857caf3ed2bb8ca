//! Chapter 11: the race lab's buttons, posted by anyone. Whatever token and
//! whatever `sessionid` a post carries, the answer is a sound page, never a
//! server error; only the session's own token adds an apple, to that
//! session's carts; and a made-up session id, even one shaped like a real
//! one, gets no cart in the store.
//!
//! The chapter runs on its default store, SQLite, in a file of these tests'
//! own, in the target directory's folder for tests.

use axum::http::StatusCode;
use chapter_11::{Held, Store};
use proptest::prelude::*;

use crate::{block_on, config, cookie_value, hostile_text, percent_encode, site};

/// The SQLite file every hostile test of chapter 11 uses.
pub(crate) const SQLITE_FILE: &str = concat!(
    env!("CARGO_TARGET_TMPDIR"),
    "/chapter-11-hostile-input.sqlite3"
);

/// The two buttons of the race lab.
const BUTTONS: [&str; 2] = ["/race/record/", "/race/table/"];

/// The apples the lab page shows for each cart, as (record, table).
fn apples(body: &str) -> (String, String) {
    let count = |id: &str| {
        let marker = format!(r#"<strong id="{id}">"#);
        body.split_once(&marker)
            .and_then(|(_, rest)| rest.split_once('<'))
            .map(|(count, _)| count.to_string())
            .unwrap_or_default()
    };
    (count("record-apples"), count("table-apples"))
}

/// A session id as a forger writes it: anything, or the shape of a real one
/// (22 characters of base64url).
fn forged_id() -> impl Strategy<Value = String> {
    prop_oneof![cookie_value(), "[A-Za-z0-9_-]{22}"]
}

proptest! {
    #![proptest_config(config())]

    /// Any token, of a real session or of none, to either button.
    #[test]
    fn chapter_11_only_the_session_s_own_token_adds_an_apple(
        button in prop::sample::select(BUTTONS.to_vec()),
        token in prop_oneof![hostile_text(), Just(String::new())],
        real_session in any::<bool>(),
        forged in forged_id(),
    ) {
        block_on(async {
            let site = site(11).await;
            let mut browser = site.browser();
            let lab = browser.get("/race/").await;
            let before = apples(&lab.body);
            if !real_session {
                browser.set_cookie("sessionid", &forged);
            }
            let body = format!("csrfmiddlewaretoken={}", percent_encode(&token));
            let page = browser
                .send(axum::http::Method::POST, button, Some(body))
                .await;
            prop_assert_sound!(11, page);
            prop_assert_eq!(page.status, StatusCode::FORBIDDEN, "{}", page.body);
            if real_session {
                let lab = browser.get("/race/").await;
                prop_assert_eq!(apples(&lab.body), before);
            }
            Ok(())
        })?;
    }

    /// A made-up id, with a made-up token, leaves nothing in the store.
    #[test]
    fn chapter_11_a_made_up_session_gets_no_cart(id in "[A-Za-z0-9_-]{22}") {
        block_on(async {
            let site = site(11).await;
            let mut browser = site.browser();
            browser.set_cookie("sessionid", &id);
            let page = browser
                .post("/race/table/", &[("csrfmiddlewaretoken", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")])
                .await;
            prop_assert_sound!(11, page);
            prop_assert_eq!(page.status, StatusCode::FORBIDDEN);
            let store = Store::sqlite(SQLITE_FILE, None).await.map_err(TestCaseError::fail)?;
            let held = store.held(&id).await.map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert_eq!(held, Held { record: false, table_cart: false });
            Ok(())
        })?;
    }
}

/// The session's own token adds one apple, to the cart of the button pressed.
#[tokio::test]
async fn chapter_11_the_real_token_adds_to_its_own_cart() {
    let site = site(11).await;
    let mut browser = site.browser();
    let lab = browser.get("/race/").await;
    assert_eq!(apples(&lab.body), ("0".to_string(), "0".to_string()));
    let page = browser.submit(&lab, "/race/table/", &[]).await;
    assert_sound!(11, page);
    assert_eq!(apples(&page.body), ("0".to_string(), "1".to_string()));
    let page = browser.submit(&page, "/race/record/", &[]).await;
    assert_sound!(11, page);
    assert_eq!(apples(&page.body), ("1".to_string(), "1".to_string()));
}
