//! Chapter 7: the cart and counter work without cookies, through rewritten
//! URLs and hidden fields; a browser that sends a cookie back moves its
//! session into the `sessionid` cookie under a new id, and URLs turn clean;
//! ids the server did not make, or that another site's page sends, are never
//! adopted; and no refused request sets a cookie.

use axum::{
    body::Body,
    http::{Request, header},
};
use session_course::{Site, answer, snapshot};

const ADD: &str = "/addItem/";

async fn site() -> Site {
    Site::start(chapter_7::CHAPTER, chapter_7::app).await
}

/// The session id a page's "Count again" (or any) link carries.
fn sid_in(link: &str) -> String {
    link.split_once("?sid=")
        .map(|(_, sid)| sid.to_string())
        .unwrap_or_else(|| panic!("no sid in {link}"))
}

#[tokio::test]
async fn without_cookies_the_cart_travels_in_urls_and_forms() {
    let mut browser = site().await.browser_without_cookies();

    let index = browser.get("/").await;
    assert!(index.main_text().contains("welcome to my shopping cart"));
    assert!(index.main_text().contains("not at all"));
    assert_eq!(
        index.link("Add Item").as_deref(),
        Some("/addItem/"),
        "nothing is stored yet, so there is no id to carry"
    );
    assert_eq!(index.headers["referrer-policy"], "no-referrer");
    assert!(
        index.set_cookie("sessionid").is_none(),
        "no session cookie before the browser has shown it keeps cookies"
    );
    assert!(
        index.set_cookie("cookietest").is_some(),
        "only the test cookie is offered"
    );
    snapshot!("cookies_off_1_index", index.snapshot());

    // The form's CSRF token is the first thing stored: a session begins,
    // and from now on every link and form carries its id.
    let form = browser.click(&index, "Add Item").await;
    let display_link = form.link("Display Items").unwrap();
    assert!(
        display_link.starts_with("/displayItems/?sid="),
        "{display_link}"
    );
    let sid = sid_in(&display_link);
    assert!(
        form.forms()[0]
            .hidden
            .iter()
            .any(|(name, value)| name == "sid" && *value == sid)
    );
    assert!(form.set_cookie("sessionid").is_none());
    snapshot!("cookies_off_2_form", form.snapshot());

    let added = browser
        .submit(&form, ADD, &[("name", "apple"), ("quantity", "2")])
        .await;
    assert_eq!(added.status, 200, "{}", added.main_text());
    assert!(added.main_text().contains("by hidden field"));
    assert!(
        added
            .main_text()
            .contains("Added to your cart: apple. You now have 2.")
    );
    snapshot!("cookies_off_3_added", added.snapshot());
    // One whole page, layout and wire inspector included, keeps them locked.
    snapshot!("full_page", added.full_snapshot());

    let again = browser
        .submit(&added, ADD, &[("name", "pear"), ("quantity", "1")])
        .await;
    assert_eq!(again.status, 200);

    let cart = browser.click(&again, "Display Items").await;
    assert!(cart.main_text().contains("by URL"));
    assert!(cart.main_text().contains("apple | 2") && cart.main_text().contains("pear | 1"));
    assert_eq!(
        cart.link("Add Item").unwrap(),
        format!("/addItem/?sid={sid}"),
        "the same session throughout"
    );
    snapshot!("cookies_off_4_display", cart.snapshot());
}

#[tokio::test]
async fn without_cookies_the_counter_counts_through_the_url() {
    let mut browser = site().await.browser_without_cookies();
    let mut page = browser.get("/pageCount/").await;
    assert!(page.main_text().contains("Count: 1"));
    for expected in 2..=3 {
        page = browser.click(&page, "Count again").await;
        assert!(
            page.main_text().contains(&format!("Count: {expected}")),
            "{}",
            page.main_text()
        );
    }
    snapshot!("cookies_off_count_3", page.snapshot());
    // A reload without the id in the URL is a new visitor.
    let bare = browser.get("/pageCount/").await;
    assert!(bare.main_text().contains("Count: 1"));
}

