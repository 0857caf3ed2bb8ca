//! The checks of chapter 9's exercises (`book/src/chapter-9.md`): a third
//! account, a button that logs a user out on every device, and a lock that
//! grows with each round of failed logins.

use std::time::{Duration, Instant};

use session_course::{Browser, Exchange, Site};

use crate::check::{Exercise, line_with};

const LOGIN: &str = "/login/";
const ACCOUNT: &str = "/account/";

async fn site(args: &[&str]) -> Site {
    Site::start_with(chapter_9::CHAPTER, chapter_9::app, args).await
}

/// Opens the login page and sends its form with this name and password.
async fn log_in(browser: &mut Browser, username: &str, password: &str) -> Exchange {
    let form = browser.get(LOGIN).await;
    browser
        .submit(
            &form,
            LOGIN,
            &[("username", username), ("password", password)],
        )
        .await
}

/// Who the account page says is signed in, or where it sends the visitor.
async fn who(browser: &mut Browser) -> String {
    let page = browser.get(ACCOUNT).await;
    match page.location() {
        Some(location) => format!("sent to {location}"),
        None => line_with(&page.main_text(), "Signed in as"),
    }
}

const CAROL: Exercise = Exercise {
    id: "9.1",
    title: "A third account",
    work_in: "chapters/09-login/src/accounts.rs: `ACCOUNTS` and `DEMO_PASSWORDS`",
};

#[tokio::test]
async fn ch9_1_carol_can_log_in() {
    let exercise = CAROL;
    let site = site(&[]).await;
    let mut browser = site.browser();
    let form = browser.get(LOGIN).await;
    exercise.expect_status(&form, 200, "the login page");
    exercise.expect(
        form.main_text().contains("carol | cheshire"),
        "the login page's list of demo accounts to show \"carol | cheshire\"",
        line_with(&form.main_text(), "alice |"),
    );

    let wrong = log_in(&mut browser, "carol", "not her password").await;
    exercise.expect(
        wrong
            .main_text()
            .contains("Please enter a correct username and password."),
        "a wrong password for carol to be refused like any other",
        wrong.main_text().replace('\n', " / "),
    );
    let logged_in = log_in(&mut browser, "carol", "cheshire").await;
    exercise.expect(
        logged_in.status == 303 && logged_in.location() == Some(ACCOUNT),
        "carol, with the password cheshire, to be logged in: 303 to /account/",
        format!(
            "{} {}",
            logged_in.status,
            line_with(&logged_in.main_text(), "correct")
        ),
    );
    let account = browser.get(ACCOUNT).await;
    let text = account.main_text();
    exercise.expect(
        text.contains("Signed in as carol") && text.contains("user_id = 3"),
        "the account page to say \"Signed in as carol\", and her id, user_id = 3",
        text.replace('\n', " / "),
    );
    // The others are still there.
    let mut other = site.browser();
    log_in(&mut other, "bob", "builder").await;
    exercise.expect(
        who(&mut other).await.contains("Signed in as bob"),
        "bob to log in as before",
        who(&mut other).await,
    );
}

const EVERYWHERE: Exercise = Exercise {
    id: "9.2",
    title: "Log out everywhere",
    work_in: "chapters/09-login/src/lib.rs: a route and a handler for POST /logout-everywhere/, \
              a check in `visitor`; src/pages.rs: the button on the account page",
};

