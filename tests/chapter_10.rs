//! Chapter 10: the CSRF lab. Alice's account changes through its own forms;
//! with every defence on, a request that another site's page sends with
//! alice's cookie and no valid token is refused with a 403 page that says
//! why; each defence alone stops the attack it is for, and the attack goes
//! through once it is off; the lab panel changes the session cookie's
//! SameSite at once, and cannot itself be switched off; the attacker's pages
//! aim at the port the chapter runs on.
//!
//! The in-process browser does not apply SameSite (it is one cookie jar for
//! one host): a test that needs "the browser kept the cookie back" uses a
//! browser without alice's cookie, and says so. The truth table of what
//! Chromium really sends is proven in `tests/e2e/chapter_10.rs`.

use axum::{
    body::Body,
    http::{Method, Request, header},
};
use chapter_10::{ATTACKER_EMAIL, TOSSED_TOKEN};
use session_course::{Answer, Browser, Exchange, Site, answer, snapshot};

const CROSS_SITE: (&str, &str) = ("http://localhost:3110", "cross-site");
const SAME_SITE: (&str, &str) = ("http://127.0.0.1:3210", "same-site");
const FORGED: [(&str, &str); 1] = [("email", ATTACKER_EMAIL)];

async fn site() -> Site {
    Site::start(chapter_10::CHAPTER, chapter_10::app).await
}

/// A browser on `site` in which alice is logged in, and its account page.
async fn alice(site: &Site) -> (Browser, Exchange) {
    let mut browser = site.browser();
    let page = browser.get("/").await;
    let login = browser.submit(&page, "/login/", &[]).await;
    assert_eq!(login.status, 303, "{}", login.main_text());
    let page = browser.get("/").await;
    assert!(page.main_text().contains("Logged in as alice."));
    (browser, page)
}

/// Sets the lab panel: a person presses up to three of its buttons, each of
/// which sends its own setting; one post may carry all three.
async fn set_lab(browser: &mut Browser, same_site: &str, token: bool, origin: bool) -> Exchange {
    let page = browser.get("/").await;
    let on_off = |on: bool| if on { "on" } else { "off" };
    let fields = [
        ("same_site", same_site),
        ("token_check", on_off(token)),
        ("origin_check", on_off(origin)),
    ];
    let answer = browser.submit(&page, "/lab/", &fields).await;
    assert_eq!(answer.status, 303, "{}", answer.main_text());
    answer
}

/// Alice's e-mail address, as another visitor's account page shows it.
async fn email_of_alice(site: &Site) -> String {
    let text = site.browser().get("/").await.main_text();
    let line = text
        .lines()
        .find(|line| line.starts_with("E-mail address | "))
        .unwrap_or_else(|| panic!("no e-mail address on the page:\n{text}"));
    line["E-mail address | ".len()..].to_string()
}

async fn newsletter_of_alice(site: &Site) -> String {
    let text = site.browser().get("/").await.main_text();
    let line = text
        .lines()
        .find(|line| line.starts_with("Newsletter | "))
        .unwrap_or_else(|| panic!("no newsletter line on the page:\n{text}"));
    line["Newsletter | ".len()..].to_string()
}

/// `GET target` as another page makes the browser send it (a link, an
/// image): no Origin, but a Sec-Fetch-Site.
async fn get_from(browser: &mut Browser, sec_fetch_site: &str, target: &str) -> Exchange {
    browser
        .send_with_headers(
            Method::GET,
            target,
            None,
            &[("sec-fetch-site", sec_fetch_site)],
        )
        .await
}

