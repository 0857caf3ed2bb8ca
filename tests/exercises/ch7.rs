//! The checks of chapter 7's exercises (`book/src/chapter-7.md`): a remove
//! button that works without cookies, a session in URLs that answers only to
//! the browser that began it, and a button that forgets the session.

use axum::http::Method;
use session_course::{Browser, Exchange, Site};

use crate::check::{Exercise, line_with, set_cookie_or_none};

const ADD: &str = "/addItem/";
const COUNT: &str = "/pageCount/";

async fn site() -> Site {
    Site::start(chapter_7::CHAPTER, chapter_7::app).await
}

/// The session id a link carries, if it carries one.
fn sid_in(link: &str) -> Option<String> {
    link.split_once("?sid=").map(|(_, sid)| sid.to_string())
}

/// The line of a page that says the count.
fn count_line(page: &Exchange) -> String {
    line_with(&page.main_text(), "Count:")
}

/// The hidden fields of a form, as pairs a post can send.
fn fields(hidden: &[(String, String)]) -> Vec<(&str, &str)> {
    hidden
        .iter()
        .map(|(name, value)| (name.as_str(), value.as_str()))
        .collect()
}

const REMOVE_WITHOUT_COOKIES: Exercise = Exercise {
    id: "7.1",
    title: "Remove an item, without cookies",
    work_in: "chapters/07-hidden-field/src/lib.rs: a route and a handler for POST /removeItem/; \
              src/pages.rs: a form in each row of `cart`",
};

#[tokio::test]
async fn ch7_1_a_remove_button_carries_the_session_in_a_hidden_field() {
    let exercise = REMOVE_WITHOUT_COOKIES;
    let site = site().await;

    // A browser that refuses cookies: the session travels in URLs and forms.
    let mut browser = site.browser_without_cookies();
    let form = browser.get(ADD).await;
    let added = browser
        .submit(&form, ADD, &[("name", "apple"), ("quantity", "2")])
        .await;
    let added = browser
        .submit(&added, ADD, &[("name", "pear"), ("quantity", "1")])
        .await;
    let Some(display) = added.link("Display Items") else {
        exercise.fail(
            "the add-item page to link to Display Items, as before",
            added.main_text(),
        );
    };
    let sid = sid_in(&display).unwrap_or_default();
    let cart = browser.get(&display).await;
    exercise.expect_status(&cart, 200, "the cart, without cookies");
    let Some(remove) = cart.forms().into_iter().find(|form| {
        form.action.split('?').next() == Some("/removeItem/")
            && form
                .hidden
                .iter()
                .any(|(name, value)| name == "name" && value == "apple")
    }) else {
        exercise.fail(
            "in the cart page, a form for each item that posts to /removeItem/, with the item's \
             name in a hidden field `name` (here: name=apple)",
            format!("the page's forms: {:?}", cart.forms()),
        );
    };
    let carries_sid = remove
        .hidden
        .iter()
        .any(|(name, value)| name == "sid" && *value == sid)
        || remove.action.ends_with(&format!("?sid={sid}"));
    exercise.expect(
        carries_sid,
        "without cookies, the remove form to carry the session id, in a hidden sid field \
         (`links.hidden_field()`)",
        format!("the form: {remove:?}; the session id: {sid}"),
    );
    exercise.expect(
        remove
            .hidden
            .iter()
            .any(|(name, _)| name == course_kit::csrf::FIELD),
        "the remove form to carry the CSRF token, as the add form does",
        format!("its hidden fields: {:?}", remove.hidden),
    );

    // Without the token, nothing is removed.
    let forged = browser
        .post(
            &format!("/removeItem/?sid={sid}"),
            &[("name", "apple"), ("sid", &sid)],
        )
        .await;
    exercise.expect(
        forged.status == 403,
        "a POST /removeItem/ without the CSRF token to be refused with 403",
        forged.status,
    );

    let removed = browser.post(&remove.action, &fields(&remove.hidden)).await;
    exercise.expect_status(&removed, 200, "the Remove button, without cookies");
    let text = removed.main_text();
    exercise.expect(
        text.contains("pear | 1") && !text.lines().any(|line| line.starts_with("apple |")),
        "the answer to be the cart, in the same session, with the pear and without the apple",
        text.replace('\n', " / "),
    );
    let after = browser
        .get(&format!("/displayItems/?sid={sid}"))
        .await
        .main_text();
    exercise.expect(
        after.contains("pear | 1") && !after.contains("apple |"),
        "the cart, seen again through its link, to hold the pear only",
        after.replace('\n', " / "),
    );

    // A browser that keeps cookies: no id in the form, and the button works.
    let mut keeps = site.browser();
    keeps.get("/").await;
    let form = keeps.get(ADD).await;
    keeps
        .submit(&form, ADD, &[("name", "plum"), ("quantity", "3")])
        .await;
    let cart = keeps.get("/displayItems/").await;
    let Some(remove) = cart
        .forms()
        .into_iter()
        .find(|form| form.action.split('?').next() == Some("/removeItem/"))
    else {
        exercise.fail(
            "with cookies too, a remove form in the cart page",
            format!("the page's forms: {:?}", cart.forms()),
        );
    };
    exercise.expect(
        remove.hidden.iter().all(|(name, _)| name != "sid") && !remove.action.contains("sid="),
        "with cookies, the remove form to carry no session id: the cookie carries it",
        format!("the form: {remove:?}"),
    );
    let removed = keeps.post(&remove.action, &fields(&remove.hidden)).await;
    exercise.expect(
        removed.status == 200 && removed.main_text().contains("No items in your cart"),
        "with cookies, the Remove button to empty a cart that held only the plum",
        format!(
            "{} {}",
            removed.status,
            removed.main_text().replace('\n', " / ")
        ),
    );
}

