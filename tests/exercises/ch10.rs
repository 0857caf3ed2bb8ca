//! The checks of chapter 10's exercises (`book/src/chapter-10.md`): the
//! newsletter's unsubscribe made a POST with a token, and a resource
//! isolation policy that refuses what other sites' pages send.

use axum::http::Method;
use course_kit::Settings;
use session_course::{Browser, Exchange, Site};

use crate::check::{Exercise, line_with};

const CROSS_SITE: (&str, &str) = ("http://localhost:3110", "cross-site");
const SAME_SITE: (&str, &str) = ("http://127.0.0.1:3210", "same-site");
const MALLORY: &str = "mallory@evil.example";

/// A browser on `site` in which alice is logged in.
async fn alice(exercise: &Exercise, site: &Site) -> Browser {
    let mut browser = site.browser();
    let page = browser.get("/").await;
    let login = browser.submit(&page, "/login/", &[]).await;
    exercise.expect(
        login.status == 303,
        "alice to log in with the account page's button, as before",
        format!("{} {}", login.status, login.main_text()),
    );
    browser
}

/// Presses the lab panel's buttons: SameSite, then the two checks on or off.
async fn set_lab(
    exercise: &Exercise,
    browser: &mut Browser,
    same_site: &str,
    token: bool,
    origin: bool,
) {
    let page = browser.get("/").await;
    let on_off = |on: bool| if on { "on" } else { "off" };
    let fields = [
        ("same_site", same_site),
        ("token_check", on_off(token)),
        ("origin_check", on_off(origin)),
    ];
    let answer = browser.submit(&page, "/lab/", &fields).await;
    exercise.expect(
        answer.status == 303,
        "the lab panel to switch the defences, as before",
        format!("{} {}", answer.status, answer.main_text()),
    );
}

/// A line of alice's account, as another visitor's page shows it.
async fn account_line(site: &Site, label: &str) -> String {
    let text = site.browser().get("/").await.main_text();
    line_with(&text, &format!("{label} | "))
}

async fn newsletter(site: &Site) -> String {
    account_line(site, "Newsletter").await
}

async fn email(site: &Site) -> String {
    account_line(site, "E-mail address").await
}

const UNSUBSCRIBE_POST: Exercise = Exercise {
    id: "10.1",
    title: "Fix the mistake: unsubscribe with a POST",
    work_in: "chapters/10-csrf-lab/src/lib.rs: the route and `unsubscribe`; src/pages.rs: the \
              button on the account page",
};

#[tokio::test]
async fn ch10_1_unsubscribing_is_a_post_with_a_token() {
    let exercise = UNSUBSCRIBE_POST;
    let site = Site::start(chapter_10::CHAPTER, chapter_10::app).await;
    let mut browser = alice(&exercise, &site).await;
    let account = browser.get("/").await;
    let Some(form) = account
        .forms()
        .into_iter()
        .find(|form| form.action == "/unsubscribe/")
    else {
        exercise.fail(
            "alice's account page to have a form that posts to /unsubscribe/ (a button \
             \"Unsubscribe from the newsletter\")",
            format!("the page's forms: {:?}", account.forms()),
        );
    };
    exercise.expect(
        form.hidden
            .iter()
            .any(|(name, _)| name == course_kit::csrf::FIELD),
        "the unsubscribe form to carry the CSRF token, as the e-mail form does",
        format!("its hidden fields: {:?}", form.hidden),
    );

    // A GET changes nothing any more: not the old link, not an image.
    let get = browser.get("/unsubscribe/").await;
    exercise.expect(
        get.status == 405 && newsletter(&site).await.ends_with("| subscribed"),
        "GET /unsubscribe/ to be answered 405 Method Not Allowed, alice still subscribed",
        format!("{} {}", get.status, newsletter(&site).await),
    );

    // With SameSite=None and the origin check off, only the token is left.
    set_lab(&exercise, &mut browser, "None", true, false).await;
    let forged = browser
        .post_from(CROSS_SITE.0, CROSS_SITE.1, "/unsubscribe/", &[])
        .await;
    exercise.expect(
        forged.status == 403 && newsletter(&site).await.ends_with("| subscribed"),
        "another site's form posting to /unsubscribe/ without the token to be refused with 403 \
         by the token check: `checks(&defences, &session, &headers, Some(&form.csrf_token))`",
        format!("{} {}", forged.status, newsletter(&site).await),
    );
    let image = browser
        .send_with_headers(
            Method::GET,
            "/unsubscribe/",
            None,
            &[("sec-fetch-site", "cross-site")],
        )
        .await;
    exercise.expect(
        image.status == 405 && newsletter(&site).await.ends_with("| subscribed"),
        "the attacker's link or image (a cross-site GET /unsubscribe/) to get 405 and change \
         nothing, whatever the defences",
        format!("{} {}", image.status, newsletter(&site).await),
    );

    // Alice's own button works.
    let account = browser.get("/").await;
    let done = browser.submit(&account, "/unsubscribe/", &[]).await;
    exercise.expect(
        done.status == 200
            && done
                .main_text()
                .contains("alice is unsubscribed from the newsletter.")
            && newsletter(&site).await.ends_with("| unsubscribed"),
        "alice's own button to unsubscribe her: \"alice is unsubscribed from the newsletter.\"",
        format!("{} {}", done.status, done.main_text().replace('\n', " / ")),
    );
}