#[tokio::test]
async fn alice_logs_in_and_changes_her_account_through_its_own_forms() {
    let site = site().await;
    let mut browser = site.browser();
    let start = browser.get("/").await;
    assert_eq!(start.status, 200);
    assert!(start.main_text().contains("Nobody is logged in."));
    assert!(
        !start.main_text().contains("Defence off"),
        "every defence is on at the start"
    );
    assert!(
        start
            .main_text()
            .contains("the session cookie is sent with SameSite=Lax; the token check is on; the Origin / Sec-Fetch-Site check is on")
    );
    snapshot!("1_logged_out", start.snapshot());

    let login = browser.submit(&start, "/login/", &[]).await;
    assert_eq!(login.status, 303);
    assert_eq!(login.location(), Some("/"));
    let old_id = start.set_cookie("sessionid").unwrap();
    let new_id = login.set_cookie("sessionid").unwrap();
    assert_ne!(
        old_id.split(';').next(),
        new_id.split(';').next(),
        "a new session id at login"
    );
    snapshot!("2_login", login.snapshot());

    let account = browser.get("/").await;
    assert!(account.main_text().contains("Logged in as alice."));
    assert!(
        account
            .main_text()
            .contains("E-mail address | alice@example.com")
    );
    snapshot!("3_logged_in", account.snapshot());

    let changed = browser
        .submit(&account, "/email/", &[("email", " bob@example.com ")])
        .await;
    assert_eq!(changed.status, 200, "{}", changed.main_text());
    assert!(
        changed
            .main_text()
            .contains("alice's e-mail address is now bob@example.com.")
    );
    snapshot!("4_email_changed", changed.snapshot());
    assert_eq!(email_of_alice(&site).await, "bob@example.com");

    // The site's own unsubscribe link: a GET that changes something.
    let account = browser.get("/").await;
    let unsubscribed = browser
        .click(&account, "Unsubscribe from the newsletter")
        .await;
    assert_eq!(unsubscribed.status, 200);
    assert!(
        unsubscribed
            .main_text()
            .contains("alice is unsubscribed from the newsletter.")
    );
    assert_eq!(newsletter_of_alice(&site).await, "unsubscribed");

    // The log, newest first, says what each request did.
    let account = browser.get("/").await;
    let text = account.main_text();
    assert!(
        text.contains("2 | GET /unsubscribe/ | neither Sec-Fetch-Site nor Origin | sent | Done: alice is unsubscribed"),
        "{text}"
    );
    assert!(
        text.contains("1 | POST /email/ | neither Sec-Fetch-Site nor Origin | sent | Done: alice's e-mail address is now bob@example.com."),
        "{text}"
    );

    let bad = browser
        .submit(&account, "/email/", &[("email", "no at sign")])
        .await;
    assert_eq!(bad.status, 422);
    assert!(bad.main_text().contains("no spaces"));
    assert_eq!(email_of_alice(&site).await, "bob@example.com");

    let logout = browser.submit(&account, "/logout/", &[]).await;
    assert_eq!(logout.status, 303);
    assert!(
        logout
            .set_cookie("sessionid")
            .is_some_and(|c| c.contains("Max-Age=0"))
    );
    assert!(
        browser
            .get("/")
            .await
            .main_text()
            .contains("Nobody is logged in.")
    );
}

