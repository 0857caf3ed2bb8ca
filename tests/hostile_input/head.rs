//! `HEAD` requests change nothing. HTTP calls `HEAD` safe, and link
//! checkers, prefetchers and `curl -I` send it freely; yet the course's
//! pages change things on `GET` (a count goes up, a session begins), and a
//! framework answers `HEAD` by running the `GET` handler. So the kit answers
//! `HEAD` itself. Here, in every chapter, the same walk through the pages is
//! made twice, on two fresh servers: once as it is, once with `HEAD`
//! requests in between. Every `HEAD` gets no body and no cookie, and the
//! two walks must read the same, page for page.

use axum::http::Method;
use proptest::{prelude::*, test_runner::TestCaseError};
use session_course::{Exchange, is_course_date, page};

use crate::{CHAPTERS, block_on, config, pages, site};

/// A `HEAD` request, to one of the chapter's pages, to one of the links of
/// the page the browser shows (which, in chapter 7, carry the session id),
/// to a page without its final slash, or to a path the chapter does not have.
#[derive(Debug, Clone)]
enum Head {
    Page(usize),
    Link(usize),
    WithoutSlash(usize),
    Other(&'static str),
}

/// A step of the walk: a `GET` of one of the chapter's pages, or a click on
/// one of the links of the page the browser shows.
#[derive(Debug, Clone)]
enum Step {
    Get(usize),
    Click(usize),
}

/// The `n`-th item of a list that is never empty, counted round.
fn pick(list: &[String], n: usize) -> String {
    list[n % list.len()].clone()
}

/// The links of the page a browser shows, or the chapter's pages before
/// the first one.
fn links(last: Option<&Exchange>, pages: &[String]) -> Vec<String> {
    let hrefs = last.map(|page| page::hrefs(&page.body)).unwrap_or_default();
    if hrefs.is_empty() {
        pages.to_vec()
    } else {
        hrefs
    }
}

/// The two walks, side by side; see the module documentation.
async fn walk_twice(
    chapter: u8,
    accepts_cookies: bool,
    walk: &[(Vec<Head>, Step)],
) -> Result<(), TestCaseError> {
    let (first, second) = (site(chapter).await, site(chapter).await);
    let open = |site: &session_course::Site| {
        if accepts_cookies {
            site.browser()
        } else {
            site.browser_without_cookies()
        }
    };
    let (mut with_heads, mut without) = (open(&first), open(&second));
    let pages = pages(&first);
    let (mut last_with, mut last_without): (Option<Exchange>, Option<Exchange>) = (None, None);
    for (heads, step) in walk {
        for head in heads {
            let target = match head {
                Head::Page(n) => pick(&pages, *n),
                Head::Link(n) => pick(&links(last_with.as_ref(), &pages), *n),
                Head::WithoutSlash(n) => {
                    let page = pick(&pages, *n);
                    match page.strip_suffix('/') {
                        Some(path) if !path.is_empty() => path.to_string(),
                        _ => page,
                    }
                }
                Head::Other(path) => path.to_string(),
            };
            let answer = with_heads.send(Method::HEAD, &target, None).await;
            prop_assert_sound!(chapter, answer);
            prop_assert!(answer.body.is_empty(), "HEAD {}: a body", target);
            prop_assert_eq!(
                answer.set_cookies(),
                Vec::<String>::new(),
                "HEAD {}",
                target
            );
        }
        let (target_with, target_without) = match step {
            Step::Get(n) => (pick(&pages, *n), pick(&pages, *n)),
            Step::Click(n) => (
                pick(&links(last_with.as_ref(), &pages), *n),
                pick(&links(last_without.as_ref(), &pages), *n),
            ),
        };
        let page_with = with_heads.get(&target_with).await;
        let page_without = without.get(&target_without).await;
        let comparable =
            |page: &Exchange| without_sealed_values(&first, &without_dates(&page.snapshot()));
        prop_assert_eq!(
            comparable(&page_with),
            comparable(&page_without),
            "chapter {}: the page after the HEAD requests differs",
            chapter
        );
        (last_with, last_without) = (Some(page_with), Some(page_without));
    }
    Ok(())
}

/// `text` with every date replaced by `[date]`: the course's dates
/// (`2026-11-25 23:18:07 UTC`) and those of HTTP (`Tue, 25 Nov 2025
/// 23:26:55 GMT`, in a cookie removal). Two walks a second apart would
/// differ there, and only there.
fn without_dates(text: &str) -> String {
    const COURSE_DATE_LENGTH: usize = "2026-11-25 23:18:07 UTC".len();
    const HTTP_DATE: &str = "Aaa, dd Aaa dddd dd:dd:dd GMT";
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    while let Some(c) = text[at..].chars().next() {
        let course_date = text
            .get(at..at + COURSE_DATE_LENGTH)
            .filter(|candidate| is_course_date(candidate));
        let http_date = text
            .get(at..at + HTTP_DATE.len())
            .filter(|candidate| has_shape(candidate, HTTP_DATE));
        if let Some(date) = course_date.or(http_date) {
            out.push_str("[date]");
            at += date.len();
        } else {
            out.push(c);
            at += c.len_utf8();
        }
    }
    out
}

/// `text` with the value of each cookie the chapter signs or encrypts
/// (chapter 8) replaced by `[sealed]`. The two servers have two keys, a
/// private value has a random nonce, and a stamped one the time: two walks
/// differ there, and only there. The count it carries is on the page.
fn without_sealed_values(site: &session_course::Site, text: &str) -> String {
    let chapter = site.chapter;
    let mut text = text.to_string();
    for name in chapter.signed_cookies.iter().chain(chapter.private_cookies) {
        let marker = format!("{name}=");
        let mut out = String::new();
        let mut rest = text.as_str();
        while let Some(at) = rest.find(&marker) {
            out.push_str(&rest[..at + marker.len()]);
            out.push_str("[sealed]");
            rest = &rest[at + marker.len()..];
            rest = &rest[rest.find([';', ' ', '\n']).unwrap_or(rest.len())..];
        }
        out.push_str(rest);
        text = out;
    }
    text
}

/// Whether `text` has this shape: `d` a digit, `A` an upper-case letter,
/// `a` a lower-case one, anything else itself.
fn has_shape(text: &str, shape: &str) -> bool {
    text.len() == shape.len()
        && shape
            .bytes()
            .zip(text.bytes())
            .all(|(want, got)| match want {
                b'd' => got.is_ascii_digit(),
                b'A' => got.is_ascii_uppercase(),
                b'a' => got.is_ascii_lowercase(),
                other => other == got,
            })
}

fn head() -> impl Strategy<Value = Head> {
    prop_oneof![
        any::<usize>().prop_map(Head::Page),
        any::<usize>().prop_map(Head::Link),
        any::<usize>().prop_map(Head::WithoutSlash),
        prop::sample::select(vec!["/nowhere/", "/course.css"]).prop_map(Head::Other),
    ]
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        any::<usize>().prop_map(Step::Get),
        any::<usize>().prop_map(Step::Click),
    ]
}

