//! The checks of chapter 5's exercises (`book/src/chapter-5.md`): a page
//! that says why the count started again, a page that only looks, and a
//! switch for the `Secure` attribute.

use std::time::Duration;

use course_kit::Settings;
use session_course::{Browser, Exchange, Site};

use crate::check::{Exercise, line_with, set_cookie_or_none};

/// The count the page shows, as its line says it.
fn count_line(page: &Exchange) -> String {
    line_with(&page.main_text(), "Count:")
}

/// Whether the page shows a notice (`p.notice role="alert"`, as chapter 3's
/// counter does when it starts again).
fn has_notice(page: &Exchange) -> bool {
    page.body.contains("role=\"alert\"")
}

const SAY_WHY: Exercise = Exercise {
    id: "5.1",
    title: "Say why the count started again",
    work_in: "chapters/05-session-counter/src/lib.rs, `page_count` and `count_page`",
};

#[tokio::test]
async fn ch5_1_the_page_says_when_a_session_was_not_found() {
    let exercise = SAY_WHY;

    // No notice on an ordinary first visit, nor on the visits after it.
    let mut browser = Browser::open(chapter_5::CHAPTER, chapter_5::app).await;
    for visit in 1..=2 {
        let page = browser.get("/pageCount/").await;
        exercise.expect_status(&page, 200, "the counter");
        exercise.expect(
            page.main_text().contains(&format!("Count: {visit}")) && !has_notice(&page),
            format!("visit {visit} to say \"Count: {visit}\", with no notice: nothing went wrong"),
            page.main_text(),
        );
    }

    // An id the server does not know: what a browser sends after a restart.
    let unknown = "AAAAAAAAAAAAAAAAAAAAAA";
    let mut returning = Browser::open(chapter_5::CHAPTER, chapter_5::app).await;
    returning.set_cookie("sessionid", unknown);
    let page = returning.get("/pageCount/").await;
    expect_notice(
        &exercise,
        &page,
        "a sessionid the server never issued (as after a restart)",
    );

    // A session that sat idle past its expiry: gone on the server, though
    // this client (like one that copied the id) still sends it.
    let site = Site::start_with(
        chapter_5::CHAPTER,
        chapter_5::app,
        &["--session-expiry", "1"],
    )
    .await;
    let mut idle = site.browser();
    idle.get("/pageCount/").await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let page = idle.get("/pageCount/").await;
    expect_notice(
        &exercise,
        &page,
        "a session that expired (--session-expiry 1, then 1.5 s idle)",
    );
}

#[track_caller]
fn expect_notice(exercise: &Exercise, page: &Exchange, case: &str) {
    exercise.expect_status(page, 200, case);
    exercise.expect(
        page.main_text().contains("Count: 1"),
        format!("{case}: the count to start again at 1"),
        count_line(page),
    );
    exercise.expect(
        has_notice(page),
        format!(
            "{case}: a notice, p.notice role=\"alert\", saying that the browser sent a session id \
             the server no longer has (`session.id()` says so)"
        ),
        page.main_text(),
    );
}

const PEEK: Exercise = Exercise {
    id: "5.2",
    title: "A page that only looks",
    work_in: "chapters/05-session-counter/src/lib.rs: a handler for GET /peek/, and its route in `app`",
};

#[tokio::test]
async fn ch5_2_peek_shows_the_count_without_adding() {
    let exercise = PEEK;
    let site = Site::start(chapter_5::CHAPTER, chapter_5::app).await;
    let mut browser = site.browser();
    browser.get("/pageCount/").await;
    browser.get("/pageCount/").await;
    let peek = browser.get("/peek/").await;
    exercise.expect_status(&peek, 200, "the peek page");
    exercise.expect(
        peek.main_text().contains("Count: 2"),
        "after two visits to /pageCount/, /peek/ to say \"Count: 2\"",
        count_line(&peek),
    );
    exercise.expect(
        peek.set_cookies().is_empty(),
        "/peek/ to answer without a Set-Cookie: it only reads the session, so nothing is saved",
        format!("{:?}", peek.set_cookies()),
    );
    let next = browser.get("/pageCount/").await;
    exercise.expect(
        next.main_text().contains("Count: 3"),
        "the next /pageCount/ to say \"Count: 3\": peeking adds nothing",
        count_line(&next),
    );

    // A visitor without a session: nothing to show, and no session begins.
    let mut stranger = site.browser();
    let empty = stranger.get("/peek/").await;
    exercise.expect(
        empty.status == 200
            && empty.main_text().contains("Count: 0")
            && empty.set_cookies().is_empty(),
        "/peek/ without a session to say \"Count: 0\" and start no session (no Set-Cookie)",
        format!(
            "{} {} {:?}",
            empty.status,
            count_line(&empty),
            empty.set_cookies()
        ),
    );
}

const SECURE_SWITCH: Exercise = Exercise {
    id: "5.3",
    title: "A switch for Secure",
    work_in: "chapters/05-session-counter/src/lib.rs: a `--secure` option in `CHAPTER`, read in `app`",
};

#[tokio::test]
async fn ch5_3_secure_is_a_switch() {
    let exercise = SECURE_SWITCH;
    let args = ["--secure".to_string()];
    if let Err(error) = Settings::parse(&chapter_5::CHAPTER, args, None) {
        exercise.fail(
            "chapter 5 to accept the option --secure (a `CliOption` with `OptionValue::Flag`)",
            format!("`cargo run -p chapter-5 -- --secure` says: {error}"),
        );
    }
    for (options, wanted) in [(&["--secure"][..], true), (&[][..], false)] {
        let site = Site::start_with(chapter_5::CHAPTER, chapter_5::app, options).await;
        let page = site.browser().get("/pageCount/").await;
        let set = set_cookie_or_none(&page, "sessionid");
        let secure = set.split("; ").any(|attribute| attribute == "Secure");
        exercise.expect(
            page.set_cookie("sessionid").is_some() && secure == wanted,
            if wanted {
                "with --secure, the sessionid cookie to be Secure"
            } else {
                "without --secure, the sessionid cookie to be as before: not Secure"
            },
            &set,
        );
    }
}