const BOUND_TO_ITS_BROWSER: Exercise = Exercise {
    id: "7.2",
    title: "Plant a real id, then bind it to its browser",
    work_in: "chapters/07-hidden-field/src/lib.rs, `track_session` (the `adopt` step, and where \
              the session is saved)",
};

/// A browser as a person uses it: every request names the same `User-Agent`.
struct Person {
    browser: Browser,
    agent: &'static str,
}

impl Person {
    async fn get(&mut self, target: &str) -> Exchange {
        self.browser
            .send_with_headers(Method::GET, target, None, &[("user-agent", self.agent)])
            .await
    }

    async fn post(&mut self, target: &str, fields: &[(&str, &str)]) -> Exchange {
        let body = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(fields)
            .finish();
        self.browser
            .send_with_headers(
                Method::POST,
                target,
                Some(body),
                &[("user-agent", self.agent)],
            )
            .await
    }
}

const MALLORY: &str = "Mozilla/5.0 (X11; Linux x86_64) Mallory/1.0";
const VICTIM: &str = "Mozilla/5.0 (Macintosh) Victim/2.0";

#[tokio::test]
async fn ch7_2_a_session_in_urls_answers_only_to_its_browser() {
    let exercise = BOUND_TO_ITS_BROWSER;
    let site = site().await;

    // Mallory refuses cookies, and counts twice through her link.
    let mut mallory = Person {
        browser: site.browser_without_cookies(),
        agent: MALLORY,
    };
    let first = mallory.get(COUNT).await;
    let Some(link) = first
        .link("Count again")
        .filter(|link| link.contains("?sid="))
    else {
        exercise.fail(
            "without cookies, the counter's \"Count again\" link to carry ?sid=, as before",
            first.main_text(),
        );
    };
    let planted = sid_in(&link).unwrap_or_default();
    let second = mallory.get(&link).await;
    exercise.expect(
        second.main_text().contains("Count: 2"),
        "Mallory's own browser to go on counting through her link: Count: 2",
        count_line(&second),
    );

    // The victim, whose browser refuses cookies too, opens Mallory's link.
    let mut victim = Person {
        browser: site.browser_without_cookies(),
        agent: VICTIM,
    };
    let opened = victim.get(&link).await;
    exercise.expect_status(&opened, 200, "the planted link, opened by the victim");
    let text = opened.main_text();
    exercise.expect(
        text.contains("Count: 1")
            && !text.contains("Count: 3")
            && opened
                .link("Count again")
                .is_some_and(|again| !again.contains(&planted)),
        "a browser with another User-Agent that opens Mallory's link to start a session of its \
         own (Count: 1, and links that no longer carry Mallory's id), not to join hers",
        format!(
            "{}; its link: {}",
            count_line(&opened),
            opened.link("Count again").unwrap_or_default()
        ),
    );
    exercise.expect(
        text.contains("not adopted"),
        "the victim's page to say that the id it named was not adopted",
        text.replace('\n', " / "),
    );
    let third = mallory.get(&link).await;
    exercise.expect(
        third.main_text().contains("Count: 3"),
        "Mallory's session to be untouched by the victim's visit: her next click says Count: 3",
        count_line(&third),
    );

    // A pre-filled form with Mallory's id in its hidden field: refused too.
    let form = mallory.get(ADD).await;
    let Some(add) = form.forms().into_iter().next() else {
        exercise.fail("the add-item page to have its form", form.main_text());
    };
    let mut posted = fields(&add.hidden);
    posted.extend([("name", "victims-card"), ("quantity", "1")]);
    let sent = victim.post(ADD, &posted).await;
    let sid = add
        .hidden
        .iter()
        .find(|(name, _)| name == "sid")
        .map(|(_, value)| value.clone())
        .unwrap_or_default();
    let mallorys_cart = mallory
        .get(&format!("/displayItems/?sid={sid}"))
        .await
        .main_text();
    exercise.expect(
        sent.status != 200 && !mallorys_cart.contains("victims-card"),
        "a form Mallory prepared, with her id in its hidden sid field, sent from the victim's \
         browser, not to reach her session (a new session has no CSRF token: 403)",
        format!(
            "{}; Mallory's cart: {}",
            sent.status,
            mallorys_cart.replace('\n', " / ")
        ),
    );

    // A victim whose browser keeps cookies is not adopted either.
    let mut keeps = Person {
        browser: site.browser(),
        agent: VICTIM,
    };
    keeps.get("/").await;
    let opened = keeps.get(&link).await;
    exercise.expect(
        opened.main_text().contains("Count: 1"),
        "a victim whose browser keeps cookies, opening Mallory's link, to start a session of \
         its own (Count: 1), not to move Mallory's into its cookie",
        count_line(&opened),
    );

    // One browser throughout still keeps its session, into the cookie and on.
    let mut owner = Person {
        browser: site.browser(),
        agent: VICTIM,
    };
    let mut page = owner.get(COUNT).await;
    for expected in 2..=3 {
        let Some(again) = page.link("Count again") else {
            exercise.fail("the counter's \"Count again\" link", page.main_text());
        };
        page = owner.get(&again).await;
        exercise.expect(
            page.main_text().contains(&format!("Count: {expected}")),
            format!(
                "one browser that keeps cookies, with the same User-Agent throughout, to count \
                 1, 2, 3 as before (the session moves from the URL into its cookie): Count: {expected}"
            ),
            count_line(&page),
        );
    }
}