proptest! {
    #![proptest_config(config())]

    /// Any walk through any chapter, with any `HEAD` requests in between:
    /// each `HEAD` gets no body and no cookie, and every page after it reads
    /// as if it had never been sent.
    #[test]
    fn a_head_request_changes_nothing(
        chapter in prop::sample::select(CHAPTERS),
        accepts_cookies in any::<bool>(),
        walk in prop::collection::vec((prop::collection::vec(head(), 0..3), step()), 1..6),
    ) {
        block_on(walk_twice(chapter, accepts_cookies, &walk))?;
    }
}

/// The same, in every chapter, with and without cookies, for certain: a
/// `HEAD` of every page (with and without its final slash), of as many
/// links and of the odd paths, before each page of the chapter, then before
/// as many clicks on the links of the page the browser shows.
#[tokio::test]
async fn a_head_of_every_page_changes_nothing_in_any_chapter() {
    for &chapter in CHAPTERS {
        let count = pages(&site(chapter).await).len();
        let mut heads: Vec<Head> = (0..count)
            .flat_map(|n| [Head::Page(n), Head::WithoutSlash(n)])
            .collect();
        heads.extend((0..count).map(Head::Link));
        heads.extend([Head::Other("/nowhere/"), Head::Other("/course.css")]);
        let walk: Vec<(Vec<Head>, Step)> = (0..count)
            .map(Step::Get)
            .chain((0..count).map(Step::Click))
            .map(|step| (heads.clone(), step))
            .collect();
        for accepts_cookies in [true, false] {
            walk_twice(chapter, accepts_cookies, &walk)
                .await
                .unwrap_or_else(|e| panic!("chapter {chapter}, cookies {accepts_cookies}: {e}"));
        }
    }
}

#[test]
fn dates_are_left_out_of_the_comparison() {
    assert_eq!(
        without_dates("at 2026-11-25 23:18:07 UTC; Expires=Tue, 25 Nov 2025 23:26:55 GMT, é"),
        "at [date]; Expires=[date], é"
    );
    assert_eq!(without_dates("2026-11-25"), "2026-11-25");
}
