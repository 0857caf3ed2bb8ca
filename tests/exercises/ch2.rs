//! The checks of chapter 2's exercises (`book/src/chapter-2.md`): a cookie
//! kept until the browser closes, a page that says which reason it was, and
//! a real test cookie instead of a session.

use session_course::{Browser, Exchange, Site};

use crate::check::{Exercise, set_cookie_or_none};

const UNTIL_THE_BROWSER_CLOSES: Exercise = Exercise {
    id: "2.1",
    title: "A test cookie that lasts until the browser closes",
    work_in: "chapters/02-test-cookie/src/lib.rs, the session layer in `app`",
};

#[tokio::test]
async fn ch2_1_the_session_cookie_has_no_lifetime() {
    let exercise = UNTIL_THE_BROWSER_CLOSES;
    let mut browser = Browser::open(chapter_2::CHAPTER, chapter_2::app).await;
    let home = browser.get("/home/").await;
    exercise.expect_status(&home, 200, "Set the test cookie");
    let Some(set) = home.set_cookie("sessionid") else {
        exercise.fail(
            "/home/ to set the sessionid cookie, as before",
            set_cookie_or_none(&home, "sessionid"),
        );
    };
    exercise.expect(
        !set.contains("Max-Age") && !set.contains("Expires"),
        "a session cookie, kept until the browser closes: neither Max-Age nor Expires",
        &set,
    );
}

const SAY_WHICH_REASON: Exercise = Exercise {
    id: "2.2",
    title: "Say which reason it was",
    work_in: "chapters/02-test-cookie/src/lib.rs, `page2` and `did_not_work`",
};

/// The reason that is only possible when the server found the session.
const ALREADY_CHECKED: &str = "You already checked";
/// A reason that is only possible when it found none.
const COOKIES_BLOCKED: &str = "does not send cookies back";

#[tokio::test]
async fn ch2_2_page2_says_which_reason_it_was() {
    let exercise = SAY_WHICH_REASON;
    let site = Site::start(chapter_2::CHAPTER, chapter_2::app).await;

    // A session was found, and the mark was not in it: checked already.
    let mut browser = site.browser();
    browser.get("/home/").await;
    browser.get("/page2/").await;
    let again = browser.get("/page2/").await;
    expect_did_not_work(&exercise, &again, "checked twice");
    let text = again.main_text();
    exercise.expect(
        text.contains(ALREADY_CHECKED) && !text.contains(COOKIES_BLOCKED),
        format!(
            "a second visit to /page2/ (the server found the session, without the mark) \
             to say {ALREADY_CHECKED:?}, and no longer that the browser {COOKIES_BLOCKED:?}"
        ),
        &text,
    );

    // No session was found: cookies are blocked, or the id is unknown.
    let mut refuses = site.browser_without_cookies();
    refuses.get("/home/").await;
    let never = refuses.get("/page2/").await;
    expect_did_not_work(&exercise, &never, "cookies blocked");
    let text = never.main_text();
    exercise.expect(
        text.contains(COOKIES_BLOCKED) && !text.contains(ALREADY_CHECKED),
        format!(
            "/page2/ from a browser that sends no cookie (no session found) to keep the reason \
             that the browser {COOKIES_BLOCKED:?}, and no longer say {ALREADY_CHECKED:?}"
        ),
        &text,
    );
}

/// Both answers keep their heading: the chapter's own tests look for it.
#[track_caller]
fn expect_did_not_work(exercise: &Exercise, page: &Exchange, case: &str) {
    exercise.expect_status(page, 200, case);
    exercise.expect(
        page.main_text().contains("Test cookie did not work"),
        format!("{case}: the heading \"Test cookie did not work\", as before"),
        page.main_text(),
    );
}

const A_REAL_TEST_COOKIE: Exercise = Exercise {
    id: "2.3",
    title: "A real test cookie",
    work_in: "chapters/02-test-cookie/src/lib.rs (and its Cargo.toml, for tower-cookies)",
};

#[tokio::test]
async fn ch2_3_a_real_cookie_and_no_session() {
    let exercise = A_REAL_TEST_COOKIE;
    let site = Site::start(chapter_2::CHAPTER, chapter_2::app).await;
    let mut browser = site.browser();

    let home = browser.get("/home/").await;
    exercise.expect_status(&home, 200, "Set the test cookie");
    let set = set_cookie_or_none(&home, "testcookie");
    exercise.expect(
        set.starts_with("testcookie=worked") && set.contains("Path=/"),
        "/home/ to set the cookie testcookie=worked, with Path=/",
        &set,
    );
    exercise.expect(
        home.set_cookie("sessionid").is_none(),
        "no session at all: no sessionid cookie",
        set_cookie_or_none(&home, "sessionid"),
    );

    let worked = browser.get("/page2/").await;
    exercise.expect(
        worked.main_text().contains("Test cookie worked"),
        "/page2/, with the cookie sent back, to say \"Test cookie worked\"",
        worked.main_text(),
    );
    let removal = set_cookie_or_none(&worked, "testcookie");
    exercise.expect(
        removal.contains("Max-Age=0") && removal.contains("Path=/"),
        "/page2/ to delete the test cookie: Set-Cookie testcookie=…; Path=/; Max-Age=0",
        &removal,
    );
    let again = browser.get("/page2/").await;
    exercise.expect(
        again.main_text().contains("Test cookie did not work"),
        "a second /page2/, after the cookie was deleted, to say \"Test cookie did not work\"",
        again.main_text(),
    );

    let mut refuses = site.browser_without_cookies();
    refuses.get("/home/").await;
    let never = refuses.get("/page2/").await;
    exercise.expect(
        never.main_text().contains("Test cookie did not work"),
        "/page2/ from a browser that sends no cookie to say \"Test cookie did not work\"",
        never.main_text(),
    );
    for page in [&home, &worked, &again, &never] {
        exercise.expect(
            page.set_cookie("sessionid").is_none(),
            format!(
                "{} {}: no session, so no sessionid cookie",
                page.method, page.target
            ),
            set_cookie_or_none(page, "sessionid"),
        );
    }
}
