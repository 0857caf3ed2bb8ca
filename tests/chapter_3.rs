//! Chapter 3: the counter goes 1, 2, 3 while the browser returns the cookie,
//! and a cookie that is not a count restarts it at 1 with a notice.

use axum::http::Method;
use session_course::{Browser, Site, snapshot};

#[tokio::test]
async fn the_count_goes_up_on_every_visit() {
    let mut browser = Browser::open(chapter_3::CHAPTER, chapter_3::app).await;
    for expected in 1..=3 {
        let page = browser.get("/countView/").await;
        assert_eq!(page.status, 200);
        assert!(
            page.main_text()
                .contains(&format!("You have visited this page {expected} times")),
            "visit {expected}: {}",
            page.main_text()
        );
        assert_eq!(browser.cookie("count"), Some(expected.to_string().as_str()));
        snapshot!(format!("visit_{expected}"), page.snapshot());
        if expected == 2 {
            // The whole page, layout and wire inspector included: the
            // inspector is the point here, the cookie sent and the one set.
            snapshot!("full_page", page.full_snapshot());
        }
    }
}

#[tokio::test]
async fn without_cookies_the_count_stays_at_one() {
    let mut browser = Site::start(chapter_3::CHAPTER, chapter_3::app)
        .await
        .browser_without_cookies();
    for _ in 0..3 {
        let page = browser.get("/countView/").await;
        assert!(
            page.main_text()
                .contains("You have visited this page 1 times")
        );
    }
}

#[tokio::test]
async fn a_bad_count_cookie_restarts_at_one() {
    for bad in ["abc", "-1", "18446744073709551616", "", "1.5", "%20"] {
        let mut browser = Browser::open(chapter_3::CHAPTER, chapter_3::app).await;
        browser.set_cookie("count", bad);
        let page = browser.get("/countView/").await;
        assert_eq!(page.status, 200, "count={bad:?} must not fail");
        assert!(
            page.main_text()
                .contains("You have visited this page 1 times"),
            "count={bad:?}"
        );
        assert!(
            page.main_text().contains("starts again at 1"),
            "count={bad:?} gets a notice"
        );
        assert_eq!(browser.cookie("count"), Some("1"));
        if bad == "abc" {
            snapshot!("bad_cookie_abc", page.snapshot());
        }
    }
}

#[tokio::test]
async fn the_largest_count_wraps_to_one_with_a_notice() {
    let mut browser = Browser::open(chapter_3::CHAPTER, chapter_3::app).await;
    browser.set_cookie("count", &u64::MAX.to_string());
    let page = browser.get("/countView/").await;
    assert!(page.main_text().contains("largest number"));
    assert_eq!(browser.cookie("count"), Some("1"));
}

#[test]
fn previous_count_reads_every_value() {
    use chapter_3::PreviousCount;
    assert_eq!(PreviousCount::from_cookie(None), PreviousCount::FirstVisit);
    assert_eq!(
        PreviousCount::from_cookie(Some("41")),
        PreviousCount::Count(41)
    );
    assert_eq!(
        PreviousCount::from_cookie(Some("-1")),
        PreviousCount::Unreadable("-1".into())
    );
}

#[tokio::test]
async fn the_path_without_slash_redirects() {
    let mut browser = Browser::open(chapter_3::CHAPTER, chapter_3::app).await;
    let page = browser.get("/countView").await;
    assert_eq!(page.status, 307);
    assert_eq!(page.location(), Some("/countView/"));
    let root = browser.get("/").await;
    assert_eq!(root.location(), Some("/countView/"));
}

// ANCHOR: transcript
/// The book's "as curl sees it" section for chapter 3: three visits, each
/// sending back the count the last one set; then a count edited by hand.
#[tokio::test]
async fn transcript() {
    let mut browser = Browser::open(chapter_3::CHAPTER, chapter_3::app).await;
    let mut text = Vec::new();
    for _ in 0..3 {
        let visit = browser.get("/countView/").await;
        text.push(visit.transcript(&["You have visited"]));
    }
    browser.set_cookie("count", "abc");
    let edited = browser.get("/countView/").await;
    text.push(format!(
        "# The cookie edited by hand (developer tools) to count=abc:\n{}",
        edited.transcript(&["starts again", "You have visited"])
    ));
    let text = text.join("\n");
    snapshot!("transcript", text);
}
// ANCHOR_END: transcript

#[tokio::test]
async fn a_post_to_the_counter_gets_a_clear_405_page() {
    let mut browser = Browser::open(chapter_3::CHAPTER, chapter_3::app).await;
    let page = browser.post("/countView/", &[("count", "5")]).await;
    assert_eq!(page.status, 405);
    assert!(
        page.main_text()
            .contains("/countView/ does not answer POST requests.")
    );
    assert!(page.set_cookies().is_empty(), "nothing is counted");
}

/// The request log's lines that the book's "Try it" steps quote, one
/// snapshot per step (`log_1` is step 1), from the kit's own code.
#[tokio::test]
async fn log_lines() {
    let mut browser = Browser::open(chapter_3::CHAPTER, chapter_3::app).await;

    // 1. The first visit.
    let first = browser.get("/countView/").await;
    snapshot!("log_1", first.book_log_line());

    // 2. Reload, twice: each request carries the count the last one set.
    let second = browser.get("/countView/").await;
    let third = browser.get("/countView/").await;
    assert!(third.log_line().contains("Cookie: count=2 | 200 OK"));
    snapshot!(
        "log_2",
        [second.book_log_line(), third.book_log_line()].join("\n")
    );

    // 3. The cookie edited by hand to abc.
    browser.set_cookie("count", "abc");
    let edited = browser.get("/countView/").await;
    assert!(edited.main_text().contains("starts again at 1"));
    snapshot!("log_3", edited.book_log_line());

    // 4. Cheating: the cookie set to 999, and believed.
    browser.set_cookie("count", "999");
    let cheat = browser.get("/countView/").await;
    assert!(cheat.main_text().contains("visited this page 1000 times"));
    snapshot!("log_4", cheat.book_log_line());

    // 5. `curl -I` with a count: HEAD is answered by the kit, which runs
    // none of the chapter's code, so nothing is counted and no cookie set.
    let mut curl = Browser::open(chapter_3::CHAPTER, chapter_3::app).await;
    curl.set_cookie("count", "5");
    let head = curl.send(Method::HEAD, "/countView/", None).await;
    assert_eq!(head.status, 200);
    assert!(head.set_cookies().is_empty(), "HEAD counts nothing");
    snapshot!("log_5", head.book_log_line());
}
