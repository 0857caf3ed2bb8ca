//! Chapter 5: the count lives in the session. It goes 1, 2, 3 while the
//! browser returns the session cookie, stays at 1 without cookies, and starts
//! again when the server no longer has the record.

use axum::http::Method;
use session_course::{Browser, Site, snapshot};

#[tokio::test]
async fn the_count_goes_up_in_the_session() {
    let mut browser = Browser::open(chapter_5::CHAPTER, chapter_5::app).await;
    let mut first_id = None;
    for expected in 1..=3 {
        let page = browser.get("/pageCount/").await;
        assert_eq!(page.status, 200);
        assert!(
            page.main_text().contains(&format!("Count: {expected}")),
            "{}",
            page.main_text()
        );
        assert!(
            page.main_text()
                .contains("Session expiry Time in seconds: 300")
        );
        let set = page
            .set_cookie("sessionid")
            .expect("every visit renews the cookie");
        assert!(
            set.contains("Max-Age=300") && set.contains("HttpOnly") && set.contains("SameSite=Lax")
        );
        assert!(!set.contains("Secure"));
        // The cookie carries the id only; the count is in the record on the server.
        assert!(!set.contains(&format!("={expected};")));
        assert!(
            page.inspector_text()
                .contains(&format!("count | {expected}"))
        );
        let id = browser.cookie("sessionid").unwrap().to_string();
        assert_eq!(
            first_id.get_or_insert(id.clone()),
            &id,
            "the id stays the same"
        );
        snapshot!(format!("visit_{expected}"), page.snapshot());
        if expected == 2 {
            // The whole page, layout and wire inspector included: the
            // inspector is the point here, only the id crosses the wire and
            // the count stays in the record on the server.
            snapshot!("full_page", page.full_snapshot());
        }
    }
}

#[tokio::test]
async fn without_cookies_every_visit_is_the_first() {
    let mut browser = Site::start(chapter_5::CHAPTER, chapter_5::app)
        .await
        .browser_without_cookies();
    let mut ids = std::collections::BTreeSet::new();
    for _ in 0..3 {
        let page = browser.get("/pageCount/").await;
        assert!(page.main_text().contains("Count: 1"));
        ids.insert(page.set_cookie("sessionid").unwrap());
    }
    assert_eq!(ids.len(), 3, "each request starts a new session");
    let page = browser.get("/pageCount/").await;
    snapshot!("cookies_off", page.snapshot());
}

#[tokio::test]
async fn an_unknown_session_id_starts_again_at_one() {
    // What a browser sees after the server restarted: its old id is unknown.
    let mut browser = Browser::open(chapter_5::CHAPTER, chapter_5::app).await;
    browser.get("/pageCount/").await;
    let old = browser.cookie("sessionid").unwrap().to_string();

    let mut restarted = Browser::open(chapter_5::CHAPTER, chapter_5::app).await;
    restarted.set_cookie("sessionid", &old);
    let page = restarted.get("/pageCount/").await;
    assert!(page.main_text().contains("Count: 1"));
    assert_ne!(
        restarted.cookie("sessionid"),
        Some(old.as_str()),
        "a new id, never the old one"
    );

    let mut forged = Browser::open(chapter_5::CHAPTER, chapter_5::app).await;
    forged.set_cookie("sessionid", "AAAAAAAAAAAAAAAAAAAAAA");
    let page = forged.get("/pageCount/").await;
    assert!(page.main_text().contains("Count: 1"));
    assert_ne!(forged.cookie("sessionid"), Some("AAAAAAAAAAAAAAAAAAAAAA"));
}

/// The chapter's key requests as `curl -i` shows them, for the book's
/// "The exchange, as curl sees it" (`book/src/chapter-5.md` includes the
/// snapshot).
#[tokio::test]
async fn transcript() {
    let mut browser = Browser::open(chapter_5::CHAPTER, chapter_5::app).await;
    let mut exchanges = Vec::new();
    let needles = ["Count:", "Session expiry Time in seconds"];

    for expected in 1..=3 {
        let page = browser.get("/pageCount/").await;
        assert!(page.main_text().contains(&format!("Count: {expected}")));
        exchanges.push(page.transcript(&needles));
    }

    // What the browser meets after a restart: an id the server does not know.
    // The server does not adopt it; it starts a new session under a new id.
    let unknown = "AAAAAAAAAAAAAAAAAAAAAA";
    browser.set_cookie("sessionid", unknown);
    let page = browser.get("/pageCount/").await;
    assert!(page.main_text().contains("Count: 1"));
    assert_ne!(browser.cookie("sessionid"), Some(unknown));
    exchanges.push(page.transcript(&needles));

    let text = exchanges.join("\n");
    snapshot!("transcript", text);
}

/// The request log's lines that the book's "Try it" steps quote, one
/// snapshot per step (`log_1` is step 1), from the kit's own code.
#[tokio::test]
async fn log_lines() {
    let mut browser = Browser::open(chapter_5::CHAPTER, chapter_5::app).await;

    // 1. The first visit: a new session, and its cookie.
    let first = browser.get("/pageCount/").await;
    assert!(first.log_line().contains("Set-Cookie: sessionid="));
    snapshot!("log_1", first.book_log_line());

    // 2. A reload: the same id goes up and comes back, renewed.
    let second = browser.get("/pageCount/").await;
    assert!(second.main_text().contains("Count: 2"));
    snapshot!("log_2", second.book_log_line());

    // 7. `curl -I`: HEAD is answered by the kit, without the chapter's
    // code, so no session begins and no cookie is set.
    let mut curl = Site::start(chapter_5::CHAPTER, chapter_5::app)
        .await
        .browser_without_cookies();
    let head = curl.send(Method::HEAD, "/pageCount/", None).await;
    assert_eq!(head.status, 200);
    assert!(head.set_cookies().is_empty(), "HEAD starts no session");
    snapshot!("log_7", head.book_log_line());
}
