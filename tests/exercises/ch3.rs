//! The checks of chapter 3's exercises (`book/src/chapter-3.md`): "1 time",
//! a counter kept for a week, a button that starts again; then the counter
//! built from scratch in `tests/exercises/skeletons/03-cookie-counter`, one check per step.

use session_course::{Browser, Exchange, Site};

use crate::check::{Exercise, line_with, set_cookie_or_none};
use crate::skeleton_3;

/// The line of the counter's page that says how many visits.
fn visits_line(page: &Exchange) -> String {
    line_with(&page.main_text(), "You have visited")
}

const ONE_TIME: Exercise = Exercise {
    id: "3.1",
    title: "\"1 times\"",
    work_in: "chapters/03-cookie-counter/src/lib.rs, `counter_page`",
};

#[tokio::test]
async fn ch3_1_one_visit_is_one_time() {
    let exercise = ONE_TIME;
    let mut browser = Browser::open(chapter_3::CHAPTER, chapter_3::app).await;
    for (visit, wanted) in [
        (1, "You have visited this page 1 time"),
        (2, "You have visited this page 2 times"),
        (3, "You have visited this page 3 times"),
    ] {
        let page = browser.get("/countView/").await;
        exercise.expect_status(&page, 200, "the counter");
        let line = visits_line(&page);
        exercise.expect(
            line == wanted,
            format!("visit {visit} to say {wanted:?}"),
            &line,
        );
    }
}

const FOR_A_WEEK: Exercise = Exercise {
    id: "3.2",
    title: "A counter that survives closing the browser",
    work_in: "chapters/03-cookie-counter/src/lib.rs, the cookie built in `count_view`",
};

#[tokio::test]
async fn ch3_2_the_count_cookie_lasts_a_week() {
    let exercise = FOR_A_WEEK;
    let mut browser = Browser::open(chapter_3::CHAPTER, chapter_3::app).await;
    let first = browser.get("/countView/").await;
    // A count edited by hand starts again: that cookie must last a week too.
    browser.set_cookie("count", "abc");
    let restarted = browser.get("/countView/").await;
    for (case, page) in [("the first visit", &first), ("a restart", &restarted)] {
        exercise.expect_status(page, 200, case);
        let set = set_cookie_or_none(page, "count");
        exercise.expect(
            set.contains("Max-Age=604800"),
            format!(
                "{case}: the count cookie kept for a week, Max-Age=604800 (7 × 24 × 3600 seconds)"
            ),
            &set,
        );
        exercise.expect(
            set.contains("Path=/") && set.contains("HttpOnly") && set.contains("SameSite=Lax"),
            format!(
                "{case}: the cookie's other attributes as before: Path=/, HttpOnly, SameSite=Lax"
            ),
            &set,
        );
    }
}

const START_AGAIN: Exercise = Exercise {
    id: "3.3",
    title: "Start again",
    work_in: "chapters/03-cookie-counter/src/lib.rs: a route and a handler for \
              POST /resetCount/, and a form in `counter_page`",
};