const ISOLATION: Exercise = Exercise {
    id: "10.2",
    title: "A resource-isolation policy",
    work_in: "chapters/10-csrf-lab/src/lib.rs: a `--resource-isolation` option in `CHAPTER`, and \
              a middleware in `app`",
};

/// A request as another page makes the browser send it, with the fetch
/// metadata Chromium adds: where it comes from, and what kind of request.
async fn fetch(
    browser: &mut Browser,
    method: Method,
    target: &str,
    body: Option<String>,
    (site, mode, dest): (&str, &str, &str),
    origin: Option<&str>,
) -> Exchange {
    let mut headers = vec![
        ("sec-fetch-site", site),
        ("sec-fetch-mode", mode),
        ("sec-fetch-dest", dest),
    ];
    if let Some(origin) = origin {
        headers.push(("origin", origin));
    }
    browser
        .send_with_headers(method, target, body, &headers)
        .await
}

#[tokio::test]
async fn ch10_2_other_sites_get_only_top_level_navigations() {
    let exercise = ISOLATION;
    let args = ["--resource-isolation".to_string()];
    if let Err(error) = Settings::parse(&chapter_10::CHAPTER, args, None) {
        exercise.fail(
            "chapter 10 to accept the option --resource-isolation (a `CliOption` with \
             `OptionValue::Flag`)",
            format!("`cargo run -p chapter-10 -- --resource-isolation` says: {error}"),
        );
    }
    let forged_post = format!("email={MALLORY}");

    // Without the option, the lab is as it was: with every defence off, the
    // forged post goes through.
    let site = Site::start(chapter_10::CHAPTER, chapter_10::app).await;
    let mut browser = alice(&exercise, &site).await;
    set_lab(&exercise, &mut browser, "None", false, false).await;
    let post = fetch(
        &mut browser,
        Method::POST,
        "/email/",
        Some(forged_post.clone()),
        (CROSS_SITE.1, "navigate", "document"),
        Some(CROSS_SITE.0),
    )
    .await;
    exercise.expect(
        post.status == 200,
        "without --resource-isolation, the lab as before: every defence off, the forged post \
         goes through",
        format!("{} {}", post.status, email(&site).await),
    );

    // With it, and every other defence off.
    let site = Site::start_with(
        chapter_10::CHAPTER,
        chapter_10::app,
        &["--resource-isolation"],
    )
    .await;
    let mut browser = alice(&exercise, &site).await;
    set_lab(&exercise, &mut browser, "None", false, false).await;
    let post = fetch(
        &mut browser,
        Method::POST,
        "/email/",
        Some(forged_post.clone()),
        (CROSS_SITE.1, "navigate", "document"),
        Some(CROSS_SITE.0),
    )
    .await;
    exercise.expect(
        post.status == 403 && email(&site).await.ends_with("| alice@example.com"),
        "with --resource-isolation, another site's form post (Sec-Fetch-Site: cross-site, a \
         navigation, but a POST) to be refused with 403, alice's address unchanged",
        format!("{} {}", post.status, email(&site).await),
    );
    let image = fetch(
        &mut browser,
        Method::GET,
        "/",
        None,
        (CROSS_SITE.1, "no-cors", "image"),
        None,
    )
    .await;
    exercise.expect(
        image.status == 403,
        "another site's image (Sec-Fetch-Mode: no-cors, Sec-Fetch-Dest: image) to be refused \
         with 403, even for a page that changes nothing",
        image.status,
    );
    let unsubscribe = fetch(
        &mut browser,
        Method::GET,
        "/unsubscribe/",
        None,
        (CROSS_SITE.1, "no-cors", "image"),
        None,
    )
    .await;
    exercise.expect(
        unsubscribe.status != 200 && newsletter(&site).await.ends_with("| subscribed"),
        "another site's image of /unsubscribe/ to change nothing",
        format!("{} {}", unsubscribe.status, newsletter(&site).await),
    );
    let link = fetch(
        &mut browser,
        Method::GET,
        "/",
        None,
        (CROSS_SITE.1, "navigate", "document"),
        None,
    )
    .await;
    exercise.expect(
        link.status == 200 && link.main_text().contains("Logged in as alice."),
        "a link from another site (a GET, Sec-Fetch-Mode: navigate, Sec-Fetch-Dest: document) \
         to be let through: anyone may link to the site",
        format!(
            "{} {}",
            link.status,
            link.main_text().lines().next().unwrap_or("")
        ),
    );

    // The same site, and browsers that send no fetch metadata, are let through.
    let same_site = fetch(
        &mut browser,
        Method::POST,
        "/email/",
        Some(forged_post),
        (SAME_SITE.1, "navigate", "document"),
        Some(SAME_SITE.0),
    )
    .await;
    exercise.expect(
        same_site.status == 200 && email(&site).await.ends_with(&format!("| {MALLORY}")),
        "a post from the same site (Sec-Fetch-Site: same-site) to be let through by this \
         policy: with every other defence off, it changes the address",
        format!("{} {}", same_site.status, email(&site).await),
    );
    let own = browser.get("/").await;
    let changed = browser
        .submit(&own, "/email/", &[("email", "alice@example.org")])
        .await;
    exercise.expect(
        changed.status == 200,
        "a request with no Sec-Fetch-Site at all (an older browser, curl) to be let through: \
         alice's own form",
        changed.status,
    );
}
