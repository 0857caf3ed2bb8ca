//! The checks of chapter 8's exercises (`book/src/chapter-8.md`): a signed
//! cookie of your own, a signature that names its cookie, and a stamped
//! count with an absolute limit.

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use chapter_8::{CHAPTER, app};
use session_course::{Exchange, Site};

use crate::check::{Exercise, line_with, set_cookie_or_none};

/// A signed value's readable part: what follows its 44-character signature.
fn readable(value: &str) -> &str {
    value.get(44..).unwrap_or("")
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |since| since.as_secs())
}

/// The line of a counter's page that says the count.
fn count_line(page: &Exchange) -> String {
    line_with(&page.main_text(), "You have visited")
}

fn says_count(page: &Exchange, count: u64) -> bool {
    page.main_text()
        .contains(&format!("You have visited this page {count} times"))
}

const LAST_VISIT: Exercise = Exercise {
    id: "8.1",
    title: "A signed last visit",
    work_in: "chapters/08-signed-cookies/src/lib.rs: a route and a handler for GET /last-visit/, \
              and the cookie's name in `CHAPTER`",
};

#[tokio::test]
async fn ch8_1_the_last_visit_is_kept_in_a_signed_cookie() {
    let exercise = LAST_VISIT;
    let site = Site::start(CHAPTER, app).await;
    let mut browser = site.browser();
    let first = browser.get("/last-visit/").await;
    exercise.expect_status(&first, 200, "the last-visit page");
    exercise.expect(
        first.main_text().contains("This is your first visit."),
        "the first visit to say \"This is your first visit.\"",
        first.main_text(),
    );
    let set = set_cookie_or_none(&first, "last_visit");
    let value = browser.cookie("last_visit").unwrap_or_default().to_string();
    let stamped = readable(&value).parse::<u64>().ok();
    exercise.expect(
        stamped.is_some_and(|time| time.abs_diff(now()) <= 5),
        "the answer to set a signed cookie last_visit: a 44-character signature, then the time \
         of this visit in seconds since 1970 (`cookies.signed(&trust.keys.current)`)",
        &set,
    );
    exercise.expect(
        set.contains("HttpOnly") && set.contains("SameSite=Lax") && set.contains("Path=/"),
        "the last_visit cookie to have the counters' attributes: Path=/, HttpOnly, SameSite=Lax",
        &set,
    );

    let second = browser.get("/last-visit/").await;
    let text = second.main_text();
    exercise.expect(
        text.contains("Your last visit was ") && text.contains(" seconds ago"),
        "the second visit to say \"Your last visit was N seconds ago.\"",
        text.replace('\n', " / "),
    );
    exercise.expect(
        second.inspector_text().contains("last_visit is signed."),
        "the wire inspector to take the last_visit cookie apart (declare it in \
         `.with_signed_cookies(…)`)",
        line_with(&second.inspector_text(), "last_visit"),
    );

    // An edited time, the signature kept, or no signature at all: ignored.
    let signature = value.get(..44).unwrap_or_default();
    for edited in [format!("{signature}1000"), "1000".to_string()] {
        let mut forger = site.browser();
        forger.set_cookie("last_visit", &edited);
        let page = forger.get("/last-visit/").await;
        let text = page.main_text();
        exercise.expect(
            page.status == 200
                && text.contains("This is your first visit.")
                && !text.contains("seconds ago"),
            format!(
                "a last_visit cookie that fails the signature check (last_visit={edited}) to be \
                 ignored: the page says \"This is your first visit.\""
            ),
            text.replace('\n', " / "),
        );
    }
}

const SIGN_THE_NAME: Exercise = Exercise {
    id: "8.2",
    title: "Sign the name too",
    work_in: "chapters/08-signed-cookies/src/lib.rs: what `signed_counter` and `stamped_counter` \
              sign, and `Trust::open_signed`",
};