#[tokio::test]
async fn with_cookies_a_new_session_goes_straight_into_the_cookie() {
    let mut browser = site().await.browser();
    let index = browser.get("/").await;
    assert!(index.set_cookie("cookietest").is_some());
    assert!(
        index.set_cookie("sessionid").is_none(),
        "nothing to keep yet"
    );

    // The test cookie came back: the new session's id goes into the
    // cookie, and never into a URL.
    let form = browser.click(&index, "Add Item").await;
    assert!(form.set_cookie("sessionid").is_some());
    assert_eq!(
        form.link("Display Items").as_deref(),
        Some("/displayItems/")
    );
    assert!(
        form.forms()[0].hidden.iter().all(|(name, _)| name != "sid"),
        "no hidden sid when cookies work"
    );
    snapshot!("cookies_on_2_form", form.snapshot());

    let added = browser
        .submit(&form, ADD, &[("name", "apple"), ("quantity", "1")])
        .await;
    assert!(added.main_text().contains("by cookie"));
    let cart = browser.get("/displayItems/").await;
    assert!(cart.main_text().contains("apple | 1"));
    let count = browser.get("/pageCount/").await;
    assert!(count.main_text().contains("Count: 1"));
    let count = browser.get("/pageCount/").await;
    assert!(count.main_text().contains("Count: 2"));
}

#[tokio::test]
async fn a_session_that_travelled_in_urls_gets_a_new_id_in_its_cookie() {
    let site = site().await;
    let mut owner = site.browser();
    // The first page this browser asks for starts a session before the
    // server can know that the browser keeps cookies: its id is in the links.
    let first = owner.get("/pageCount/").await;
    let link = first.link("Count again").unwrap();
    let old_id = sid_in(&link);
    assert!(first.set_cookie("sessionid").is_none());

    // The next click brings the test cookie back: the session moves into the
    // cookie under a new id, and keeps its count.
    let second = owner.click(&first, "Count again").await;
    assert!(second.main_text().contains("Count: 2"));
    assert!(
        second
            .main_text()
            .contains("moves into the sessionid cookie")
    );
    let new_id = owner
        .cookie("sessionid")
        .expect("the session cookie")
        .to_string();
    assert_ne!(new_id, old_id, "an id from a URL never becomes a cookie");
    // This page was drawn before the move, so its links still name the old
    // id; the cookie goes with them, and wins. From the next page on, URLs
    // are clean.
    let third = owner.click(&second, "Count again").await;
    assert!(third.main_text().contains("by cookie"));
    assert!(third.main_text().contains("Count: 3"));
    assert_eq!(
        third.link("Count again").as_deref(),
        Some("/pageCount/"),
        "URLs are clean now"
    );

    // The old link, copied or in the history, no longer works for anyone.
    let mut stranger = site.browser_without_cookies();
    let leaked = stranger.get(&link).await;
    assert!(leaked.main_text().contains("Count: 1"));
    assert!(leaked.main_text().contains("It was not adopted"));
    // The owner's own cookie wins over the old id in the link.
    let fourth = owner.get(&link).await;
    assert!(fourth.main_text().contains("by cookie"));
    assert!(fourth.main_text().contains("Count: 4"));
}

#[tokio::test]
async fn a_forged_sid_is_never_adopted() {
    let mut browser = site().await.browser_without_cookies();
    let forged = "AAAAAAAAAAAAAAAAAAAAAA";
    let page = browser.get(&format!("/pageCount/?sid={forged}")).await;
    assert!(page.main_text().contains("Count: 1"));
    assert!(page.main_text().contains("It was not adopted"));
    let link = page.link("Count again").unwrap();
    assert!(
        !link.contains(forged),
        "a new id, not the forged one: {link}"
    );
    snapshot!("forged_sid", page.snapshot());

    let garbage = browser.get("/pageCount/?sid=%3Cscript%3E").await;
    assert_eq!(garbage.status, 200);
    assert!(garbage.main_text().contains("It was not adopted"));

    let hidden = browser
        .post(
            "/addItem/",
            &[("sid", forged), ("name", "x"), ("quantity", "1")],
        )
        .await;
    assert_eq!(hidden.status, 403, "a new session has no CSRF token yet");
    assert!(
        hidden.set_cookies().is_empty(),
        "a refused request sets no cookie"
    );
}

