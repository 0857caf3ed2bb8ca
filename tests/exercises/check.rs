//! What every check shares: the message a student reads when a check fails,
//! and small helpers to quote what a page said.
//!
//! A check fails through [`Exercise::expect`] (or [`Exercise::fail`]), never
//! through a bare `assert!` or `unwrap()`, so that every failure says which
//! exercise it is, what was expected, what the course did instead, where to
//! work, and where the reference solution is. `.ci/exercises` relies on it:
//! it requires every check to fail on the unmodified course *with this
//! message*, so that a check that fails for another reason (a panic in the
//! test's own code, say) is caught as a defect.

use std::fmt::Display;

use session_course::{Browser, Exchange};

/// One exercise of the book, as its check names it in a failure.
pub struct Exercise {
    /// The exercise's number, `"3.1"`: chapter 3, exercise 1. It is also
    /// what the student types, `just exercise 3.1`.
    pub id: &'static str,
    /// Its title, as the book's `### 1. …` heading has it.
    pub title: &'static str,
    /// Where the student works: a file, and the function or place in it.
    pub work_in: &'static str,
}

impl Exercise {
    /// Passes if `done`; otherwise fails the check with the full message.
    /// `expected` says what the exercise asks for, in a sentence; `found`
    /// is what the course did instead (a line of the page, a header).
    #[track_caller]
    pub fn expect(&self, done: bool, expected: impl Display, found: impl Display) {
        if !done {
            self.fail(expected, found);
        }
    }

    /// Fails the check with the full message.
    #[track_caller]
    pub fn fail(&self, expected: impl Display, found: impl Display) -> ! {
        let Exercise { id, title, work_in } = self;
        let (chapter, number) = id.split_once('.').unwrap_or((id, ""));
        let solution = format!("ch{chapter}_{number}");
        let found = indent(&found.to_string());
        panic!(
            "\n\nExercise {id} ({title}) is not done yet.\n\n\
             expected: {expected}\n\
             found:    {found}\n\n\
             work in:  {work_in}\n\
             the book: book/src/chapter-{chapter}.md, \"Exercises\", {number}. {title} (hints there)\n\
             stuck?    the reference solution is tests/exercises/solutions/{solution}.patch\n"
        );
    }

    /// The page must have answered `status`: a check runs this first, so
    /// that a page that is not there yet gets a plain message, rather than
    /// one about text that is missing from a 404 page.
    #[track_caller]
    pub fn expect_status(&self, page: &Exchange, status: u16, what: impl Display) {
        self.expect(
            page.status.as_u16() == status,
            format!("{what}: {} {} to answer {status}", page.method, page.target),
            format!("{} {}", page.status, first_line(&page.main_text())),
        );
    }

    /// Sends `GET target` from `browser` in a task of its own, so that a
    /// handler that panics (an overflow, an `unwrap()` on bad input) fails
    /// the check with this exercise's message, and not with a bare panic.
    /// The browser comes back with the page.
    pub async fn get_without_panic(
        &self,
        mut browser: Browser,
        target: &str,
        case: &str,
    ) -> (Browser, Exchange) {
        let owned_target = target.to_string();
        let task = tokio::spawn(async move {
            let page = browser.get(&owned_target).await;
            (browser, page)
        });
        match task.await {
            Ok(done) => done,
            Err(error) => self.fail(
                format!("{case}: an answer (any page), never a panic: the server must not crash on a request"),
                format!("GET {target} panicked: {}", panic_text(error)),
            ),
        }
    }
}

/// The first line of a text that contains `needle`, or a note that none does.
pub fn line_with(text: &str, needle: &str) -> String {
    text.lines()
        .find(|line| line.contains(needle))
        .map_or_else(|| format!("(no line contains {needle:?})"), str::to_string)
}

/// The first line of a text, or a note that it is empty.
pub fn first_line(text: &str) -> String {
    text.lines()
        .next()
        .map_or_else(|| "(an empty page)".to_string(), str::to_string)
}

/// A `Set-Cookie` header as the check quotes it, or a note that there was none.
pub fn set_cookie_or_none(page: &Exchange, name: &str) -> String {
    page.set_cookie(name)
        .unwrap_or_else(|| format!("no Set-Cookie for {name:?} in the answer"))
}

/// What a panicked task said, if it said anything.
fn panic_text(error: tokio::task::JoinError) -> String {
    if !error.is_panic() {
        return error.to_string();
    }
    let payload = error.into_panic();
    payload
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| payload.downcast_ref::<&str>().map(|text| text.to_string()))
        .unwrap_or_else(|| "(no message)".to_string())
}

/// Continues a multi-line text under the `found:` label.
fn indent(text: &str) -> String {
    text.lines().collect::<Vec<_>>().join("\n          ")
}
