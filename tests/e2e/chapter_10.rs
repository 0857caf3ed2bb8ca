//! Chapter 10 in a real browser: the CSRF lab's truth table. Each test is one
//! row of the table in `book/src/chapter-10.md`: it sets the lab panel as a
//! student would, logs alice in, then opens the attacker's pages and lets
//! Chromium perform each attack for real (the form that posts itself, the
//! link, the image). What Chromium sent, and what the victim did, is read
//! from the victim's own log: whether the session cookie came, and the
//! outcome.
//!
//! The lab runs as `cargo run -p chapter-10` runs it: the victim on a port P
//! of 127.0.0.1, the attacker on `localhost:P+100`, the same-site attacker on
//! `127.0.0.1:P+200`; the attackers' pages aim at P. The test harness opens
//! its browser on a server of its own, so that server only sends the browser
//! on to the victim (a redirect for every address).

use std::{
    path::{Path, PathBuf},
    time::{Duration, Instant},
};

use axum::{
    Router,
    http::{HeaderValue, Uri, header},
    response::{Html, IntoResponse, Redirect},
    routing::get,
};
use course_kit::Settings;
use libtest_mimic::Trial;

use crate::support::{Browser, Cookies, E2e, Shot, WIRE_HEADING, WIRE_REQUEST, browser_test};

/// This chapter's browser tests, as `main.rs` collects them.
pub fn tests() -> Vec<Trial> {
    vec![
        browser_test!(row_1_every_defence_on),
        browser_test!(row_2_only_the_token_check),
        browser_test!(row_3_only_the_origin_check),
        browser_test!(row_4_only_same_site_lax),
        browser_test!(row_5_only_same_site_strict),
        browser_test!(row_6_no_defence_same_site_none),
        browser_test!(row_7_no_defence_no_same_site_attribute),
        browser_test!(chromium_on_loopback_keeps_secure_and_drops_none_without_it),
    ]
}

/// The lab's three sites, served on free ports, and the browser.
struct Lab {
    browser: Browser,
    attacker: String,
    same_site_attacker: String,
    /// How many state-changing requests the log has seen so far.
    attacks: usize,
}

/// Which of the attacker's two copies.
#[derive(Clone, Copy)]
enum Attacker {
    /// `http://localhost:P+100`: another site.
    CrossSite,
    /// `http://127.0.0.1:P+200`: the same site, another origin.
    SameSite,
}

/// One line of the victim's log: what Chromium sent, and what the victim did.
struct Entry {
    request: String,
    came_from: String,
    cookie: String,
    outcome: String,
}

/// Serves the lab as `cargo run -p chapter-10 -- --port P` would, for a free
/// P whose attacker ports are free too, and opens a browser on it.
async fn start(e2e: &E2e) -> Lab {
    start_at(e2e, None).await
}

/// Like [`start`], on the chapter's own port P if it is free (`preferred`).
async fn start_at(e2e: &E2e, preferred: Option<u16>) -> Lab {
    for attempt in 0..20 {
        let port = match preferred.filter(|_| attempt == 0) {
            Some(port) => port,
            None => {
                let Ok(probe) = tokio::net::TcpListener::bind("127.0.0.1:0").await else {
                    continue;
                };
                probe.local_addr().expect("local address").port()
            }
        };
        let settings = Settings::parse(
            &::chapter_10::CHAPTER,
            ["--port".to_string(), port.to_string()],
            None,
        )
        .expect("settings");
        let sites = ::chapter_10::app(&settings);
        let mut listeners = Vec::new();
        let wanted = std::iter::once((port, sites.main().clone())).chain(
            sites
                .others()
                .iter()
                .map(|site| (site.port, site.router.clone())),
        );
        for (port, router) in wanted {
            if let Ok(listener) = tokio::net::TcpListener::bind(("127.0.0.1", port)).await {
                listeners.push((listener, router));
            }
        }
        if listeners.len() != 1 + sites.others().len() {
            continue;
        }
        // The servers live as long as the test's runtime.
        for (listener, router) in listeners {
            tokio::spawn(async move { axum::serve(listener, router).await });
        }
        let urls = ::chapter_10::Urls::new(port);
        let victim = urls.victim.clone();
        let entrance = Router::new().fallback(move |uri: Uri| {
            let to = format!("{victim}{uri}");
            async move { Redirect::temporary(&to) }
        });
        let browser = e2e.browser(entrance, Cookies::Allowed).await;
        return Lab {
            browser,
            attacker: urls.attacker,
            same_site_attacker: urls.same_site_attacker,
            attacks: 0,
        };
    }
    panic!("found no free port P with P+100 and P+200 free");
}