#[tokio::test]
async fn the_url_sid_is_ignored_when_the_cookie_is_present() {
    let site = site().await;
    let mut alice = site.browser();
    alice.get("/").await; // the test cookie: Alice's browser keeps cookies
    alice.get("/pageCount/").await;
    alice.get("/pageCount/").await; // Alice's count is 2

    let mut mallory = site.browser_without_cookies();
    let page = mallory.get("/pageCount/").await;
    let mallory_link = page.link("Count again").unwrap();

    // Alice follows a link carrying Mallory's id; her cookie wins.
    let page = alice.get(&mallory_link).await;
    assert!(page.main_text().contains("by cookie"));
    assert!(page.main_text().contains("Count: 3"));
}

// ANCHOR: cross_site
/// The attack this chapter once fell for: a page on another site posts a form to the
/// cart, with the attacker's own (valid) session id in a hidden field and
/// no cookie (SameSite=Lax keeps the victim's off a cross-site post).
/// Before, the server found the session by the hidden field and answered,
/// even on the 403, with `Set-Cookie: sessionid=<attacker's id>`: the
/// victim's browser then carried the attacker's session.
#[tokio::test]
async fn a_cross_site_request_never_hands_over_a_session() {
    let site = site().await;
    // The attacker gets a real session id from the server.
    let mut attacker = site.browser_without_cookies();
    let form = attacker.get(ADD).await;
    let attackers_id = sid_in(&form.link("Display Items").unwrap());

    let forged = |method: &str, uri: &str, body: String| {
        Request::builder()
            .method(method)
            .uri(uri)
            .header(header::HOST, "127.0.0.1:3007")
            .header(header::ORIGIN, "http://evil.example")
            .header("sec-fetch-site", "cross-site")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(body))
            .unwrap()
    };
    let post = answer(
        site.router(),
        forged(
            "POST",
            ADD,
            format!("sid={attackers_id}&name=x&quantity=1&csrfmiddlewaretoken=junk"),
        ),
    )
    .await;
    assert_eq!(post.status, 403);
    assert!(
        post.headers
            .get_all(header::SET_COOKIE)
            .iter()
            .next()
            .is_none(),
        "no cookie at all on a refused request"
    );

    // A cross-site link (a GET, which Lax lets through) with the id in its
    // URL finds no session either, and gets no session cookie.
    let link = answer(
        site.router(),
        forged(
            "GET",
            &format!("/displayItems/?sid={attackers_id}"),
            String::new(),
        ),
    )
    .await;
    assert_eq!(link.status, 200);
    assert!(
        link.body
            .contains("another site must not choose your session")
    );
    let set: Vec<_> = link.headers.get_all(header::SET_COOKIE).iter().collect();
    assert!(
        set.iter()
            .all(|value| !value.to_str().unwrap().starts_with("sessionid=")),
        "{set:?}"
    );
    assert!(
        session_course::page::hrefs(&link.body)
            .iter()
            .all(|href| !href.contains(&attackers_id)),
        "the page does not carry the id on"
    );
    assert!(
        session_course::page::inspector_text(&link.body).contains("belongs to no session"),
        "the inspector shows no record for an id the server ignored"
    );

    // The same link followed on this site still works for its owner.
    let own = attacker
        .get(&format!("/displayItems/?sid={attackers_id}"))
        .await;
    assert!(own.main_text().contains("by URL"));
}
// ANCHOR_END: cross_site

#[tokio::test]
async fn a_refused_form_sets_no_cookie_and_keeps_the_session_in_its_links() {
    let site = site().await;
    let mut browser = site.browser_without_cookies();
    let form = browser.get(ADD).await;
    let sid = sid_in(&form.link("Display Items").unwrap());
    let added = browser
        .submit(&form, ADD, &[("name", "apple"), ("quantity", "2")])
        .await;

    // A bad quantity: 422, the cart as it was, the id still in the links.
    let refused = browser
        .submit(&added, ADD, &[("name", "pear"), ("quantity", "0")])
        .await;
    assert_eq!(refused.status, 422);
    assert!(refused.set_cookies().is_empty());
    assert_eq!(
        refused.link("Display Items"),
        Some(format!("/displayItems/?sid={sid}"))
    );

    // A bad token: the 403 page's link back keeps the session too.
    let forged = browser
        .post(
            &format!("{ADD}?sid={sid}"),
            &[("name", "x"), ("quantity", "1")],
        )
        .await;
    assert_eq!(forged.status, 403);
    assert!(forged.set_cookies().is_empty());
    assert_eq!(
        forged.link("Back to the start"),
        Some(format!("/?sid={sid}"))
    );

    let cart = browser.get(&format!("/displayItems/?sid={sid}")).await;
    assert!(cart.main_text().contains("apple | 2") && !cart.main_text().contains("pear"));
}