// ANCHOR: defaults_refuse
/// The issue's promise: with the defaults, every state-changing request that
/// arrives from another page with alice's cookie and no valid token is
/// refused with a 403 page that says why, and changes nothing.
#[tokio::test]
async fn with_the_defaults_a_forged_request_with_alices_cookie_is_refused() {
    let site = site().await;
    let (mut browser, _) = alice(&site).await;

    // The browser brings alice's cookie to a request from the same site
    // whatever its SameSite (ports do not count), and to one from another
    // site where SameSite=None, or where it does not know SameSite at all.
    for (origin, sec_fetch_site) in [CROSS_SITE, SAME_SITE] {
        let post = browser
            .post_from(origin, sec_fetch_site, "/email/", &FORGED)
            .await;
        assert_eq!(post.status, 403, "{origin}");
        assert!(post.cookie_sent.as_deref().unwrap().contains("sessionid="));
        let text = post.main_text();
        assert!(
            text.contains("Refused: sent by another origin's page"),
            "{text}"
        );
        assert!(
            text.contains(&format!("Sec-Fetch-Site: {sec_fetch_site}")),
            "{text}"
        );

        // A link or an image on another page: a GET, with no Origin.
        let get = get_from(&mut browser, sec_fetch_site, "/unsubscribe/").await;
        assert_eq!(get.status, 403, "{origin}");
        assert!(
            get.main_text()
                .contains("Refused: sent by another origin's page")
        );
    }
    // The same-site attacker's page tosses a csrftoken cookie for the host
    // and posts the same value: refused all the same, for where it comes from.
    browser.set_cookie("csrftoken", TOSSED_TOKEN);
    let tossed = browser
        .post_from(
            SAME_SITE.0,
            SAME_SITE.1,
            "/email/",
            &[
                ("email", ATTACKER_EMAIL),
                ("csrfmiddlewaretoken", TOSSED_TOKEN),
            ],
        )
        .await;
    assert_eq!(tossed.status, 403);
    assert!(tossed.main_text().contains("Sec-Fetch-Site: same-site"));
    snapshot!("5_forged_post_refused", tossed.snapshot());
    // The whole page once: the inspector shows alice's cookie and the
    // tossed one arriving, and the form with the tossed token.
    snapshot!("full_page", tossed.full_snapshot());

    // Even the token that matches would not help a request from another page.
    let page = browser.get("/").await;
    let token = page.forms()[0].hidden[0].1.clone();
    let with_token = browser
        .post_from(
            CROSS_SITE.0,
            CROSS_SITE.1,
            "/email/",
            &[("email", ATTACKER_EMAIL), ("csrfmiddlewaretoken", &token)],
        )
        .await;
    assert_eq!(with_token.status, 403);

    assert_eq!(email_of_alice(&site).await, "alice@example.com");
    assert_eq!(newsletter_of_alice(&site).await, "subscribed");
    let log = browser.get("/").await.main_text();
    assert!(
        log.contains("POST /email/ | Sec-Fetch-Site: cross-site · Origin: http://localhost:3110 | sent | Refused: sent by another origin's page"),
        "{log}"
    );
}
// ANCHOR_END: defaults_refuse

#[tokio::test]
async fn the_token_check_alone_refuses_a_forged_post() {
    let site = site().await;
    let (mut browser, _) = alice(&site).await;
    set_lab(&mut browser, "None", true, false).await;

    let missing = browser
        .post_from(CROSS_SITE.0, CROSS_SITE.1, "/email/", &FORGED)
        .await;
    assert_eq!(missing.status, 403);
    assert!(missing.main_text().contains("CSRF check failed"));
    assert!(
        missing
            .main_text()
            .contains("The form carried no csrfmiddlewaretoken field.")
    );
    assert!(
        missing
            .main_text()
            .contains("Defence off: the Origin / Sec-Fetch-Site check.")
    );
    snapshot!("6_token_check_refuses", missing.snapshot());

    // The same-site attacker tosses a csrftoken cookie and puts the same
    // value in the form: chapter 4's double-submit check would compare the
    // two. This token lives in the session, which no other site can set.
    browser.set_cookie("csrftoken", TOSSED_TOKEN);
    let tossed = browser
        .post_from(
            SAME_SITE.0,
            SAME_SITE.1,
            "/email/",
            &[
                ("email", ATTACKER_EMAIL),
                ("csrfmiddlewaretoken", TOSSED_TOKEN),
            ],
        )
        .await;
    assert_eq!(tossed.status, 403);
    assert!(
        tossed
            .main_text()
            .contains("does not match the one this server gave you")
    );
    assert_eq!(email_of_alice(&site).await, "alice@example.com");

    // The token protects a POST only: a GET carries none, so a link from
    // another site unsubscribes alice.
    let link = get_from(&mut browser, "cross-site", "/unsubscribe/").await;
    assert_eq!(link.status, 200);
    assert_eq!(newsletter_of_alice(&site).await, "unsubscribed");
}

#[tokio::test]
async fn the_origin_check_alone_refuses_a_forged_post() {
    let site = site().await;
    let (mut browser, _) = alice(&site).await;
    set_lab(&mut browser, "None", false, true).await;
    for (origin, sec_fetch_site) in [CROSS_SITE, SAME_SITE] {
        let post = browser
            .post_from(origin, sec_fetch_site, "/email/", &FORGED)
            .await;
        assert_eq!(post.status, 403, "{origin}");
        assert!(
            post.main_text()
                .contains("Defence off: the CSRF token check.")
        );
    }
    // An old browser that sends Sec-Fetch-Site no more, but still Origin.
    let origin_only = browser
        .send_with_headers(
            Method::POST,
            "/email/",
            Some(format!("email={ATTACKER_EMAIL}")),
            &[("origin", CROSS_SITE.0)],
        )
        .await;
    assert_eq!(origin_only.status, 403);
    assert!(
        origin_only.main_text().contains(
            "it comes from http://localhost:3110, and this server is http://127.0.0.1:3010"
        )
    );
    assert_eq!(email_of_alice(&site).await, "alice@example.com");
}