#[tokio::test]
async fn ch9_2_one_button_ends_every_session_of_a_user() {
    let exercise = EVERYWHERE;
    let site = site(&[]).await;
    // Alice on her laptop and on her phone; bob on his own.
    let mut laptop = site.browser();
    let mut phone = site.browser();
    let mut bob = site.browser();
    log_in(&mut laptop, "alice", "wonderland").await;
    log_in(&mut phone, "alice", "wonderland").await;
    log_in(&mut bob, "bob", "builder").await;
    let account = laptop.get(ACCOUNT).await;
    exercise.expect_status(&account, 200, "alice's account page");
    let Some(form) = account
        .forms()
        .into_iter()
        .find(|form| form.action == "/logout-everywhere/")
    else {
        exercise.fail(
            "alice's account page to have a form that posts to /logout-everywhere/ (a button \
             \"Log out everywhere\")",
            format!("the page's forms: {:?}", account.forms()),
        );
    };

    // Neither a GET nor a post without the token ends anything.
    let get = laptop.get("/logout-everywhere/").await;
    let forged = laptop
        .post(
            "/logout-everywhere/",
            &[(course_kit::csrf::FIELD, "forged")],
        )
        .await;
    let phone_now = who(&mut phone).await;
    exercise.expect(
        get.status == 405 && forged.status == 403 && phone_now.contains("Signed in as alice"),
        "GET /logout-everywhere/ to be refused with 405 and a post without the CSRF token with \
         403, and alice's phone to stay signed in",
        format!(
            "GET: {}; forged POST: {}; the phone: {phone_now}",
            get.status, forged.status
        ),
    );

    let fields: Vec<(&str, &str)> = form
        .hidden
        .iter()
        .map(|(name, value)| (name.as_str(), value.as_str()))
        .collect();
    let done = laptop.post(&form.action, &fields).await;
    exercise.expect(
        done.status.is_success() || done.status.is_redirection(),
        "the Log out everywhere button to be answered with a page or a redirect",
        done.status,
    );
    for (device, browser) in [("the laptop", &mut laptop), ("the phone", &mut phone)] {
        let now = who(browser).await;
        exercise.expect(
            now == format!("sent to {LOGIN}"),
            format!("after Log out everywhere, alice's session on {device} to be over: /account/ sends it to /login/"),
            now,
        );
    }
    let bob_now = who(&mut bob).await;
    exercise.expect(
        bob_now.contains("Signed in as bob"),
        "bob's session to go on: only alice's sessions end",
        bob_now,
    );

    // A login after it is a login like any other.
    log_in(&mut phone, "alice", "wonderland").await;
    let phone_now = who(&mut phone).await;
    exercise.expect(
        phone_now.contains("Signed in as alice"),
        "alice to be able to log in again afterwards, and stay signed in",
        phone_now,
    );
}

const GROWING_LOCK: Exercise = Exercise {
    id: "9.3",
    title: "A lock that grows",
    work_in: "chapters/09-login/src/throttle.rs, `LoginThrottle`",
};

/// The line of the fifth failure's page that says how long the lock lasts.
fn lock_line(page: &Exchange) -> String {
    line_with(&page.main_text(), "refused for the next")
}

/// Five failed logins for alice in a row; the answer to the fifth.
async fn five_failures(browser: &mut Browser) -> Exchange {
    let mut last = log_in(browser, "alice", "guess").await;
    for _ in 1..5 {
        last = log_in(browser, "alice", "guess").await;
    }
    last
}

#[tokio::test]
async fn ch9_3_each_lock_lasts_twice_the_one_before() {
    let exercise = GROWING_LOCK;
    let mut browser = site(&["--lockout", "1"]).await.browser();

    // Round 1: five failures lock alice for the lockout, 1 second.
    let fifth = five_failures(&mut browser).await;
    exercise.expect(
        lock_line(&fifth).contains("refused for the next 1 seconds"),
        "the first lock to last the lockout, as before: \"refused for the next 1 seconds\"",
        lock_line(&fifth),
    );
    tokio::time::sleep(Duration::from_millis(1100)).await;

    // Round 2: five more failures lock alice for twice as long.
    let fifth = five_failures(&mut browser).await;
    let locked_at = Instant::now();
    exercise.expect(
        lock_line(&fifth).contains("refused for the next 2 seconds"),
        "the second lock in a row to last twice the lockout: the fifth failure's page says \
         \"refused for the next 2 seconds\"",
        lock_line(&fifth),
    );
    tokio::time::sleep_until((locked_at + Duration::from_millis(1200)).into()).await;
    let still = log_in(&mut browser, "alice", "wonderland").await;
    exercise.expect(
        still.status == 429,
        "1.2 seconds into the second lock, alice to be refused still (429)",
        still.status,
    );
    tokio::time::sleep_until((locked_at + Duration::from_millis(2200)).into()).await;
    let open = log_in(&mut browser, "alice", "wonderland").await;
    exercise.expect(
        open.status == 303 && open.location() == Some(ACCOUNT),
        "once the second lock is over, the right password to log alice in (303 to /account/)",
        format!(
            "{} {}",
            open.status,
            line_with(&open.main_text(), "refused")
        ),
    );
}
