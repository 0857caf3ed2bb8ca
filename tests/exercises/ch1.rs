//! The checks of chapter 1's exercises (`book/src/chapter-1.md`): a new
//! greeting, a name carried in a link, and the `User-Agent` on show.

use axum::http::Method;
use session_course::{Browser, Site};

use crate::check::{Exercise, line_with};

const SAY_IT_DIFFERENTLY: Exercise = Exercise {
    id: "1.1",
    title: "Say it differently",
    work_in: "chapters/01-stateless/src/lib.rs, the `h1` in `hello`",
};

#[tokio::test]
async fn ch1_1_the_greeting_says_nice_to_meet_you() {
    let exercise = SAY_IT_DIFFERENTLY;
    let mut browser = Browser::open(chapter_1::CHAPTER, chapter_1::app).await;
    for name in ["Ada", "Grace"] {
        let hello = browser.get(&format!("/hello/?name={name}")).await;
        exercise.expect_status(&hello, 200, "the greeting");
        let greeting = line_with(&hello.main_text(), "Hello");
        let wanted = format!("Hello, {name}! Nice to meet you.");
        exercise.expect(
            greeting == wanted,
            format!("the greeting's heading for {name} to be {wanted:?}"),
            &greeting,
        );
    }
}

const CARRY_THE_NAME: Exercise = Exercise {
    id: "1.2",
    title: "Carry the name in the link",
    work_in: "chapters/01-stateless/src/lib.rs, the link in `hello`, and `who_am_i`",
};

#[tokio::test]
async fn ch1_2_the_link_carries_the_name() {
    let exercise = CARRY_THE_NAME;
    let site = Site::start(chapter_1::CHAPTER, chapter_1::app).await;
    let mut browser = site.browser();

    // "Tom & Jerry" is the hard case: an `&` starts a new field in a query
    // string, so a link must percent-encode the name it carries.
    for (typed, query) in [("Ada", "Ada"), ("Tom & Jerry", "Tom+%26+Jerry")] {
        let hello = browser.get(&format!("/hello/?name={query}")).await;
        exercise.expect_status(&hello, 200, "the greeting");
        let Some(href) = hello.link("Who am I?") else {
            exercise.fail(
                "the greeting to keep its \"Who am I?\" link",
                hello.main_text(),
            );
        };
        let whoami = browser.get(&href).await;
        exercise.expect_status(&whoami, 200, "the page the link leads to");
        let text = whoami.main_text();
        exercise.expect(
            text.contains(typed) && !text.contains("I don't know who you are."),
            format!(
                "after greeting {typed:?}, the greeting's \"Who am I?\" link to lead to a page \
                 that names {typed:?}"
            ),
            format!("the link went to {href}, and that page said:\n{text}"),
        );
    }

    // What a name carries into the page is text, never markup.
    let hello = browser.get("/hello/?name=%3Cb%3EAda%3C%2Fb%3E").await;
    let href = hello.link("Who am I?").unwrap_or_default();
    let whoami = browser.get(&href).await;
    exercise.expect(
        !whoami.body.contains("<b>Ada</b>") && whoami.body.contains("&lt;b&gt;Ada"),
        "the name <b>Ada</b> to be shown as text, escaped (maud does it, unless told not to)",
        line_with(&whoami.body, "Ada"),
    );

    // The server stores nothing: the link is what carries the name, so
    // another visitor, and the navigation bar's link, still get no name.
    let mut stranger = site.browser();
    let plain = stranger.get("/whoami/").await;
    exercise.expect(
        plain.main_text().contains("I don't know who you are."),
        "/whoami/ without a name in its URL to still say \"I don't know who you are.\": \
         the server must not store the name",
        plain.main_text(),
    );
}

const COULD_THE_HEADERS_TELL: Exercise = Exercise {
    id: "1.3",
    title: "Could the headers tell?",
    work_in: "chapters/01-stateless/src/lib.rs, `who_am_i`",
};

#[tokio::test]
async fn ch1_3_who_am_i_shows_the_user_agent() {
    let exercise = COULD_THE_HEADERS_TELL;
    let mut browser = Browser::open(chapter_1::CHAPTER, chapter_1::app).await;
    let agent = "Mozilla/5.0 (exercise 1.3) Firefox/140.0";
    let page = browser
        .send_with_headers(Method::GET, "/whoami/", None, &[("user-agent", agent)])
        .await;
    exercise.expect_status(&page, 200, "Who am I?");
    exercise.expect(
        page.main_text().contains(agent),
        format!("/whoami/ to show the request's User-Agent header, {agent:?}"),
        page.main_text(),
    );

    // A header is whatever the client chose to send: markup is shown as
    // text, and a request without the header still gets its page.
    let markup = "<script>alert(1)</script>";
    let page = browser
        .send_with_headers(Method::GET, "/whoami/", None, &[("user-agent", markup)])
        .await;
    exercise.expect(
        !page.body.contains(markup) && page.body.contains("&lt;script&gt;alert(1)"),
        "a User-Agent of <script>alert(1)</script> to be shown as text, escaped",
        line_with(&page.body, "alert(1)"),
    );
    let without = browser.get("/whoami/").await;
    exercise.expect_status(
        &without,
        200,
        "Who am I? for a request without a User-Agent",
    );
}