#[tokio::test]
async fn with_both_checks_off_the_forged_post_changes_the_account() {
    let site = site().await;
    let (mut browser, _) = alice(&site).await;
    let switched = set_lab(&mut browser, "None", false, false).await;
    assert!(
        switched
            .set_cookie("sessionid")
            .is_some_and(|c| c.contains("SameSite=None") && c.contains("Secure"))
    );

    let forged = browser
        .post_from(CROSS_SITE.0, CROSS_SITE.1, "/email/", &FORGED)
        .await;
    assert_eq!(forged.status, 200);
    assert!(
        forged
            .main_text()
            .contains("alice's e-mail address is now mallory@evil.example.")
    );
    for banner in [
        "Defence off: the session cookie is sent with SameSite=None; Secure.",
        "Defence off: the CSRF token check.",
        "Defence off: the Origin / Sec-Fetch-Site check.",
    ] {
        assert!(forged.main_text().contains(banner), "{banner}");
    }
    snapshot!("7_forged_post_accepted", forged.snapshot());
    assert_eq!(email_of_alice(&site).await, ATTACKER_EMAIL);

    // The same post from a browser that kept alice's cookie back, as
    // SameSite=Lax or Strict makes Chromium do: there is no account to change.
    let mut without_cookie = site.browser();
    let kept_back = without_cookie
        .post_from(CROSS_SITE.0, CROSS_SITE.1, "/email/", &[("email", "x@y.z")])
        .await;
    assert_eq!(kept_back.status, 403);
    assert!(
        kept_back
            .main_text()
            .contains("Refused: nobody is logged in")
    );
    assert!(
        kept_back.set_cookies().is_empty(),
        "a refused request from another site starts no session"
    );
    snapshot!("8_no_cookie_no_account", kept_back.snapshot());
    assert_eq!(email_of_alice(&site).await, ATTACKER_EMAIL);

    let account = browser.get("/").await;
    let log = account.main_text();
    assert!(
        log.contains("| not sent | Refused: nobody is logged in"),
        "{log}"
    );
    snapshot!("9_log", account.snapshot());
}

#[tokio::test]
async fn the_panel_sets_the_session_cookies_same_site_at_once() {
    let site = site().await;
    let (mut browser, _) = alice(&site).await;
    for (choice, expected, banner) in [
        ("Strict", Some("SameSite=Strict"), false),
        ("None", Some("SameSite=None"), true),
        ("not-set", None, true),
        ("Lax", Some("SameSite=Lax"), false),
    ] {
        let answer = set_lab(&mut browser, choice, true, true).await;
        let cookie = answer.set_cookie("sessionid").expect("the cookie, re-sent");
        match expected {
            Some(attribute) => assert!(cookie.contains(attribute), "{choice}: {cookie}"),
            None => assert!(!cookie.contains("SameSite"), "{choice}: {cookie}"),
        }
        assert_eq!(cookie.contains("Secure"), choice == "None", "{cookie}");
        let page = browser.get("/").await;
        assert_eq!(
            page.set_cookie("sessionid").unwrap(),
            cookie,
            "every page re-sends it"
        );
        assert_eq!(page.main_text().contains("Defence off"), banner, "{choice}");
        assert!(page.main_text().contains("Logged in as alice."), "{choice}");
    }
}