impl Lab {
    /// Logs alice in, and sets the lab panel by pressing its buttons.
    async fn alice_with(&self, same_site: &str, token_check: bool, origin_check: bool) {
        let b = &self.browser;
        b.open("/").await;
        b.press("Log in as alice").await;
        b.expect_main("Logged in as alice.").await;
        if same_site != "SameSite=Lax" {
            b.press(same_site).await;
        }
        if !token_check {
            b.press("Switch the token check off").await;
        }
        if !origin_check {
            b.press("Switch the Origin / Sec-Fetch-Site check off")
                .await;
        }
        b.expect_main(&format!("the session cookie is sent with {same_site};"))
            .await;
        b.expect_main("Logged in as alice.").await;
    }

    /// Opens the attacker's page (from the victim's own link to it).
    async fn visit(&self, from: Attacker) {
        let b = &self.browser;
        b.open("/").await;
        let address = match from {
            Attacker::CrossSite => &self.attacker,
            Attacker::SameSite => &self.same_site_attacker,
        };
        b.click_link(&format!("{address}/")).await;
        b.expect_main("Mallory's page").await;
    }

    /// The form that posts itself to the victim's /email/.
    async fn forged_post(&mut self, from: Attacker) -> Entry {
        self.post_itself(from).await;
        self.newest_entry().await
    }