/// A browser that keeps cookies, whose session still travels in URLs, sends
/// a form that is refused: the session does not move into a cookie (no
/// refused answer sets one), so the page must not say it does, and its
/// links keep the id. A body too large to read keeps it too.
#[tokio::test]
async fn a_refused_request_does_not_move_the_session_and_keeps_its_id() {
    let site = site().await;
    // The form comes from a visit without cookies: its session is in URLs.
    let form = site.browser_without_cookies().get(ADD).await;
    let sid = sid_in(&form.link("Display Items").unwrap());
    // It is sent by a browser that now holds the test cookie.
    let mut browser = site.browser();
    browser.set_cookie("cookietest", "1");
    let refused = browser
        .submit(&form, ADD, &[("name", "pear"), ("quantity", "0")])
        .await;
    assert_eq!(refused.status, 422);
    assert!(refused.set_cookies().is_empty());
    assert!(
        !refused.main_text().contains("moves into"),
        "{}",
        refused.main_text()
    );
    assert!(
        refused
            .link("Display Items")
            .unwrap()
            .ends_with(&format!("?sid={sid}"))
    );

    let too_large = "x".repeat(course_kit::BODY_LIMIT + 1);
    let page = browser
        .post(&format!("{ADD}?sid={sid}"), &[("name", &too_large)])
        .await;
    assert_eq!(page.status, 413);
    assert_eq!(page.link("Back to the start"), Some(format!("/?sid={sid}")));
}

#[tokio::test]
async fn a_mistyped_address_keeps_the_session() {
    let mut browser = site().await.browser_without_cookies();
    let first = browser.get("/pageCount/").await;
    let sid = sid_in(&first.link("Count again").unwrap());

    let missing = browser.get(&format!("/nowhere/?sid={sid}")).await;
    assert_eq!(missing.status, 404);
    assert_eq!(
        missing.link("Count my visits"),
        Some(format!("/pageCount/?sid={sid}")),
        "the not-found page's links carry the id"
    );
    let back = browser.click(&missing, "Count my visits").await;
    assert!(back.main_text().contains("Count: 2"));

    let wrong_method = browser
        .post(&format!("/displayItems/?sid={sid}"), &[])
        .await;
    assert_eq!(wrong_method.status, 405);
    assert_eq!(
        wrong_method.link("Back to the start"),
        Some(format!("/?sid={sid}"))
    );
}

#[tokio::test]
async fn a_visitor_who_stores_nothing_leaves_no_record() {
    let site = site().await;
    for path in ["/", "/displayItems/", "/nowhere/"] {
        let mut browser = site.browser_without_cookies();
        browser.get(path).await;
    }
    let mut browser = site.browser_without_cookies();
    let page = browser.get("/").await;
    assert!(
        !page.inspector_text().contains("Only the id"),
        "no session record to show"
    );
}

/// The chapter's key requests as `curl -i` shows them, for the book's
/// "The exchange, as curl sees it" (`book/src/chapter-7.md` includes the
/// snapshot): once with a browser that refuses cookies, once with one that
/// keeps them.
#[tokio::test]
async fn transcript() {
    let found = [
        "found its session",
        "Added to your cart",
        " | ",
        "not adopted",
        "moves into",
    ];

    let site = site().await;
    let mut off = site.browser_without_cookies();
    let mut walk_off = vec!["# A browser that refuses cookies".to_string()];
    let index = off.get("/").await;
    walk_off.push(index.transcript(&found));
    let form = off.click(&index, "Add Item").await;
    walk_off.push(form.transcript(&found));
    let added = off
        .submit(&form, ADD, &[("name", "apple"), ("quantity", "2")])
        .await;
    assert!(added.main_text().contains("by hidden field"));
    walk_off.push(added.transcript(&found));
    let cart = off.click(&added, "Display Items").await;
    assert!(cart.main_text().contains("apple | 2"));
    walk_off.push(cart.transcript(&found));
    // A made-up id is never adopted.
    let forged = off.get("/pageCount/?sid=AAAAAAAAAAAAAAAAAAAAAA").await;
    assert!(forged.main_text().contains("It was not adopted"));
    walk_off.push(forged.transcript(&found));

    let mut on = site.browser();
    let mut walk_on = vec!["# A browser that keeps cookies".to_string()];
    let count = on.get("/pageCount/").await;
    walk_on.push(count.transcript(&found));
    let again = on.click(&count, "Count again").await;
    assert!(
        again
            .main_text()
            .contains("moves into the sessionid cookie")
    );
    walk_on.push(again.transcript(&found));
    let form = on.get(ADD).await;
    walk_on.push(form.transcript(&found));
    let added = on
        .submit(&form, ADD, &[("name", "apple"), ("quantity", "2")])
        .await;
    walk_on.push(added.transcript(&found));
    let cart = on.click(&added, "Display Items").await;
    assert_eq!(
        cart.target, "/displayItems/",
        "clean URLs once cookies work"
    );
    walk_on.push(cart.transcript(&found));

    let text = format!("{}\n{}", walk_off.join("\n"), walk_on.join("\n"));
    snapshot!("transcript", text);
}