#[tokio::test]
async fn the_panel_and_the_login_cannot_be_switched_off_or_forged() {
    let site = site().await;
    let (mut browser, _) = alice(&site).await;
    set_lab(&mut browser, "None", false, false).await;

    // Another site's page cannot switch the defences, even with them all off.
    let switch = [("same_site", "None"), ("csrfmiddlewaretoken", "x")];
    let forged = browser
        .post_from(CROSS_SITE.0, CROSS_SITE.1, "/lab/", &switch)
        .await;
    assert_eq!(forged.status, 403);
    let no_token = browser.post("/lab/", &[("same_site", "Strict")]).await;
    assert_eq!(no_token.status, 403);
    assert!(no_token.main_text().contains("CSRF check failed"));
    for target in ["/login/", "/logout/", "/lab/reset/"] {
        let forged = browser
            .post_from(CROSS_SITE.0, CROSS_SITE.1, target, &[])
            .await;
        assert_eq!(forged.status, 403, "{target}");
    }

    // A value no radio button sends: refused, and nothing changes.
    let page = browser.get("/").await;
    let bad = browser
        .submit(&page, "/lab/", &[("same_site", "<b>Lax</b>")])
        .await;
    assert_eq!(bad.status, 422);
    assert!(
        bad.main_text()
            .contains("\"<b>Lax</b>\" is not a SameSite choice of the lab panel")
    );
    assert!(!bad.body.contains("<b>Lax"), "escaped");
    assert!(
        browser.get("/").await.main_text().contains(
            "the session cookie is sent with SameSite=None; Secure; the token check is off"
        )
    );

    // Reset: alice's account as it was, an empty log; the defences stay.
    browser
        .post_from(CROSS_SITE.0, CROSS_SITE.1, "/email/", &FORGED)
        .await;
    let page = browser.get("/").await;
    let reset = browser.submit(&page, "/lab/reset/", &[]).await;
    assert_eq!(reset.status, 303);
    let page = browser.get("/").await;
    assert!(
        page.main_text()
            .contains("No request has tried to change the account yet.")
    );
    assert_eq!(email_of_alice(&site).await, "alice@example.com");
}

/// The attacker's page at `path`, on the site called `name`.
async fn attacker_page(site: &Site, name: &str, path: &str) -> Answer {
    let router = &site.sites.other(name).expect(name).router;
    let request = Request::builder().uri(path).body(Body::empty()).unwrap();
    answer(router, request).await
}

