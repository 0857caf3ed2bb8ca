//! Chapter 8 in a real browser: the three counters with cookies allowed and
//! blocked; a cookie signed with another server's key (what a restart does),
//! refused; the attack lab (`--no-verify`) believing it; and a stamped
//! cookie that Chromium still holds, refused by the server once too old.
//!
//! Several servers of the chapter can run at once, each with its own key, on
//! ports of 127.0.0.1. Chromium keeps one cookie jar for the host, whatever
//! the port, so each server receives the cookies the others set, as a
//! restarted server receives those of the one before.

use std::time::Duration;

use axum::{
    Router,
    http::{StatusCode, Uri},
    response::Redirect,
};
use course_kit::Settings;
use libtest_mimic::Trial;

use crate::support::{Browser, Cookies, E2e, NO_COOKIES_SENT, browser_test};

/// This chapter's browser tests, as `main.rs` collects them.
pub fn tests() -> Vec<Trial> {
    vec![
        browser_test!(counts_with_cookies),
        browser_test!(stays_at_1_with_cookies_blocked),
        browser_test!(another_key_is_refused_and_the_lab_believes_it),
        browser_test!(a_stamped_cookie_is_refused_once_too_old),
    ]
}

/// A key file of 64 bytes counting up from `first`, written once per run. A
/// fixed key shows the same signatures on every run, in the screenshots too.
pub fn key_file(name: &str, first: u8) -> String {
    let path = std::env::temp_dir().join(format!("chapter-8-e2e-key-{name}"));
    // Written beside it and renamed, so that nobody reads half a key.
    let partial = path.with_extension(std::process::id().to_string());
    let bytes: Vec<u8> = (0..64).map(|i| first.wrapping_add(i)).collect();
    std::fs::write(&partial, bytes).expect("write a key file");
    std::fs::rename(&partial, &path).expect("rename a key file");
    path.to_str().expect("a UTF-8 temporary path").to_string()
}

/// The chapter's server, as `cargo run -p chapter-8 -- OPTIONS` starts it.
/// The one place this file names the chapter's crate (`::chapter_8`, not
/// this module, which has the same name).
pub async fn app(options: &[&str]) -> Router {
    let args = options.iter().map(|option| option.to_string());
    let settings = Settings::parse(&::chapter_8::CHAPTER, args, None).expect("the options");
    let sites = ::chapter_8::app(settings).await.expect("chapter 8 starts");
    sites.main().clone()
}

/// Serves each of `apps` on a free port of 127.0.0.1, and opens one browser
/// on them all: `/N/path` opens `path` on the N-th server (counted from 0).
pub async fn servers(e2e: &E2e, apps: Vec<Router>, cookies: Cookies) -> Browser {
    let mut bases = Vec::new();
    for app in apps {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind 127.0.0.1:0");
        bases.push(format!(
            "http://{}",
            listener.local_addr().expect("address")
        ));
        // The servers live as long as the test's runtime.
        tokio::spawn(async move { axum::serve(listener, app).await });
    }
    // The browser opens on a server of its own, which only sends it on.
    let entrance = Router::new().fallback(move |uri: Uri| {
        let to = uri
            .path()
            .strip_prefix('/')
            .and_then(|path| path.split_once('/'))
            .and_then(|(n, rest)| Some(format!("{}/{rest}", bases.get(n.parse::<usize>().ok()?)?)));
        async move {
            to.map(|to| Redirect::temporary(&to))
                .ok_or(StatusCode::NOT_FOUND)
        }
    });
    e2e.browser(entrance, cookies).await
}

async fn counts_with_cookies(e2e: E2e) {
    let b = e2e.browser(app(&[]).await, Cookies::Allowed).await;
    for path in ["/signed/", "/private/", "/stamped/"] {
        b.open(path).await;
        b.expect_main("You have visited this page 1 times").await;
        b.reload().await;
        b.expect_main("You have visited this page 2 times").await;
    }
    b.open("/signed/").await;
    b.expect_main("You have visited this page 3 times").await;
    // What Chromium sent and received, taken apart: signed is readable...
    b.expect_wire("count is signed.").await;
    b.expect_wire("Then its value, readable by anyone: 3.")
        .await;
    // ... and private is not.
    b.expect_wire("private_count is private (encrypted with AES-256-GCM)")
        .await;
    b.expect_wire("12-byte nonce, 1 byte of encrypted value")
        .await;
    b.expect_wire("stamped_count is signed.").await;
}

async fn stays_at_1_with_cookies_blocked(e2e: E2e) {
    let b = e2e.browser(app(&[]).await, Cookies::Blocked).await;
    b.open("/signed/").await;
    for _ in 0..3 {
        let main = b.expect_main("You have visited this page 1 times").await;
        assert!(
            !main.contains("does not match"),
            "no cookie, no notice: {main}"
        );
        b.expect_wire(NO_COOKIES_SENT).await;
        b.reload().await;
    }
}

/// Server 0 and server 1 have different keys, as one server has before and
/// after a restart without a key file. Server 2 is the lab, `--no-verify`.
async fn another_key_is_refused_and_the_lab_believes_it(e2e: E2e) {
    let apps = vec![
        app(&["--key-file", &key_file("a", 0)]).await,
        app(&["--key-file", &key_file("b", 100)]).await,
        app(&["--no-verify"]).await,
    ];
    let b = servers(&e2e, apps, Cookies::Allowed).await;
    b.open("/0/signed/").await;
    b.reload().await;
    b.expect_main("You have visited this page 2 times").await;

    // Chromium sends server 0's cookie to server 1: another key, refused.
    b.open("/1/signed/").await;
    let main = b
        .expect_main("whose signature does not match its value")
        .await;
    assert!(
        main.contains("You have visited this page 1 times"),
        "{main}"
    );
    b.reload().await;
    b.expect_main("You have visited this page 2 times").await;

    // The lab checks no signature: server 1's cookie is believed.
    b.open("/2/signed/").await;
    let main = b
        .expect_main("Defence off: the signature check (--no-verify).")
        .await;
    assert!(
        main.contains("You have visited this page 3 times"),
        "{main}"
    );
}

/// Chromium keeps the cookie (it has no Max-Age); the server refuses it.
async fn a_stamped_cookie_is_refused_once_too_old(e2e: E2e) {
    let b = e2e
        .browser(app(&["--max-age", "1"]).await, Cookies::Allowed)
        .await;
    b.open("/stamped/").await;
    b.reload().await;
    b.expect_main("You have visited this page 2 times").await;
    tokio::time::sleep(Duration::from_millis(2100)).await;
    b.reload().await;
    let main = b.expect_main("more than the 1 it accepts").await;
    assert!(
        main.contains("You have visited this page 1 times"),
        "{main}"
    );
    b.expect_wire("stamped_count is signed.").await;
}
