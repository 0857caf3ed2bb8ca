//! The checks of chapter 11's exercises (`book/src/chapter-11.md`): a flag
//! that serves one request of a session at a time, a store that waits like
//! one across a network, and a visit counter kept beside the session.
//!
//! Each check sends many requests of one session at once, as the race lab
//! does, but into the in-process router: on the test's single thread, they
//! take turns wherever a request waits (for SQLite's thread, for Redis, for
//! a timer), which is where a lost update happens. The SQLite file is a
//! check's own, in a folder deleted at the end. The Redis part of 11.3 starts
//! its own `redis-server`, as `tests/chapter_11.rs` does, and is skipped
//! without it, unless `REDIS_REQUIRED=1`.

use std::time::{Duration, Instant};

use course_kit::{Settings, csrf};
use session_course::{
    Browser, Exchange, Site,
    stores::{RedisServer, SqliteFile},
};
use tokio::task::JoinSet;

use crate::check::{Exercise, line_with};

const LAB: &str = "/race/";
const RECORD: &str = "/race/record/";
const TABLE: &str = "/race/table/";
const COUNT: &str = "/pageCount/";

/// How many requests of one session a check sends at once: enough for a
/// lost update to show every time, few enough to take a fraction of a second.
const AT_ONCE: usize = 16;

fn strings(options: &[&str]) -> Vec<String> {
    options.iter().map(|option| option.to_string()).collect()
}

/// Starts the chapter with these options, as `just run 11 …` would. An option
/// the course does not know yet, or a start that fails, fails the check with
/// the exercise's message (`Site::start_with` would panic without it).
async fn start(exercise: &Exercise, options: &[String]) -> Site {
    // The command line as the message shows it: the check's own file is FILE.
    let mut shown = options.to_vec();
    for at in 1..shown.len() {
        if shown[at - 1] == "--sqlite" {
            shown[at] = "FILE".to_string();
        }
    }
    let expected = format!("the chapter to start with `{}`", shown.join(" "));
    let settings = match Settings::parse(&chapter_11::CHAPTER, options.iter().cloned(), None) {
        Ok(settings) => settings,
        Err(error) => exercise.fail(expected, error),
    };
    match chapter_11::app(settings).await {
        Ok(sites) => Site {
            chapter: chapter_11::CHAPTER,
            sites,
        },
        Err(error) => exercise.fail(expected, error),
    }
}

/// One visitor's session, begun on the race lab's page: its cookie and the
/// token its buttons carry.
struct Visitor {
    browser: Browser,
    cookie: String,
    token: String,
}

async fn visitor(exercise: &Exercise, site: &Site) -> Visitor {
    let mut browser = site.browser();
    let lab = browser.get(LAB).await;
    exercise.expect_status(&lab, 200, "the race lab");
    let token = lab
        .forms()
        .into_iter()
        .flat_map(|form| form.hidden)
        .find(|(name, _)| name == csrf::FIELD)
        .map(|(_, value)| value);
    let (Some(cookie), Some(token)) = (browser.cookie("sessionid"), token) else {
        exercise.fail(
            "the race lab to start a session, and its buttons to carry its CSRF token, as before",
            format!(
                "the cookie: {:?}; the forms: {:?}",
                browser.cookie("sessionid"),
                lab.forms()
            ),
        );
    };
    Visitor {
        cookie: cookie.to_string(),
        token,
        browser,
    }
}

/// Sends `AT_ONCE` requests of one session at the same time, each from a
/// browser of its own that holds the session's cookie (two tabs, a double
/// click): a POST with the token when `token` is given, a GET otherwise.
/// Returns each answer's status and page. A handler that panics fails the
/// check with the exercise's message.
async fn at_once(
    exercise: &Exercise,
    site: &Site,
    cookie: &str,
    target: &str,
    token: Option<&str>,
) -> Vec<Exchange> {
    let mut requests = JoinSet::new();
    for _ in 0..AT_ONCE {
        let mut browser = site.browser();
        browser.set_cookie("sessionid", cookie);
        let (target, token) = (target.to_string(), token.map(str::to_string));
        requests.spawn(async move {
            match token {
                Some(token) => browser.post(&target, &[(csrf::FIELD, &token)]).await,
                None => browser.get(&target).await,
            }
        });
    }
    let mut answers = Vec::new();
    while let Some(answer) = requests.join_next().await {
        match answer {
            Ok(answer) => answers.push(answer),
            Err(error) => exercise.fail(
                format!(
                    "{target}, requested {AT_ONCE} times at once: an answer each, never a panic"
                ),
                error,
            ),
        }
    }
    answers
}

