//! Chapter 9 in a real browser: logging in and out, and the session fixation
//! lab, clicked through as a student does. Here nothing carries the planted
//! cookie by hand: the attacker's page on port P+100 sets it, and Chromium
//! itself sends it to the chapter on port P, because cookies belong to the
//! host, not to the port.
//!
//! The lab runs as `cargo run -p chapter-9 -- --port P` runs it: the chapter
//! on a free port P of 127.0.0.1, the attacker on P+100, each pointing at the
//! other. The harness's own server only sends the browser on to the chapter.

use std::path::{Path, PathBuf};

use axum::{Router, http::Uri, response::Redirect};
use course_kit::Settings;
use libtest_mimic::Trial;

use crate::support::{
    Browser, Cookies, E2e, NO_COOKIES_SENT, Shot, WIRE_STORE, at_the_start_of_a_second,
    browser_test,
};

/// This chapter's browser tests, as `main.rs` collects them.
pub fn tests() -> Vec<Trial> {
    vec![
        browser_test!(logging_in_and_out),
        browser_test!(fixation_lab_with_the_defence_on_the_attacker_sees_nothing),
        browser_test!(fixation_lab_with_the_defence_off_the_attacker_is_signed_in),
    ]
}

/// The chapter and its attacker, served, and a browser.
pub struct Lab {
    pub browser: Browser,
    /// `http://127.0.0.1:P+100`, the attacker's site.
    pub attacker: String,
}

/// Serves the chapter as `cargo run -p chapter-9 -- --port P ARGS` would,
/// for a free port P whose P+100 is free too, and opens a browser on it.
pub async fn lab(e2e: &E2e, args: &[&str]) -> Lab {
    for _ in 0..20 {
        let Ok(probe) = tokio::net::TcpListener::bind("127.0.0.1:0").await else {
            continue;
        };
        let port = probe.local_addr().expect("local address").port();
        drop(probe);
        let port_text = port.to_string();
        let command_line = ["--port", port_text.as_str()]
            .into_iter()
            .chain(args.iter().copied())
            .map(str::to_string);
        let settings =
            Settings::parse(&::chapter_9::CHAPTER, command_line, None).expect("settings");
        let sites = ::chapter_9::app(&settings);
        let attacker = sites.other("Attacker").expect("the attacker's site");
        let (Ok(main), Ok(other)) = (
            tokio::net::TcpListener::bind(("127.0.0.1", port)).await,
            tokio::net::TcpListener::bind(("127.0.0.1", attacker.port)).await,
        ) else {
            continue;
        };
        let attacker_url = format!("http://127.0.0.1:{}", attacker.port);
        // The servers live as long as the test's runtime.
        for (listener, router) in [
            (main, sites.main().clone()),
            (other, attacker.router.clone()),
        ] {
            tokio::spawn(async move { axum::serve(listener, router).await });
        }
        let chapter = format!("http://127.0.0.1:{port}");
        let entrance = Router::new().fallback(move |uri: Uri| {
            let to = format!("{chapter}{uri}");
            async move { Redirect::temporary(&to) }
        });
        let browser = e2e.browser(entrance, Cookies::Allowed).await;
        return Lab {
            browser,
            attacker: attacker_url,
        };
    }
    panic!("found no free port P with P+100 free");
}

/// Fills in the login form and presses its button.
pub async fn log_in(browser: &Browser, username: &str, password: &str) {
    browser.fill("username", username).await;
    browser.fill("password", password).await;
    browser.press("Log in").await;
}

/// The session id a page shows after `label` ("Your session id now: ").
async fn shown_id(browser: &Browser, label: &str) -> String {
    let text = browser.expect_main(label).await;
    let after = text.split(label).nth(1).expect("the label");
    after
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_'))
        .next()
        .expect("an id")
        .to_string()
}

async fn logging_in_and_out(e2e: E2e) {
    let lab = lab(&e2e, &[]).await;
    let b = &lab.browser;
    b.open("/login/").await;
    let before = shown_id(b, "Your session id now: ").await;

    log_in(b, "mallory", "guess").await;
    let unknown = b
        .expect_main("Please enter a correct username and password.")
        .await;
    log_in(b, "alice", "guess").await;
    let wrong = b
        .expect_main("Please enter a correct username and password.")
        .await;
    assert_eq!(
        unknown, wrong,
        "the same page for an unknown user and a wrong password"
    );

    log_in(b, "alice", "wonderland").await;
    b.expect_main("Signed in as alice").await;
    assert_eq!(b.location().await, "/account/", "the 303 was followed");
    let after = shown_id(b, "Your session id: ").await;
    assert_ne!(after, before, "a new id at login");
    b.expect_wire("user_id").await;

    b.press("Log out").await;
    assert_eq!(b.location().await, "/login/");
    // The login page's request came without a cookie: logout deleted it.
    b.expect_wire(NO_COOKIES_SENT).await;
    b.open("/account/").await;
    assert_eq!(b.location().await, "/login/", "signed out");
}

/// The student's clicks: the attacker's page plants an id, the student logs
/// in with it, and goes back to the attacker's page. Returns the planted id
/// and what the attacker's page then says.
async fn fixation(lab: &Lab) -> (String, String) {
    let b = &lab.browser;
    b.open_at(&lab.attacker, "/").await;
    b.expect_main("This site has planted no session id yet.")
        .await;
    b.click_link("Claim your prize").await;
    let planted = shown_id(b, "kept that session's id, ").await;

    // Chromium sends the cookie that port P+100 set to port P.
    b.click_link("Log in to claim your prize").await;
    let at_login = shown_id(b, "Your session id now: ").await;
    assert_eq!(at_login, planted, "the browser brought the planted id");
    b.expect_wire(&planted).await;
    log_in(b, "alice", "wonderland").await;
    b.expect_main("Signed in as alice").await;

    b.click_link("the attacker's site").await;
    let seen = b.expect_main("What the attacker sees").await;
    (planted, seen)
}