#[tokio::test]
async fn ch3_3_a_button_starts_the_count_again() {
    let exercise = START_AGAIN;
    let site = Site::start(chapter_3::CHAPTER, chapter_3::app).await;
    let mut browser = site.browser();
    browser.get("/countView/").await;
    let page = browser.get("/countView/").await;
    exercise.expect_status(&page, 200, "the counter");
    let Some(form) = page
        .forms()
        .into_iter()
        .find(|form| form.action == "/resetCount/")
    else {
        exercise.fail(
            "the counter's page to have a form that posts to /resetCount/ (a \"Start again\" button)",
            format!("the page's forms post to {:?}", actions(&page)),
        );
    };

    // A post from another site's page must not reset the count.
    let fields: Vec<(&str, &str)> = form
        .hidden
        .iter()
        .map(|(name, value)| (name.as_str(), value.as_str()))
        .collect();
    let forged = browser
        .post_from("http://evil.example", "cross-site", "/resetCount/", &fields)
        .await;
    exercise.expect(
        forged.status == 403 && forged.set_cookie("count").is_none(),
        "a POST /resetCount/ from another site's page (Origin: http://evil.example) to be \
         refused with 403, the cookie left alone: `csrf::check_same_origin(&headers)?`",
        format!("{} {}", forged.status, set_cookie_or_none(&forged, "count")),
    );

    let reset = browser.submit(&page, "/resetCount/", &[]).await;
    let removal = set_cookie_or_none(&reset, "count");
    exercise.expect(
        reset.status.as_u16() < 400 && removal.contains("Max-Age=0") && removal.contains("Path=/"),
        "the button's POST /resetCount/ to delete the cookie: Set-Cookie count=…; Path=/; \
         Max-Age=0 (and a 303 redirect to /countView/, or a page)",
        format!("{} {removal}", reset.status),
    );
    let after = browser.get("/countView/").await;
    let line = visits_line(&after);
    exercise.expect(
        line.contains("visited this page 1 time"),
        "the next visit after the reset to count 1 again",
        &line,
    );

    // A GET must not reset: a link, a prefetch or a crawler would.
    let get = browser.get("/resetCount/").await;
    exercise.expect(
        get.status == 405 && get.set_cookie("count").is_none(),
        "GET /resetCount/ to be refused (405): only the form's POST resets",
        format!("{} {}", get.status, set_cookie_or_none(&get, "count")),
    );
}

/// Where a page's forms post to.
fn actions(page: &Exchange) -> Vec<String> {
    page.forms().into_iter().map(|form| form.action).collect()
}

// ---------------------------------------------------------------------------
// The skeleton, `tests/exercises/skeletons/03-cookie-counter`: one check per step. Each step
// needs the ones before it, and its check says so when they are missing.

const SKELETON: &str = "tests/exercises/skeletons/03-cookie-counter/src/lib.rs";

const STEP_1: Exercise = Exercise {
    id: "3.4",
    title: "Build it: a page at /countView/",
    work_in: "tests/exercises/skeletons/03-cookie-counter/src/lib.rs, `app` and your handler",
};

/// The skeleton's counter page, which every step needs (step 1).
async fn skeleton_counter(exercise: &Exercise, browser: &mut Browser) -> Exchange {
    let page = browser.get("/countView/").await;
    if page.status == 404 {
        exercise.fail(
            format!(
                "GET /countView/ to answer a page (step 1, `just exercise 3.4`, in {SKELETON})"
            ),
            format!(
                "{} {}",
                page.status,
                page.main_text().lines().next().unwrap_or("")
            ),
        );
    }
    exercise.expect_status(&page, 200, "the counter");
    page
}

#[tokio::test]
async fn ch3_4_the_skeleton_answers_a_counter_page() {
    let exercise = STEP_1;
    let mut browser = Browser::open(skeleton_3::CHAPTER, skeleton_3::app).await;
    let page = skeleton_counter(&exercise, &mut browser).await;
    let line = visits_line(&page);
    exercise.expect(
        line.contains("visited this page 1 time"),
        "the page drawn by `counter_page(1, None)`: \"You have visited this page 1 time\"",
        &line,
    );
}

const STEP_2: Exercise = Exercise {
    id: "3.5",
    title: "Build it: hand the browser a cookie",
    work_in: "tests/exercises/skeletons/03-cookie-counter/src/lib.rs, `app` (the cookie layer) and your handler",
};

#[tokio::test]
async fn ch3_5_the_skeleton_sets_the_count_cookie() {
    let exercise = STEP_2;
    let mut browser = Browser::open(skeleton_3::CHAPTER, skeleton_3::app).await;
    let page = skeleton_counter(&exercise, &mut browser).await;
    let set = set_cookie_or_none(&page, "count");
    exercise.expect(
        set.starts_with("count=1;") || set == "count=1",
        "the first visit's answer to set the cookie count=1",
        &set,
    );
    for attribute in ["Path=/", "HttpOnly", "SameSite=Lax"] {
        exercise.expect(
            set.contains(attribute),
            format!("the count cookie to have {attribute} (the book's hint says why)"),
            &set,
        );
    }
}