/// Every answer is `200 OK`, or the check fails saying which was not.
fn all_ok(exercise: &Exercise, answers: &[Exchange], what: &str) {
    if let Some(refused) = answers.iter().find(|answer| answer.status != 200) {
        exercise.fail(
            format!("{what}: each of the {AT_ONCE} requests to be answered 200 OK"),
            format!(
                "{} {}: {}",
                refused.status,
                refused.target,
                line_with(&refused.main_text(), "")
            ),
        );
    }
}

/// The apples the lab page shows in one cart (`record-apples` or
/// `table-apples`), or `None` if it shows no such count.
async fn apples(browser: &mut Browser, cart: &str) -> Option<u64> {
    let page = browser.get(LAB).await;
    let marker = format!("id=\"{cart}\">");
    let start = page.body.find(&marker)? + marker.len();
    let digits: String = page.body[start..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    digits.parse().ok()
}

/// Races `AT_ONCE` "add 1 apple" posts of a new session into one cart
/// (`RECORD` or `TABLE`), all answered `200 OK`; returns the apples kept.
async fn race(exercise: &Exercise, site: &Site, path: &str, what: &str) -> Option<u64> {
    let mut visitor = visitor(exercise, site).await;
    let answers = at_once(exercise, site, &visitor.cookie, path, Some(&visitor.token)).await;
    all_ok(exercise, &answers, what);
    let cart = if path == RECORD {
        "record-apples"
    } else {
        "table-apples"
    };
    apples(&mut visitor.browser, cart).await
}

fn shown(apples: Option<u64>) -> String {
    apples.map_or_else(
        || "the lab page shows no count".to_string(),
        |n| format!("{n} apples"),
    )
}

const ONE_AT_A_TIME: Exercise = Exercise {
    id: "11.1",
    title: "One at a time",
    work_in: "chapters/11-session-stores/src/lib.rs: the option `--one-at-a-time`, and a layer \
              in `app`, outside the session layer, that makes requests of one session wait \
              for each other",
};

#[tokio::test]
async fn ch11_1_one_request_of_a_session_at_a_time_loses_no_apple() {
    let exercise = ONE_AT_A_TIME;
    let file = SqliteFile::new();
    let site = start(&exercise, &file.options(&["--one-at-a-time"])).await;

    // The record cart, raced on one instance: with the flag, no apple is lost.
    let kept = race(
        &exercise,
        &site,
        RECORD,
        "the record cart, with --one-at-a-time",
    )
    .await;
    exercise.expect(
        kept == Some(AT_ONCE as u64),
        format!(
            "with --one-at-a-time, {AT_ONCE} \"add 1 apple\" posts of one session sent at once \
             to the record cart to keep all {AT_ONCE} apples: each request loads, changes and \
             saves the record before the next one of its session may start"
        ),
        shown(kept),
    );
    let kept = race(
        &exercise,
        &site,
        TABLE,
        "the table cart, with --one-at-a-time",
    )
    .await;
    exercise.expect(
        kept == Some(AT_ONCE as u64),
        format!("with --one-at-a-time, the table cart to keep all {AT_ONCE} apples, as before"),
        shown(kept),
    );

    // Two sessions at once: each is served in turn, and each keeps its own.
    let (mut first, mut second) = (
        visitor(&exercise, &site).await,
        visitor(&exercise, &site).await,
    );
    let (a, b) = tokio::join!(
        at_once(&exercise, &site, &first.cookie, RECORD, Some(&first.token)),
        at_once(
            &exercise,
            &site,
            &second.cookie,
            RECORD,
            Some(&second.token)
        ),
    );
    all_ok(&exercise, &a, "two sessions racing at once, the first");
    all_ok(&exercise, &b, "two sessions racing at once, the second");
    let kept = (
        apples(&mut first.browser, "record-apples").await,
        apples(&mut second.browser, "record-apples").await,
    );
    exercise.expect(
        kept == (Some(AT_ONCE as u64), Some(AT_ONCE as u64)),
        format!(
            "two sessions racing at the same time, each with {AT_ONCE} posts, to keep \
             {AT_ONCE} apples each: a lock per session, which no other session shares"
        ),
        format!("{} and {}", shown(kept.0), shown(kept.1)),
    );

    // Without the flag, the lab still shows the race: it is the lesson.
    let file = SqliteFile::new();
    let site = start(&exercise, &file.options(&[])).await;
    let kept = race(
        &exercise,
        &site,
        RECORD,
        "the record cart, without the flag",
    )
    .await;
    exercise.expect(
        kept.is_some_and(|kept| kept < AT_ONCE as u64),
        format!(
            "without --one-at-a-time, the chapter as before: {AT_ONCE} posts at once to the \
             record cart on SQLite lose apples (the lock is off unless asked for)"
        ),
        shown(kept),
    );
}

const ONE_INSTANCE: Exercise = Exercise {
    id: "11.2",
    title: "One instance",
    work_in: "chapters/11-session-stores/src/lib.rs: the option `--store-latency MS`, read in \
              `app`, and a session store around `Store` that waits before each call (in a file \
              of its own, or in src/store.rs), given to the session layer",
};

/// How long a request of `visitor` for the cart page takes.
async fn time_a_load(visitor: &mut Visitor) -> (Duration, Exchange) {
    let started = Instant::now();
    let page = visitor.browser.get("/displayItems/").await;
    (started.elapsed(), page)
}

#[tokio::test]
async fn ch11_2_a_store_that_waits_loses_apples_on_one_instance() {
    let exercise = ONE_INSTANCE;
    let latency = Duration::from_millis(30);
    let slow_memory = start(
        &exercise,
        &strings(&["--store", "memory", "--store-latency", "30"]),
    )
    .await;

    // Each call to the store waits first: a page that loads the session
    // takes at least that long.
    let mut memory_visitor = visitor(&exercise, &slow_memory).await;
    let (took, page) = time_a_load(&mut memory_visitor).await;
    exercise.expect_status(&page, 200, "the cart, on memory with --store-latency 30");
    exercise.expect(
        took >= latency,
        "with --store memory --store-latency 30, a page that loads the session to take at \
         least 30 ms: each call to the store waits 30 ms first",
        format!("GET /displayItems/ took {took:?}"),
    );
    let file = SqliteFile::new();
    let slow_sqlite = start(&exercise, &file.options(&["--store-latency", "30"])).await;
    let (took, page) = time_a_load(&mut visitor(&exercise, &slow_sqlite).await).await;
    exercise.expect_status(&page, 200, "the cart, on SQLite with --store-latency 30");
    exercise.expect(
        took >= latency,
        "with --store sqlite --store-latency 30 too, a page that loads the session to take at \
         least 30 ms: the wait is the same whatever the store",
        format!("GET /displayItems/ took {took:?}"),
    );

    // With the wait, one instance on memory loses apples, as SQLite does.
    let kept = race(
        &exercise,
        &slow_memory,
        RECORD,
        "the record cart, memory, 30 ms",
    )
    .await;
    exercise.expect(
        kept.is_some_and(|kept| kept < AT_ONCE as u64),
        format!(
            "with --store memory --store-latency 30, {AT_ONCE} \"add 1 apple\" posts of one \
             session sent at once to the record cart to lose apples: while one request waits \
             for the store, the others load the same record"
        ),
        shown(kept),
    );
    let kept = race(
        &exercise,
        &slow_memory,
        TABLE,
        "the table cart, memory, 30 ms",
    )
    .await;
    exercise.expect(
        kept == Some(AT_ONCE as u64),
        format!(
            "with the wait, the table cart to keep all {AT_ONCE} apples: one atomic operation \
             stays one, however slow the store"
        ),
        shown(kept),
    );

    // Without the option, memory never waits, and one instance loses nothing.
    let memory = start(&exercise, &strings(&["--store", "memory"])).await;
    let kept = race(
        &exercise,
        &memory,
        RECORD,
        "the record cart, memory, no latency",
    )
    .await;
    exercise.expect(
        kept == Some(AT_ONCE as u64),
        format!(
            "without --store-latency, the chapter as before: on memory, one instance keeps all \
             {AT_ONCE} apples (the store does not wait unless asked to)"
        ),
        shown(kept),
    );
}

const COUNTER: Exercise = Exercise {
    id: "11.3",
    title: "A counter that counts",
    work_in: "chapters/11-session-stores/src/store.rs (`Store::add_to_count`, and the table \
              `visit_counts` in `Store::sqlite`) and src/lib.rs (`page_count`)",
};

/// The "Count: N" line of a page.
fn count_line(page: &Exchange) -> String {
    line_with(&page.main_text(), "Count:")
}

/// Whether a page says exactly "Count: {count}" on a line of its own.
fn says_count(page: &Exchange, count: usize) -> bool {
    let wanted = format!("Count: {count}");
    page.main_text().lines().any(|line| line.trim() == wanted)
}

/// Chapter 5's counter, on the store these options choose: a visit at a
/// time, then `AT_ONCE` visits of one session at once, all of them counted,
/// and none of them in the session record.
async fn counts_every_visit(exercise: &Exercise, options: &[String], store: &str) {
    let site = start(exercise, options).await;
    let mut browser = site.browser();
    for visit in 1..=2 {
        let page = browser.get(COUNT).await;
        exercise.expect_status(&page, 200, format!("the counter, on {store}"));
        exercise.expect(
            says_count(&page, visit),
            format!(
                "on {store}, visit {visit} of the counter to say \"Count: {visit}\", as before"
            ),
            count_line(&page),
        );
    }
    let Some(cookie) = browser.cookie("sessionid").map(str::to_string) else {
        exercise.fail(
            format!(
                "on {store}, the counter's first visit to start a session (a sessionid cookie)"
            ),
            "no sessionid cookie",
        );
    };

    let answers = at_once(exercise, &site, &cookie, COUNT, None).await;
    all_ok(exercise, &answers, &format!("the counter on {store}"));
    let page = browser.get(COUNT).await;
    let expected = AT_ONCE + 3;
    exercise.expect(
        says_count(&page, expected),
        format!(
            "on {store}, after 2 visits, {AT_ONCE} visits of the same session at once, then one \
             more, the counter to say \"Count: {expected}\": every visit counted, the count kept \
             beside the session and added to in one step of the store"
        ),
        count_line(&page),
    );
    let record = page.inspector_text();
    exercise.expect(
        !record.lines().any(|line| line.trim_start().starts_with("count |")),
        format!("on {store}, the count to live beside the session record, not in it: no key `count` in the record"),
        line_with(&record, "count |"),
    );

    // A count is one session's: another browser starts at 1.
    let other = site.browser().get(COUNT).await;
    exercise.expect(
        says_count(&other, 1),
        format!("on {store}, another browser's first visit to say \"Count: 1\": each session has a count of its own"),
        count_line(&other),
    );
}

#[tokio::test]
async fn ch11_3_the_counter_counts_every_visit_made_at_once() {
    let exercise = COUNTER;
    let file = SqliteFile::new();
    counts_every_visit(&exercise, &file.options(&[]), "SQLite").await;
    counts_every_visit(&exercise, &strings(&["--store", "memory"]), "memory").await;
    if let Some(redis) = RedisServer::start("exercise 11.3: the Redis part") {
        let options = strings(&["--store", "redis", "--redis-url", &redis.url]);
        counts_every_visit(&exercise, &options, "Redis").await;
    }
}