async fn fixation_lab_with_the_defence_on_the_attacker_sees_nothing(e2e: E2e) {
    let lab = lab(&e2e, &[]).await;
    let (planted, seen) = fixation(&lab).await;
    assert!(seen.contains(&planted));
    assert!(
        seen.contains("the planted id is signed in to nothing"),
        "{seen}"
    );
    assert!(!seen.contains("Signed in as"), "{seen}");
}

async fn fixation_lab_with_the_defence_off_the_attacker_is_signed_in(e2e: E2e) {
    let lab = lab(&e2e, &["--no-rotate"]).await;
    let (planted, seen) = fixation(&lab).await;
    assert!(seen.contains(&planted));
    assert!(seen.contains("its page says: Signed in as alice"), "{seen}");
    // Every page of the chapter says the defence is off.
    let b = &lab.browser;
    b.open("/login/").await;
    b.expect_main("Defence off").await;
}

/// The book's pictures of chapter 9, for `screenshots.rs`, taken as the
/// book's steps go: the login page, a locked username, the account page,
/// and the lab with the defence off (steps 8 to 10) and on (step 11).
/// Returns the files written.
pub async fn screenshots(e2e: &E2e, dir: &Path) -> Vec<PathBuf> {
    let mut saved = Vec::new();
    // The lab runs on free ports; the pictures show the usual ones.
    let usual_addresses = |lab: &Lab, shot: Shot| {
        let port: u16 = lab
            .attacker
            .rsplit(':')
            .next()
            .and_then(|p| p.parse().ok())
            .expect("a port");
        let chapter = format!("http://127.0.0.1:{}", port - 100);
        shot.replacing(&lab.attacker, "http://127.0.0.1:3109")
            .replacing(&chapter, "http://127.0.0.1:3009")
    };
    let lab = self::lab(e2e, &[]).await;
    let b = &lab.browser;
    // Step 1: the form starts a session.
    b.open("/login/").await;
    let shot = Shot::of(
        "chapter-9-log-in",
        &["main > h1", "main > div.explain:first-of-type"],
    )
    .then(&[WIRE_STORE])
    .outline_text("main", "Your session id now: ")
    .outline_text("#wire tbody", "_csrf_token");
    saved.push(b.save_shot(dir, usual_addresses(&lab, shot)).await);
    // Step 2: a wrong password, an unknown user, then alice five times.
    log_in(b, "alice", "guess").await;
    log_in(b, "mallory", "guess").await;
    for _ in 0..4 {
        log_in(b, "alice", "guess").await;
    }
    log_in(b, "alice", "wonderland").await;
    b.expect_main("It is refused for another 60 seconds").await;
    let shot = Shot::of(
        "chapter-9-too-many-failures",
        &["main > .notice", "main > form"],
    )
    .outline("main .notice");
    saved.push(b.save_shot(dir, usual_addresses(&lab, shot)).await);

    // Steps 3 and 4: alice logs in. Logged in at the top of a second, the
    // account page's "in 3599 seconds" is the same on every run.
    let lab = self::lab(e2e, &[]).await;
    let b = &lab.browser;
    b.open("/login/").await;
    at_the_start_of_a_second().await;
    log_in(b, "alice", "wonderland").await;
    b.expect_main("Signed in as alice").await;
    let shot = Shot::of("chapter-9-your-account", &["main > h1", "main > form"])
        .then(&[WIRE_STORE])
        .outline_text("main", "It is not the id you had before you logged in")
        .outline_text("#wire tbody", "user_id");
    saved.push(b.save_shot(dir, usual_addresses(&lab, shot)).await);

    // Steps 7 to 10 (the defence off), then step 11 (on).
    for defence_off in [true, false] {
        let args: &[&str] = if defence_off { &["--no-rotate"] } else { &[] };
        let lab = self::lab(e2e, args).await;
        let b = &lab.browser;
        b.open_at(&lab.attacker, "/").await;
        b.click_link("Claim your prize").await;
        b.expect_main("You won a prize!").await;
        if defence_off {
            // The attacker's pages: their red banner (the header) too.
            let shot = Shot::of("chapter-9-attacker-prize", &["header", "main"])
                .outline_text("main", "kept that session's id, ");
            saved.push(b.save_shot(dir, usual_addresses(&lab, shot)).await);
        }
        b.click_link("Log in to claim your prize").await;
        at_the_start_of_a_second().await;
        log_in(b, "alice", "wonderland").await;
        b.expect_main("Signed in as alice").await;
        if defence_off {
            let parts = ["main > .defence-off", "main > p:nth-of-type(3)"];
            let shot = Shot::of("chapter-9-no-rotate-account", &parts)
                .outline("main .defence-off")
                .outline_text("main", "It is the id you had before you logged in");
            saved.push(b.save_shot(dir, usual_addresses(&lab, shot)).await);
        }
        b.click_link("the attacker's site").await;
        b.expect_main("What the attacker sees").await;
        let (name, outcome) = match defence_off {
            true => ("chapter-9-attacker-sees-alice", "Signed in as alice"),
            false => ("chapter-9-attacker-sees-nothing", "signed in to nothing"),
        };
        let shot = Shot::of(name, &["header", "main"]).outline_text("main", outcome);
        saved.push(b.save_shot(dir, usual_addresses(&lab, shot)).await);
    }
    saved
}