const FORGET: Exercise = Exercise {
    id: "7.3",
    title: "Forget this session",
    work_in: "chapters/07-hidden-field/src/lib.rs: a route and a handler for POST /forget/, \
              and its form in `page_count`",
};

#[tokio::test]
async fn ch7_3_a_button_forgets_the_session_and_its_links() {
    let exercise = FORGET;
    let site = site().await;
    let mut browser = site.browser_without_cookies();
    let first = browser.get(COUNT).await;
    let Some(link) = first
        .link("Count again")
        .filter(|link| link.contains("?sid="))
    else {
        exercise.fail(
            "without cookies, the counter's \"Count again\" link to carry ?sid=, as before",
            first.main_text(),
        );
    };
    let sid = sid_in(&link).unwrap_or_default();
    let second = browser.get(&link).await;
    let Some(form) = second
        .forms()
        .into_iter()
        .find(|form| form.action.split('?').next() == Some("/forget/"))
    else {
        exercise.fail(
            "the counter's page to have a form that posts to /forget/ (a button \"Forget this \
             session\")",
            format!("the page's forms: {:?}", second.forms()),
        );
    };
    let carries_sid = form
        .hidden
        .iter()
        .any(|(name, value)| name == "sid" && *value == sid)
        || form.action.ends_with(&format!("?sid={sid}"));
    exercise.expect(
        carries_sid
            && form
                .hidden
                .iter()
                .any(|(name, _)| name == course_kit::csrf::FIELD),
        "without cookies, the /forget/ form to carry the session id (a hidden sid field) and \
         the CSRF token",
        format!("the form: {form:?}; the session id: {sid}"),
    );

    // Without the token, the session lives on.
    let forged = browser
        .post(&format!("/forget/?sid={sid}"), &[("sid", &sid)])
        .await;
    let still = browser.get(&link).await;
    exercise.expect(
        forged.status == 403 && still.main_text().contains("Count: 3"),
        "a POST /forget/ without the CSRF token to be refused with 403, and the session to live \
         on (the link then says Count: 3)",
        format!("{}; then {}", forged.status, count_line(&still)),
    );

    let forgotten = browser.post(&form.action, &fields(&form.hidden)).await;
    exercise.expect(
        forgotten.status.is_success() || forgotten.status.is_redirection(),
        "the Forget button to be answered with a page or a redirect",
        forgotten.status,
    );
    let hrefs = session_course::page::hrefs(&forgotten.body);
    exercise.expect(
        hrefs.iter().all(|href| !href.contains(&sid)),
        "the answer's links to carry the forgotten id no more: they are clean",
        format!("its links: {hrefs:?}"),
    );
    // Whoever kept the old link (the history, a copy) finds nothing.
    let mut copier = site.browser_without_cookies();
    let old = copier.get(&link).await;
    exercise.expect(
        old.main_text().contains("Count: 1") && old.main_text().contains("not adopted"),
        "the old link, opened again, to find no session: Count: 1, and \"It was not adopted\" \
         (the record is deleted from the store: `session.flush()`)",
        old.main_text().replace('\n', " / "),
    );

    // With cookies, forgetting deletes the session cookie too.
    let mut keeps = site.browser();
    keeps.get("/").await;
    keeps.get(COUNT).await;
    let counted = keeps.get(COUNT).await;
    let Some(form) = counted
        .forms()
        .into_iter()
        .find(|form| form.action.split('?').next() == Some("/forget/"))
    else {
        exercise.fail(
            "with cookies too, the /forget/ form on the counter's page",
            format!("the page's forms: {:?}", counted.forms()),
        );
    };
    let forgotten = keeps.post(&form.action, &fields(&form.hidden)).await;
    let removal = set_cookie_or_none(&forgotten, "sessionid");
    exercise.expect(
        removal.contains("Max-Age=0"),
        "with cookies, the answer to Forget to delete the sessionid cookie (Max-Age=0)",
        &removal,
    );
    let again = keeps.get(COUNT).await;
    exercise.expect(
        again.main_text().contains("Count: 1"),
        "with cookies, the next visit to the counter to start again: Count: 1",
        count_line(&again),
    );
}