/// The request log's lines that the book's "Try it" steps quote, one
/// snapshot per step, from the kit's own code: `log_off_1` is step 1 with
/// cookies blocked, `log_on_1` step 1 with cookies allowed.
#[tokio::test]
async fn log_lines() {
    let site = site().await;

    // With cookies blocked.
    let mut off = site.browser_without_cookies();
    // 1. The shop page stores nothing: only the test cookie is offered.
    let index = off.get("/").await;
    assert!(
        index
            .log_line()
            .ends_with("Set-Cookie: cookietest=1; HttpOnly; SameSite=Lax; Path=/; Max-Age=300")
    );
    snapshot!("log_off_1", index.book_log_line());
    // 2. Add Item: the form's token starts the session; its id goes into
    // the page's links and form, never into a cookie.
    let form = off.click(&index, "Add Item").await;
    assert!(!form.log_line().contains("sessionid"));
    snapshot!("log_off_2", form.book_log_line());
    // 3. Two apples: the id travels in the form's body.
    let added = off
        .submit(&form, ADD, &[("name", "apple"), ("quantity", "2")])
        .await;
    assert!(added.main_text().contains("by hidden field"));
    snapshot!("log_off_3", added.book_log_line());
    // 4. Display Items: the id travels in the URL, and in the log.
    let cart = off.click(&added, "Display Items").await;
    assert!(cart.log_line().starts_with("GET /displayItems/?sid="));
    snapshot!("log_off_4", cart.book_log_line());
    // 8. A mistyped address: a 404, which keeps the id in its links and,
    // like every refusal, sets no cookie.
    let sid = sid_in(&cart.link("Add Item").unwrap());
    let missing = off.get(&format!("/nowhere/?sid={sid}")).await;
    assert_eq!(missing.status, 404);
    assert!(!missing.log_line().contains("Set-Cookie"));
    snapshot!("log_off_8", missing.book_log_line());
    // 9. Another site's page posts a form with this id in its hidden field:
    // the id is ignored, the post refused, and no cookie set.
    let forged = off
        .post_from(
            "http://evil.example",
            "cross-site",
            ADD,
            &[("sid", &sid), ("name", "x"), ("quantity", "1")],
        )
        .await;
    assert_eq!(forged.status, 403);
    assert_eq!(
        forged.log_line(),
        "POST /addItem/ | no Cookie | 403 Forbidden"
    );
    snapshot!("log_off_9", forged.book_log_line());

    // With cookies allowed.
    let mut on = site.browser();
    // 1. The counter stores a count before the server can know that this
    // browser keeps cookies: the id goes into the links.
    let first = on.get("/pageCount/").await;
    assert!(first.link("Count again").unwrap().contains("?sid="));
    snapshot!("log_on_1", first.book_log_line());
    // 2. The test cookie comes back: the session moves into the sessionid
    // cookie under a new id.
    let second = on.click(&first, "Count again").await;
    assert!(
        second
            .main_text()
            .contains("moves into the sessionid cookie")
    );
    snapshot!("log_on_2", second.book_log_line());
    // 3. Found by cookie: the old id in the link is ignored, URLs turn clean.
    let third = on.click(&second, "Count again").await;
    assert!(third.main_text().contains("by cookie"));
    assert_eq!(third.link("Count again").as_deref(), Some("/pageCount/"));
    snapshot!("log_on_3", third.book_log_line());
}