    /// Opens the attacker's page with the form, and waits for the victim's
    /// answer: the page submits its form as soon as it has loaded.
    async fn post_itself(&self, from: Attacker) {
        self.visit(from).await;
        self.browser.click_link("A form that posts itself").await;
        let deadline = Instant::now() + Duration::from_secs(5);
        while self.browser.location().await != "/email/" {
            assert!(Instant::now() < deadline, "the form did not post itself");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// The link to the victim's GET /unsubscribe/, clicked.
    async fn forged_link(&mut self, from: Attacker) -> Entry {
        self.visit(from).await;
        self.browser.click_link("A link").await;
        self.browser
            .click_link("Click here to see your prize")
            .await;
        self.newest_entry().await
    }

    /// The image whose address is the victim's GET /unsubscribe/.
    async fn forged_image(&mut self, from: Attacker) -> Entry {
        self.visit(from).await;
        self.browser.click_link("An image").await;
        self.browser.expect_main("Nothing to see here").await;
        self.newest_entry().await
    }

    /// The log's newest line, once the attack's request has reached it.
    async fn newest_entry(&mut self) -> Entry {
        self.attacks += 1;
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            self.browser.open("/").await;
            let rows = self.browser.table_rows().await;
            let log: Vec<&Vec<String>> = rows.iter().filter(|row| row.len() == 5).collect();
            if let Some(row) = log.first()
                && row[0] == self.attacks.to_string()
            {
                return Entry {
                    request: row[1].clone(),
                    came_from: row[2].clone(),
                    cookie: row[3].clone(),
                    outcome: row[4].clone(),
                };
            }
            assert!(
                Instant::now() < deadline,
                "request {} never reached the victim's log",
                self.attacks
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Alice's account as the victim's page shows it: e-mail, newsletter.
    async fn account(&self) -> (String, String) {
        self.browser.open("/").await;
        let rows = self.browser.table_rows().await;
        (rows[0][0].clone(), rows[1][0].clone())
    }
}

impl Entry {
    /// Asserts what Chromium sent and what the victim did.
    #[track_caller]
    fn says(&self, request: &str, cookie: &str, outcome: &str) {
        assert_eq!(self.request, request);
        assert_eq!(
            self.cookie, cookie,
            "the session cookie ({})",
            self.came_from
        );
        assert!(
            self.outcome.starts_with(outcome),
            "{request} from {}: expected {outcome:?}, got {:?}",
            self.came_from,
            self.outcome
        );
    }
}

const POST: &str = "POST /email/";
const GET: &str = "GET /unsubscribe/";
const ORIGIN_REFUSED: &str = "Refused: sent by another origin's page";
const TOKEN_REFUSED: &str = "Form refused (CSRF check failed)";
const NOBODY: &str = "Refused: nobody is logged in";
const EMAIL_CHANGED: &str = "Done: alice's e-mail address is now mallory@evil.example.";
const UNSUBSCRIBED: &str = "Done: alice is unsubscribed from the newsletter.";

// ANCHOR: row_1
/// Row 1, the defaults: SameSite=Lax, the token check, the origin check.
/// Every attack is refused, from either attacker; the same-site page gets
/// the cookie through, and is refused for where it comes from.
async fn row_1_every_defence_on(e2e: E2e) {
    let mut lab = start(&e2e).await;
    lab.alice_with("SameSite=Lax", true, true).await;
    let post = lab.forged_post(Attacker::CrossSite).await;
    post.says(POST, "not sent", ORIGIN_REFUSED);
    assert!(
        post.came_from
            .starts_with("Sec-Fetch-Site: cross-site · Origin: http://localhost:")
    );
    lab.forged_link(Attacker::CrossSite)
        .await
        .says(GET, "sent", ORIGIN_REFUSED);
    lab.forged_image(Attacker::CrossSite)
        .await
        .says(GET, "not sent", ORIGIN_REFUSED);
    let same_site = lab.forged_post(Attacker::SameSite).await;
    same_site.says(POST, "sent", ORIGIN_REFUSED);
    assert!(
        same_site
            .came_from
            .starts_with("Sec-Fetch-Site: same-site · Origin: http://127.0.0.1:")
    );
    lab.forged_image(Attacker::SameSite)
        .await
        .says(GET, "sent", ORIGIN_REFUSED);
    assert_eq!(
        lab.account().await,
        ("alice@example.com".into(), "subscribed".into())
    );
}
// ANCHOR_END: row_1

/// Row 2: only the token check (SameSite=None, no origin check). The forged
/// posts carry alice's cookie, and no token this server gave out: the
/// cross-site one none at all, the same-site one a tossed cookie's value.
async fn row_2_only_the_token_check(e2e: E2e) {
    let mut lab = start(&e2e).await;
    lab.alice_with("SameSite=None; Secure", true, false).await;
    lab.forged_post(Attacker::CrossSite)
        .await
        .says(POST, "sent", TOKEN_REFUSED);
    lab.forged_post(Attacker::SameSite)
        .await
        .says(POST, "sent", TOKEN_REFUSED);
    assert_eq!(lab.account().await.0, "alice@example.com");
    // The token guards the POST only: the link's GET goes through.
    lab.forged_link(Attacker::CrossSite)
        .await
        .says(GET, "sent", UNSUBSCRIBED);
}

/// Row 3: only the origin check (SameSite=None, no token check).
async fn row_3_only_the_origin_check(e2e: E2e) {
    let mut lab = start(&e2e).await;
    lab.alice_with("SameSite=None; Secure", false, true).await;
    lab.forged_post(Attacker::CrossSite)
        .await
        .says(POST, "sent", ORIGIN_REFUSED);
    lab.forged_post(Attacker::SameSite)
        .await
        .says(POST, "sent", ORIGIN_REFUSED);
    lab.forged_link(Attacker::CrossSite)
        .await
        .says(GET, "sent", ORIGIN_REFUSED);
    assert_eq!(
        lab.account().await,
        ("alice@example.com".into(), "subscribed".into())
    );
}

// ANCHOR: row_4
/// Row 4: only SameSite=Lax, both checks off. Chromium keeps the cookie off
/// the cross-site post and image, but sends it with the link (a top-level
/// GET), and with everything from the same site.
async fn row_4_only_same_site_lax(e2e: E2e) {
    let mut lab = start(&e2e).await;
    lab.alice_with("SameSite=Lax", false, false).await;
    lab.forged_post(Attacker::CrossSite)
        .await
        .says(POST, "not sent", NOBODY);
    lab.forged_image(Attacker::CrossSite)
        .await
        .says(GET, "not sent", NOBODY);
    assert_eq!(
        lab.account().await,
        ("alice@example.com".into(), "subscribed".into())
    );
    lab.forged_link(Attacker::CrossSite)
        .await
        .says(GET, "sent", UNSUBSCRIBED);
    lab.forged_post(Attacker::SameSite)
        .await
        .says(POST, "sent", EMAIL_CHANGED);
    assert_eq!(
        lab.account().await,
        ("mallory@evil.example".into(), "unsubscribed".into())
    );
}
// ANCHOR_END: row_4

/// Row 5: only SameSite=Strict. Not even the link from another site brings
/// the cookie; a page of the same site still does.
async fn row_5_only_same_site_strict(e2e: E2e) {
    let mut lab = start(&e2e).await;
    lab.alice_with("SameSite=Strict", false, false).await;
    lab.forged_post(Attacker::CrossSite)
        .await
        .says(POST, "not sent", NOBODY);
    lab.forged_link(Attacker::CrossSite)
        .await
        .says(GET, "not sent", NOBODY);
    assert_eq!(
        lab.account().await,
        ("alice@example.com".into(), "subscribed".into())
    );
    lab.forged_image(Attacker::SameSite)
        .await
        .says(GET, "sent", UNSUBSCRIBED);
    lab.forged_post(Attacker::SameSite)
        .await
        .says(POST, "sent", EMAIL_CHANGED);
}

/// Row 6: no defence, SameSite=None. The forged post and the link succeed.
/// The image does not bring the cookie: headless Chromium, in a new profile,
/// blocks third-party cookies.
async fn row_6_no_defence_same_site_none(e2e: E2e) {
    let mut lab = start(&e2e).await;
    lab.alice_with("SameSite=None; Secure", false, false).await;
    lab.forged_image(Attacker::CrossSite)
        .await
        .says(GET, "not sent", NOBODY);
    lab.forged_post(Attacker::CrossSite)
        .await
        .says(POST, "sent", EMAIL_CHANGED);
    lab.forged_link(Attacker::CrossSite)
        .await
        .says(GET, "sent", UNSUBSCRIBED);
}

/// Row 7: no defence, and no SameSite attribute. Chromium treats the cookie
/// as Lax, except that a cookie younger than two minutes also goes with a
/// cross-site top-level POST: the forged post succeeds.
async fn row_7_no_defence_no_same_site_attribute(e2e: E2e) {
    let mut lab = start(&e2e).await;
    lab.alice_with("no SameSite attribute", false, false).await;
    lab.forged_image(Attacker::CrossSite)
        .await
        .says(GET, "not sent", NOBODY);
    lab.forged_post(Attacker::CrossSite)
        .await
        .says(POST, "sent", EMAIL_CHANGED);
}

/// Not a row of the lab, but what its SameSite=None rests on: on
/// `http://127.0.0.1`, Chromium keeps a `Secure` cookie (the loopback address
/// counts as a trustworthy origin), and refuses `SameSite=None` without it.
async fn chromium_on_loopback_keeps_secure_and_drops_none_without_it(e2e: E2e) {
    let cookies = Router::new()
        .route(
            "/set/",
            get(|| async {
                let mut response = Html("<main>set</main>").into_response();
                for cookie in [
                    "plain=1; Path=/",
                    "secure=1; Path=/; Secure",
                    "none_secure=1; Path=/; SameSite=None; Secure",
                    "none_insecure=1; Path=/; SameSite=None",
                ] {
                    let value = HeaderValue::from_static(cookie);
                    response.headers_mut().append(header::SET_COOKIE, value);
                }
                response
            }),
        )
        .route(
            "/echo/",
            get(|headers: axum::http::HeaderMap| async move {
                let sent = headers
                    .get("cookie")
                    .and_then(|value| value.to_str().ok())
                    .unwrap_or("")
                    .to_string();
                Html(format!("<main>{sent}</main>"))
            }),
        );
    let browser = e2e.browser(cookies, Cookies::Allowed).await;
    browser.open("/set/").await;
    browser.open("/echo/").await;
    let sent = browser.expect_main("plain=1").await;
    assert!(sent.contains("secure=1"), "{sent}");
    assert!(sent.contains("none_secure=1"), "{sent}");
    assert!(!sent.contains("none_insecure"), "{sent}");
}

/// The book's pictures of this chapter, for `screenshots.rs`, taken as the
/// book's steps 1 to 4 and 6 go. On the chapter's own ports if they are free;
/// on others, the pictures show the usual addresses all the same.
pub async fn screenshots(e2e: &E2e, dir: &Path) -> Vec<PathBuf> {
    let mut saved = Vec::new();
    let mut lab = start_at(e2e, Some(::chapter_10::CHAPTER.default_port())).await;
    let usual = ::chapter_10::Urls::new(::chapter_10::CHAPTER.default_port());
    let victim = lab
        .same_site_attacker
        .rsplit_once(':')
        .and_then(|(_, port)| port.parse::<u16>().ok())
        .map(|port| format!("http://127.0.0.1:{}", port - 200))
        .expect("the same-site attacker's port");
    let (attacker, same_site_attacker) = (lab.attacker.clone(), lab.same_site_attacker.clone());
    let usual_addresses = |shot: Shot| {
        shot.replacing(&attacker, &usual.attacker)
            .replacing(&same_site_attacker, &usual.same_site_attacker)
            .replacing(&victim, &usual.victim)
    };
    // Step 1: alice logs in; every defence is on, and the log is empty.
    lab.alice_with("SameSite=Lax", true, true).await;
    lab.browser.open("/").await;
    let shot = Shot::of(
        "chapter-10-account",
        &["main > h1", "main > table:first-of-type"],
    )
    .then(&["#lab", "main > form[action='/lab/']"])
    .then(&["main > h2:last-of-type", "main > h2:last-of-type + p"])
    .outline_text("main", "Now: the session cookie is sent with")
    .outline_text("main", "No request has tried to change the account yet.");
    saved.push(lab.browser.save_shot(dir, usual_addresses(shot)).await);
    // Step 2: the attacker's page.
    lab.visit(Attacker::CrossSite).await;
    // The attacker's page, under its red banner (the header).
    let shot = Shot::of("chapter-10-attacker", &["header", "main"]);
    saved.push(lab.browser.save_shot(dir, usual_addresses(shot)).await);
    // Step 3: each cross-site attack, with the defaults.
    lab.forged_post(Attacker::CrossSite).await;
    lab.forged_image(Attacker::CrossSite).await;
    lab.forged_link(Attacker::CrossSite).await;
    // Step 4: the same-site attacker's form, refused by the origin check.
    lab.post_itself(Attacker::SameSite).await;
    lab.browser
        .expect_main("Refused: sent by another origin's page")
        .await;
    let shot = Shot::main("chapter-10-refused")
        .then(&[WIRE_HEADING, WIRE_REQUEST])
        .outline_text("main", "Sec-Fetch-Site: same-site")
        .outline_text("#wire tbody", "csrftoken");
    saved.push(lab.browser.save_shot(dir, usual_addresses(shot)).await);
    lab.newest_entry().await;

    // Step 6: every defence off, and the three cross-site attacks again.
    lab.browser.open("/").await;
    lab.browser.press("SameSite=None; Secure").await;
    lab.browser.press("Switch the token check off").await;
    lab.browser
        .press("Switch the Origin / Sec-Fetch-Site check off")
        .await;
    lab.forged_post(Attacker::CrossSite).await;
    lab.forged_image(Attacker::CrossSite).await;
    lab.forged_link(Attacker::CrossSite).await;
    lab.browser.open("/").await;
    let shot = Shot::of(
        "chapter-10-log",
        &["main h2:last-of-type", "main > table:last-of-type"],
    )
    .outline_text("main > table:last-of-type", "Done: alice's e-mail")
    .outline_text("main > table:last-of-type", "Done: alice is unsubscribed");
    saved.push(lab.browser.save_shot(dir, usual_addresses(shot)).await);
    saved
}