#[tokio::test]
async fn ch8_2_a_signed_value_names_its_cookie() {
    let exercise = SIGN_THE_NAME;
    let site = Site::start(CHAPTER, app).await;
    let mut browser = site.browser();
    for visit in 1..=2u64 {
        let page = browser.get("/signed/").await;
        exercise.expect(
            says_count(&page, visit),
            format!("the signed counter to count as before: visit {visit}"),
            count_line(&page),
        );
    }
    let signed = browser.cookie("count").unwrap_or_default().to_string();
    exercise.expect(
        readable(&signed) == "count:2",
        "the signed count to read \"count:2\" after its signature: the cookie's name, a colon, \
         the count",
        readable(&signed),
    );
    browser.get("/stamped/").await;
    let stamped = browser
        .cookie("stamped_count")
        .unwrap_or_default()
        .to_string();
    exercise.expect(
        readable(&stamped).starts_with("stamped_count:1:"),
        "the stamped count to read \"stamped_count:1:<time>\" after its signature",
        readable(&stamped),
    );

    // Each counter's genuine value, copied into the other's cookie.
    for (path, cookie, copied, signed_for) in [
        ("/stamped/", "stamped_count", &signed, "count"),
        ("/signed/", "count", &stamped, "stamped_count"),
    ] {
        let mut copier = site.browser();
        copier.set_cookie(cookie, copied);
        let page = copier.get(path).await;
        let wanted = format!("signed for the {signed_for} cookie");
        exercise.expect(
            says_count(&page, 1) && page.main_text().contains(&wanted),
            format!(
                "{path}, sent the {signed_for} cookie's genuine value as its {cookie} cookie, to \
                 start again at 1 with a notice that says the value was {wanted:?}"
            ),
            page.main_text().replace('\n', " / "),
        );
    }

    // The count itself is still checked: an edited count is refused.
    let mut editor = site.browser();
    editor.set_cookie(
        "count",
        &format!("{}count:999", &signed[..44.min(signed.len())]),
    );
    let page = editor.get("/signed/").await;
    exercise.expect(
        says_count(&page, 1),
        "an edited count (\"count:999\" under the old signature) to be refused, as before",
        count_line(&page),
    );
}

const ABSOLUTE_LIMIT: Exercise = Exercise {
    id: "8.3",
    title: "Reload every few seconds",
    work_in: "chapters/08-signed-cookies/src/lib.rs, `stamped_counter`",
};

#[tokio::test]
async fn ch8_3_a_stamped_count_ends_however_often_it_is_reloaded() {
    let exercise = ABSOLUTE_LIMIT;
    let site = Site::start_with(CHAPTER, app, &["--max-age", "2"]).await;
    let mut browser = site.browser();
    let began = Instant::now();
    // Reloads 1.5 seconds apart, each well within the 2 seconds: today's
    // stamp, renewed on every visit, never grows old.
    let mut counts = Vec::new();
    for (visit, at) in [(1, 0), (2, 1500), (3, 3050)] {
        tokio::time::sleep_until((began + Duration::from_millis(at)).into()).await;
        let page = browser.get("/stamped/").await;
        exercise.expect_status(&page, 200, "the stamped counter");
        counts.push(count_line(&page));
        if visit == 2 {
            exercise.expect(
                says_count(&page, 2),
                "a reload 1.5 seconds after the first visit to count 2, within --max-age 2",
                count_line(&page),
            );
        }
        if visit == 3 {
            exercise.expect(
                says_count(&page, 1) && page.body.contains(r#"role="alert""#),
                "with --max-age 2, a reload 3 seconds after the count began to start again at \
                 1, with a notice: the stamp keeps the time of the first visit, so the limit \
                 holds however often the page is reloaded",
                counts.join(", then "),
            );
        }
    }

    // A fresh count starts a fresh stamp: it lasts its two seconds again.
    let page = browser.get("/stamped/").await;
    exercise.expect(
        says_count(&page, 2),
        "after the count started again, the next reload to count 2",
        count_line(&page),
    );
}