#[tokio::test]
async fn the_attackers_pages_aim_at_the_victim() {
    let site = site().await;
    for name in ["Attacker", "Same-site attacker"] {
        let index = attacker_page(&site, name, "/").await;
        assert_eq!(index.status, 200);
        assert!(index.body.contains("The attacker's site"));
        let post = attacker_page(&site, name, "/post/").await;
        assert!(
            post.body
                .contains(r#"action="http://127.0.0.1:3010/email/""#),
            "{}",
            post.body
        );
        assert!(post.body.contains("document.forms[0].submit();"));
        assert!(
            post.body.contains("Claim your prize"),
            "a button for no-script"
        );
        let csp = post.headers[header::CONTENT_SECURITY_POLICY]
            .to_str()
            .unwrap();
        assert!(csp.contains("script-src 'unsafe-inline'") && csp.contains("form-action *"));
        let tosses = post.headers.get(header::SET_COOKIE).is_some();
        assert_eq!(tosses, name == "Same-site attacker", "{name}");
        assert_eq!(post.body.contains(TOSSED_TOKEN), tosses);
        let link = attacker_page(&site, name, "/link/").await;
        assert!(
            link.body
                .contains(r#"href="http://127.0.0.1:3010/unsubscribe/""#)
        );
        let image = attacker_page(&site, name, "/image/").await;
        assert!(
            image
                .body
                .contains(r#"<img src="http://127.0.0.1:3010/unsubscribe/""#)
        );
    }
    let page = attacker_page(&site, "Same-site attacker", "/post/").await;
    let page = page.body;
    let main = &page[page.find("<main>").unwrap()..page.find("</main>").unwrap() + 7];
    snapshot!("attacker_post_page", main.replace("><", ">\n<"));
}

#[tokio::test]
async fn on_another_port_every_address_follows() {
    let site = Site::start_with(chapter_10::CHAPTER, chapter_10::app, &["--port", "4000"]).await;
    let attacker = &site.sites.other("Attacker").unwrap();
    assert_eq!((attacker.host, attacker.port), ("localhost", 4100));
    let same_site = &site.sites.other("Same-site attacker").unwrap();
    assert_eq!((same_site.host, same_site.port), ("127.0.0.1", 4200));
    let post = attacker_page(&site, "Attacker", "/post/").await;
    assert!(
        post.body
            .contains(r#"action="http://127.0.0.1:4000/email/""#)
    );
    let victim = site.browser().get("/").await;
    assert!(victim.link("http://localhost:4100/").is_some());
    assert!(victim.link("http://127.0.0.1:4200/").is_some());
    // At the top of the port range, the attackers move below it.
    let high = chapter_10::Urls::new(65500);
    assert_eq!(high.attacker, "http://localhost:65400");
    assert_eq!(high.same_site_attacker, "http://127.0.0.1:65300");
}

/// Adds the headers a browser sent with a request from another page to the
/// `curl` line of a transcript, so that pasting it sends what was sent.
fn sent_from(transcript: String, origin: Option<&str>, sec_fetch_site: &str) -> String {
    let mut headers = String::new();
    if let Some(origin) = origin {
        headers.push_str(&format!(" -H 'Origin: {origin}'"));
    }
    headers.push_str(&format!(" -H 'Sec-Fetch-Site: {sec_fetch_site}'"));
    transcript.replacen("$ curl -i", &format!("$ curl -i{headers}"), 1)
}

/// The book's "as curl sees it": alice logs in; a form post from a page on
/// another port is refused with every defence on; the panel switches the checks off and
/// SameSite to None; the same post goes through; a link from another site
/// unsubscribes her.
#[tokio::test]
async fn transcript() {
    let site = site().await;
    let mut browser = site.browser();
    let mut text = Vec::new();
    let start = browser.get("/").await;
    text.push(start.transcript(&["Nobody is logged in"]));
    let login = browser.submit(&start, "/login/", &[]).await;
    text.push(login.transcript(&[]));

    // The same-site attacker's page: Chromium brings the SameSite=Lax cookie.
    let refused = browser
        .post_from(SAME_SITE.0, SAME_SITE.1, "/email/", &FORGED)
        .await;
    text.push(format!(
        "# A page on another port posts its form, with every defence on:\n{}",
        sent_from(
            refused.transcript(&["Refused", "Sec-Fetch-Site"]),
            Some(SAME_SITE.0),
            SAME_SITE.1
        )
    ));

    let switched = set_lab(&mut browser, "None", false, false).await;
    text.push(format!(
        "# The lab panel: SameSite=None, both checks off:\n{}",
        switched.transcript(&[])
    ));
    let accepted = browser
        .post_from(CROSS_SITE.0, CROSS_SITE.1, "/email/", &FORGED)
        .await;
    assert_eq!(accepted.status, 200);
    text.push(format!(
        "# A page on another site, localhost, posts its form:\n{}",
        sent_from(
            accepted.transcript(&["e-mail address is now"]),
            Some(CROSS_SITE.0),
            CROSS_SITE.1,
        )
    ));
    let link = get_from(&mut browser, "cross-site", "/unsubscribe/").await;
    assert_eq!(link.status, 200);
    text.push(format!(
        "# A link on another site:\n{}",
        sent_from(link.transcript(&["unsubscribed"]), None, "cross-site")
    ));
    snapshot!("transcript", text.join("\n"));
}

/// The request log's lines that the book's "Try it" steps quote.
#[tokio::test]
async fn log_lines() {
    let site = site().await;
    let (mut browser, _) = alice(&site).await;
    let refused = browser
        .post_from(SAME_SITE.0, SAME_SITE.1, "/email/", &FORGED)
        .await;
    assert!(
        refused
            .log_line()
            .starts_with("POST /email/ | Cookie: sessionid=")
    );
    assert!(refused.log_line().contains("| 403 Forbidden"));
    snapshot!("log_refused", refused.book_log_line());
    let switched = set_lab(&mut browser, "Strict", true, true).await;
    assert!(switched.log_line().contains("SameSite=Strict"));
    snapshot!("log_strict", switched.book_log_line());
}
