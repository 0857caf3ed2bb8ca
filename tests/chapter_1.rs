//! Chapter 1 walked as a learner walks it: say your name, be greeted, ask
//! "Who am I?", and find the server has forgotten. No cookie, ever.

use session_course::{Browser, snapshot};

#[tokio::test]
async fn the_server_forgets_your_name() {
    let mut browser = Browser::open(chapter_1::CHAPTER, chapter_1::app).await;

    let ask = browser.get("/").await;
    assert_eq!(ask.status, 200);
    assert!(ask.main_text().contains("What is your name?"));
    assert!(ask.main_text().contains("answered 1 request since"));
    snapshot!("1_ask_name", ask.snapshot());

    let hello = browser.get("/hello/?name=Ada").await;
    assert_eq!(hello.status, 200);
    assert!(hello.main_text().contains("Hello, Ada!"));
    assert!(hello.main_text().contains("answered 2 requests"));
    snapshot!("2_hello", hello.snapshot());

    let whoami = browser.click(&hello, "Who am I?").await;
    assert_eq!(whoami.status, 200);
    assert!(whoami.main_text().contains("I don't know who you are."));
    assert!(
        !whoami.body.contains("Ada"),
        "the server must not remember the name"
    );
    assert!(whoami.main_text().contains("answered 3 requests"));
    snapshot!("3_who_am_i", whoami.snapshot());
    // One whole page, layout and wire inspector included, keeps them locked.
    snapshot!("full_page", whoami.full_snapshot());

    // The point of the chapter: not one cookie crossed the wire.
    for page in [&ask, &hello, &whoami] {
        assert!(page.set_cookies().is_empty());
        assert!(page.inspector_text().contains("sent no cookies"));
    }
    assert_eq!(browser.cookie("sessionid"), None);
}

#[tokio::test]
async fn a_missing_or_long_name_is_asked_again() {
    let mut browser = Browser::open(chapter_1::CHAPTER, chapter_1::app).await;

    let empty = browser.get("/hello/?name=+").await;
    assert_eq!(empty.status, 200);
    assert!(empty.main_text().contains("Please type a name."));
    snapshot!("4_empty_name", empty.snapshot());

    let long = "x".repeat(chapter_1::MAX_NAME_CHARS + 1);
    let too_long = browser.get(&format!("/hello/?name={long}")).await;
    assert!(too_long.main_text().contains("at most 100 characters"));
    assert!(
        too_long.body.contains(&format!("value=\"{long}\"")),
        "what was typed is kept"
    );
}

#[tokio::test]
async fn html_in_a_name_is_escaped() {
    let mut browser = Browser::open(chapter_1::CHAPTER, chapter_1::app).await;
    let page = browser
        .get("/hello/?name=%3Cscript%3Ealert(1)%3C%2Fscript%3E")
        .await;
    assert!(!page.body.contains("<script>"));
    assert!(page.body.contains("&lt;script&gt;"));
}

#[tokio::test]
async fn paths_without_the_final_slash_redirect() {
    let mut browser = Browser::open(chapter_1::CHAPTER, chapter_1::app).await;
    let redirect = browser.get("/whoami").await;
    assert_eq!(redirect.status, 307);
    assert_eq!(redirect.location(), Some("/whoami/"));
    let with_query = browser.get("/hello?name=Ada").await;
    assert_eq!(with_query.location(), Some("/hello/?name=Ada"));

    let missing = browser.get("/nowhere/").await;
    assert_eq!(missing.status, 404);
    assert!(
        missing
            .main_text()
            .contains("This chapter has no page at /nowhere/.")
    );
    snapshot!("5_not_found", missing.snapshot());
}

#[tokio::test]
async fn every_page_sends_the_security_headers() {
    let mut browser = Browser::open(chapter_1::CHAPTER, chapter_1::app).await;
    let page = browser.get("/").await;
    assert_eq!(page.headers["x-content-type-options"], "nosniff");
    assert!(
        page.headers["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("default-src 'none'")
    );
}

/// The book's "as curl sees it" section for chapter 1: the three requests,
/// none with a cookie, none answered with one. The book includes the
/// snapshot, so a change to these pages fails here before the book goes stale.
#[tokio::test]
async fn transcript() {
    let mut browser = Browser::open(chapter_1::CHAPTER, chapter_1::app).await;
    let ask = browser.get("/").await;
    let hello = browser.get("/hello/?name=Ada").await;
    let whoami = browser.click(&hello, "Who am I?").await;
    let text = [
        ask.transcript(&["What is your name?"]),
        hello.transcript(&["Hello, Ada!"]),
        whoami.transcript(&["I don't know who you are.", "answered"]),
    ]
    .join("\n");
    snapshot!("transcript", text);
}

/// The request log's lines that the book's "Try it" steps quote, one
/// snapshot per step (`log_1` is step 1), from the kit's own code: the
/// lines cannot drift from what the terminal prints. Not one says
/// `Set-Cookie`, and not one request carries a `Cookie`.
#[tokio::test]
async fn log_lines() {
    let mut browser = Browser::open(chapter_1::CHAPTER, chapter_1::app).await;

    // 1. Open the first page.
    let ask = browser.get("/").await;
    assert_eq!(ask.log_line(), "GET / | no Cookie | 200 OK");
    snapshot!("log_1", ask.log_line());

    // 2. Type Ada and click "Say hello": a GET form puts the name in the URL.
    let hello = browser.get("/hello/?name=Ada").await;
    assert!(hello.main_text().contains("Hello, Ada!"));
    snapshot!("log_2", hello.log_line());

    // 3. Click "Who am I?".
    let whoami = browser.click(&hello, "Who am I?").await;
    assert!(whoami.main_text().contains("I don't know who you are."));
    snapshot!("log_3", whoami.log_line());

    // 5. Type /whoami without its final slash: a redirect, then the page.
    let redirect = browser.get("/whoami").await;
    assert_eq!(redirect.location(), Some("/whoami/"));
    let page = browser.get("/whoami/").await;
    let lines = [redirect.log_line(), page.log_line()];
    for line in &lines {
        assert!(
            line.contains("no Cookie") && !line.contains("Set-Cookie"),
            "{line}"
        );
    }
    snapshot!("log_5", lines.join("\n"));
}
