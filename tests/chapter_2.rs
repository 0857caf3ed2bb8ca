//! Chapter 2: the test cookie works when the browser sends cookies back,
//! works only once (the check deletes it), and never works without cookies.

use session_course::{Browser, Site, snapshot};

#[tokio::test]
async fn the_test_cookie_works_once() {
    let mut browser = Browser::open(chapter_2::CHAPTER, chapter_2::app).await;

    let home = browser.get("/home/").await;
    assert_eq!(home.status, 200);
    assert!(home.main_text().contains("Set test cookie"));
    let set = home
        .set_cookie("sessionid")
        .expect("home sets the session cookie");
    assert!(set.contains("HttpOnly") && set.contains("SameSite=Lax") && !set.contains("Secure"));
    assert!(
        home.inspector_text().contains("\"worked\""),
        "the inspector shows the session record"
    );
    snapshot!("1_home", home.snapshot());

    let worked = browser.click(&home, "go to page 2").await;
    assert!(worked.main_text().contains("Test cookie worked"));
    let session_id = browser
        .cookie("sessionid")
        .expect("the session and its cookie remain")
        .to_string();
    assert!(
        !worked.inspector_text().contains("testcookie"),
        "the mark is gone from the record"
    );
    snapshot!("2_page2_worked", worked.snapshot());
    // One whole page, layout and wire inspector included, keeps them locked.
    snapshot!("full_page", worked.full_snapshot());

    let again = browser.get("/page2/").await;
    assert!(again.main_text().contains("Test cookie did not work"));
    assert!(again.main_text().contains("You already checked"));
    assert_eq!(
        again.cookie_sent.as_deref(),
        Some(format!("sessionid={session_id}").as_str())
    );
    assert!(
        again.set_cookies().is_empty(),
        "an unchanged session is not saved again"
    );
    snapshot!("3_page2_again", again.snapshot());
}

#[tokio::test]
async fn page2_first_does_not_work() {
    let mut browser = Browser::open(chapter_2::CHAPTER, chapter_2::app).await;
    let page = browser.get("/page2/").await;
    assert!(page.main_text().contains("Test cookie did not work"));
    assert!(page.set_cookies().is_empty(), "checking creates no session");
}

#[tokio::test]
async fn without_cookies_the_test_cookie_never_works() {
    let mut browser = Site::start(chapter_2::CHAPTER, chapter_2::app)
        .await
        .browser_without_cookies();
    let home = browser.get("/home/").await;
    assert!(
        home.set_cookie("sessionid").is_some(),
        "the server still offers the cookie"
    );
    let page2 = browser.get("/page2/").await;
    assert_eq!(page2.cookie_sent, None);
    assert!(page2.main_text().contains("Test cookie did not work"));
    snapshot!("4_page2_cookies_off", page2.snapshot());
}

#[tokio::test]
async fn a_forged_session_id_finds_nothing() {
    let mut browser = Browser::open(chapter_2::CHAPTER, chapter_2::app).await;
    browser.set_cookie("sessionid", "not-a-real-id");
    let page = browser.get("/page2/").await;
    assert_eq!(page.status, 200);
    assert!(page.main_text().contains("Test cookie did not work"));
}

/// The book's "as curl sees it" section for chapter 2: set the mark, find
/// it, find it gone; then a client that sends no cookie back.
#[tokio::test]
async fn transcript() {
    let mut browser = Browser::open(chapter_2::CHAPTER, chapter_2::app).await;
    let home = browser.get("/home/").await;
    let worked = browser.click(&home, "go to page 2").await;
    let again = browser.get("/page2/").await;
    let mut refuses = Site::start(chapter_2::CHAPTER, chapter_2::app)
        .await
        .browser_without_cookies();
    refuses.get("/home/").await;
    let never = refuses.get("/page2/").await;
    let text = [
        home.transcript(&["Set test cookie"]),
        worked.transcript(&["Test cookie worked"]),
        again.transcript(&["Test cookie did not work"]),
        format!(
            "# Another client, which got its own Set-Cookie from /home/ but sends no Cookie back:\n{}",
            never.transcript(&["Test cookie did not work"])
        ),
    ]
    .join("\n");
    snapshot!("transcript", text);
}

/// The request log's lines that the book's "Try it" steps quote, one
/// snapshot per step (`log_1` is step 1), from the kit's own code.
#[tokio::test]
async fn log_lines() {
    let mut browser = Browser::open(chapter_2::CHAPTER, chapter_2::app).await;

    // 1. Open /home/: a new session, and its cookie.
    let home = browser.get("/home/").await;
    assert!(home.log_line().contains("Set-Cookie: sessionid="));
    snapshot!("log_1", home.book_log_line());

    // 2. Click "go to page 2": the cookie comes back, the mark is deleted,
    // and the changed session is saved, so the cookie is sent again.
    let worked = browser.click(&home, "go to page 2").await;
    assert!(worked.main_text().contains("Test cookie worked"));
    snapshot!("log_2", worked.book_log_line());

    // 3. Reload: the session did not change, so no cookie is set.
    let again = browser.get("/page2/").await;
    assert!(!again.log_line().contains("Set-Cookie"));
    snapshot!("log_3", again.book_log_line());

    // 4. A browser that refuses cookies: /home/ offers one, /page2/ comes
    // without it.
    let mut refuses = Site::start(chapter_2::CHAPTER, chapter_2::app)
        .await
        .browser_without_cookies();
    refuses.get("/home/").await;
    let never = refuses.get("/page2/").await;
    assert!(never.main_text().contains("Test cookie did not work"));
    assert_eq!(never.log_line(), "GET /page2/ | no Cookie | 200 OK");
    snapshot!("log_4", never.book_log_line());
}