const STEP_3: Exercise = Exercise {
    id: "3.6",
    title: "Build it: read it back, and add one",
    work_in: "tests/exercises/skeletons/03-cookie-counter/src/lib.rs, your handler",
};

#[tokio::test]
async fn ch3_6_the_skeleton_counts_visits() {
    let exercise = STEP_3;
    let site = Site::start(skeleton_3::CHAPTER, skeleton_3::app).await;
    let mut browser = site.browser();
    for visit in 1..=3 {
        let page = skeleton_counter(&exercise, &mut browser).await;
        let line = visits_line(&page);
        exercise.expect(
            line.contains(&format!("visited this page {visit} time")),
            format!("visit {visit}, with the cookie the visit before set, to count {visit}"),
            format!("{line}\n(the request carried: {:?})", page.cookie_sent),
        );
        let set = set_cookie_or_none(&page, "count");
        exercise.expect(
            set.starts_with(&format!("count={visit};")),
            format!("visit {visit}'s answer to set count={visit}"),
            &set,
        );
    }
    // A browser that sends nothing back is on its first visit every time.
    let mut refuses = site.browser_without_cookies();
    refuses.get("/countView/").await;
    let page = skeleton_counter(&exercise, &mut refuses).await;
    let line = visits_line(&page);
    exercise.expect(
        line.contains("visited this page 1 time"),
        "a browser that sends no cookie back to stay at 1",
        &line,
    );
}

const STEP_4: Exercise = Exercise {
    id: "3.7",
    title: "Build it: do not believe it",
    work_in: "tests/exercises/skeletons/03-cookie-counter/src/lib.rs, where your handler reads the cookie",
};

#[tokio::test]
async fn ch3_7_the_skeleton_believes_only_its_own_counts() {
    let exercise = STEP_4;
    let site = Site::start(skeleton_3::CHAPTER, skeleton_3::app).await;

    // A count this server could have written still counts on, quietly.
    let mut browser = site.browser();
    browser.set_cookie("count", "41");
    let page = skeleton_counter(&exercise, &mut browser).await;
    let line = visits_line(&page);
    exercise.expect(
        line.contains("visited this page 42 times") && !page.body.contains("role=\"alert\""),
        "count=41 to count on to 42, without a notice",
        &line,
    );

    // Anything else was edited by someone: start again at 1, and say why.
    // `"+5".parse::<u64>()` is Ok(5) in Rust, but this server never writes
    // a `+`; u64::MAX is a number it could read, but not add one to.
    let max = u64::MAX.to_string();
    for (edited, why) in [
        ("abc", "not a number"),
        ("", "empty"),
        ("-1", "negative"),
        ("1.5", "not a whole number"),
        (
            "+5",
            "a `+` this server never writes, though \"+5\".parse::<u64>() is Ok(5)",
        ),
        ("18446744073709551616", "too large for a u64"),
        (
            max.as_str(),
            "the largest u64: adding one would overflow (a panic in a debug build)",
        ),
    ] {
        let mut browser = site.browser();
        browser.set_cookie("count", edited);
        let case = format!("count={edited:?} ({why})");
        let (_, page) = exercise
            .get_without_panic(browser, "/countView/", &case)
            .await;
        exercise.expect_status(&page, 200, &case);
        let line = visits_line(&page);
        exercise.expect(
            line.contains("visited this page 1 time"),
            format!("{case}: the count to start again at 1"),
            &line,
        );
        exercise.expect(
            page.body.contains("role=\"alert\""),
            format!("{case}: a notice that says why: `counter_page(1, Some(…))`"),
            page.main_text(),
        );
        exercise.expect(
            set_cookie_or_none(&page, "count").starts_with("count=1;"),
            format!("{case}: the cookie set back to count=1"),
            set_cookie_or_none(&page, "count"),
        );
    }
}
