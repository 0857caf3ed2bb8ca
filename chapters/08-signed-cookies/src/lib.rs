//! # Chapter 8: cookies you can trust
//!
//! Chapter 3's counter believed any `count` the browser sent. Here the server
//! *signs* the cookie: in front of the value it writes an HMAC-SHA256 of it,
//! computed with a secret key only the server knows. Edit the value, and the
//! signature no longer matches: the count restarts, and the page says why.
//! Three pages show what a key can do, and what it cannot:
//!
//! - `/signed/`: a signed count. Signed is not secret: the value is readable.
//! - `/private/`: an encrypted count (AES-256-GCM): unreadable, and a
//!   changed value is refused the same way.
//! - `/stamped/`: signing does not stop *replay*, an old cookie sent back,
//!   because the server did sign it. A signed issue time limits its age.
//!
//! The key is made at start-up unless `--key-file` gives one, so a restart
//! invalidates every cookie. `--no-verify` is the attack lab: it switches the
//! signature check off, and every page says so.
//!
//! Run it: `cargo run -p chapter-8` (or `just run 8`), then open
//! <http://127.0.0.1:3008/signed/>. The book explains it in
//! `book/src/chapter-8.md`. (Where the key comes from is in `src/key.rs`, and
//! the pages' words are in `src/pages.rs`, so that this file is the lesson.
//! It is still a little over 300 lines: three counters, and the unit tests of
//! its pure functions at the end.)

mod key;
mod pages;

use std::{
    sync::Arc,
    time::{SystemTime, UNIX_EPOCH},
};

use axum::{Router, extract::State, routing::get};
use course_kit::{Chapter, CliOption, OptionValue, PageLink, Settings, Sites};
use maud::Markup;
use tower_cookies::{Cookie, CookieManagerLayer, Cookies, Key, cookie::SameSite};

pub use key::{KEY_FILE, KEY_FILE_VARIABLE, KEY_LENGTH, KeySource, Keys, OLD_KEY_FILE, read_key};

// ANCHOR: app
pub async fn app(settings: Settings) -> Result<Sites, String> {
    // One key signs and encrypts every cookie of this chapter. It is read
    // from a file, or made now: then it lives only as long as the process,
    // and a restart invalidates every cookie it signed. A key file that
    // cannot be read stops the start with a message.
    let trust = Trust {
        keys: Arc::new(Keys::from_settings(&settings)?),
        check_signatures: !settings.flag(NO_VERIFY.name),
        stamp_max_age: settings.seconds(MAX_AGE.name).as_secs(),
    };
    let routes = Router::new()
        .route("/signed/", get(signed_counter))
        .route("/private/", get(private_counter))
        .route("/stamped/", get(stamped_counter))
        .with_state(trust)
        .layer(CookieManagerLayer::new());
    Ok(CHAPTER.app(routes).into())
}
// ANCHOR_END: app

pub const CHAPTER: Chapter = Chapter::new(
    8,
    "Cookies you can trust",
    &[
        PageLink::new("/signed/", "Signed counter"),
        PageLink::new("/private/", "Private counter"),
        PageLink::new("/stamped/", "Stamped counter"),
    ],
)
.with_options(&[KEY_FILE, OLD_KEY_FILE, MAX_AGE, NO_VERIFY])
// The wire inspector takes these cookies' values apart.
.with_signed_cookies(&[COUNT_COOKIE, STAMPED_COOKIE])
.with_private_cookies(&[PRIVATE_COOKIE]);

/// The cookies of the three counters. Each has a name of its own: cookies
/// are kept per host and name, so three counters under one name would
/// overwrite each other.
pub const COUNT_COOKIE: &str = "count";
pub const PRIVATE_COOKIE: &str = "private_count";
pub const STAMPED_COOKIE: &str = "stamped_count";

/// `--max-age SECONDS`: how old a stamped value may be.
pub const MAX_AGE: CliOption = CliOption {
    name: "--max-age",
    value: OptionValue::Seconds { default: 60 },
    help: "/stamped/ refuses a cookie that it signed longer ago than this",
};

/// `--no-verify`: the attack lab's switch.
pub const NO_VERIFY: CliOption = CliOption {
    name: "--no-verify",
    value: OptionValue::Flag,
    help: "attack lab: /signed/ and /stamped/ read their cookie without checking its signature \
           (the defence off; every page says so)",
};

/// What the handlers share: the keys, and the checks this run makes.
#[derive(Clone)]
struct Trust {
    keys: Arc<Keys>,
    /// False only in the attack lab, with `--no-verify`.
    check_signatures: bool,
    stamp_max_age: u64,
}

// ANCHOR: signed_counter
async fn signed_counter(State(trust): State<Trust>, cookies: Cookies) -> Markup {
    // What did the browser send, and did this server write it?
    let opened = trust.open_signed(&cookies, COUNT_COOKIE);
    // This visit's count, and a notice if the old one cannot be used.
    let (count, notice) = opened.next_count();
    // The signed jar writes the signature in front of the value. The value
    // itself stays as it is: readable by anyone who looks at the cookie.
    let signed = cookies.signed(&trust.keys.current);
    signed.add(counter_cookie(COUNT_COOKIE, count.to_string()));
    pages::counter(&trust, pages::Counter::Signed, count, notice)
}
// ANCHOR_END: signed_counter

// ANCHOR: private_counter
async fn private_counter(State(trust): State<Trust>, cookies: Cookies) -> Markup {
    // The private jar decrypts, and the tag proves that the encrypted value
    // was not changed. `--no-verify` does not apply: there is no reading the
    // value without the key.
    let opened = trust.open(&cookies, PRIVATE_COOKIE, |key| {
        cookies.private(key).get(PRIVATE_COOKIE)
    });
    let (count, notice) = opened.next_count();
    let private = cookies.private(&trust.keys.current);
    private.add(counter_cookie(PRIVATE_COOKIE, count.to_string()));
    pages::counter(&trust, pages::Counter::Private, count, notice)
}
// ANCHOR_END: private_counter

// ANCHOR: stamped_counter
async fn stamped_counter(State(trust): State<Trust>, cookies: Cookies) -> Markup {
    let opened = trust.open_signed(&cookies, STAMPED_COOKIE);
    // The signature says that this server wrote the value; the stamp inside
    // it says when. A genuine value signed too long ago is refused too.
    let now = unix_time();
    let (count, notice) = opened.unstamped(now, trust.stamp_max_age).next_count();
    // Like the others, the cookie has no Max-Age, so that you can watch the
    // server refuse an old value. A copy kept elsewhere would ignore a
    // Max-Age anyway: only the server's check counts.
    let signed = cookies.signed(&trust.keys.current);
    signed.add(counter_cookie(STAMPED_COOKIE, stamp(count, now)));
    pages::counter(&trust, pages::Counter::Stamped, count, notice)
}
// ANCHOR_END: stamped_counter

// ANCHOR: open
/// What the server made of the cookie the browser sent.
#[derive(Debug, PartialEq)]
pub enum Opened {
    /// No such cookie: a first visit (or cookies are blocked).
    Missing,
    /// The check failed: the value was changed, the signature made up, or
    /// the cookie was signed with another key (before a restart, say).
    Refused,
    /// Genuine, but signed longer ago than `/stamped/` accepts.
    TooOld { age: u64 },
    /// Genuine (or not checked), but not a value this page writes: such as
    /// another counter's signed value, copied into this page's cookie.
    Malformed(String),
    /// A value to use, and how the server knows it wrote it.
    Value { text: String, checked: Checked },
}

/// How the server knows that it wrote a value.
#[derive(Debug, PartialEq)]
pub enum Checked {
    CurrentKey,
    /// The key before the last rotation (`--old-key-file`).
    PreviousKey,
    /// Not at all: the attack lab's `--no-verify`.
    NotChecked,
}
// ANCHOR_END: open

// ANCHOR: defence
impl Trust {
    /// The signed cookie `name`, checked: unless the lab switched that off.
    fn open_signed(&self, cookies: &Cookies, name: &str) -> Opened {
        if !self.check_signatures {
            return unchecked(cookies, name);
        }
        self.open(cookies, name, |key| cookies.signed(key).get(name))
    }

    /// Opens the cookie `name` with `open` (the signed jar or the private
    /// jar, which return nothing unless the check passes): with the current
    /// key, else with the previous one.
    fn open(
        &self,
        cookies: &Cookies,
        name: &str,
        open: impl Fn(&Key) -> Option<Cookie<'static>>,
    ) -> Opened {
        if cookies.get(name).is_none() {
            return Opened::Missing;
        }
        let value = |cookie: Cookie<'static>, checked| Opened::Value {
            text: cookie.value().to_string(),
            checked,
        };
        if let Some(cookie) = open(&self.keys.current) {
            return value(cookie, Checked::CurrentKey);
        }
        match self.keys.previous.as_ref().and_then(&open) {
            Some(cookie) => value(cookie, Checked::PreviousKey),
            None => Opened::Refused,
        }
    }
}

/// The attack lab's broken reading: it cuts off what should be the
/// signature and never compares it. A value too short to have one is taken
/// whole, as chapter 3 took it.
fn unchecked(cookies: &Cookies, name: &str) -> Opened {
    match cookies.get(name) {
        None => Opened::Missing,
        Some(cookie) => Opened::Value {
            text: without_signature(cookie.value()).to_string(),
            checked: Checked::NotChecked,
        },
    }
}

/// A signed value with its signature cut off: tower-cookies writes 44
/// characters of base64 (HMAC-SHA256's 32 bytes) in front of the value.
pub fn without_signature(value: &str) -> &str {
    value.get(44..).unwrap_or(value)
}
// ANCHOR_END: defence

// ANCHOR: next_count
/// Why a page tells the visitor more than the count.
#[derive(Debug, PartialEq)]
pub enum Notice {
    /// The cookie failed the check: the count restarts.
    Refused,
    /// The cookie is genuine but too old (`/stamped/`): the count restarts.
    TooOld { age: u64 },
    /// The value is not a count this server continues (chapter 3's check).
    NotACount(String),
    /// Signed with the previous key: accepted, and signed again.
    PreviousKey,
}

impl Opened {
    /// This visit's count, and a notice if the old count cannot be used.
    pub fn next_count(self) -> (u64, Option<Notice>) {
        match self {
            Opened::Missing => (1, None),
            Opened::Refused => (1, Some(Notice::Refused)),
            Opened::TooOld { age } => (1, Some(Notice::TooOld { age })),
            Opened::Malformed(text) => (1, Some(Notice::NotACount(text))),
            // Even a genuine value is read as chapter 3 reads it: plain
            // digits only, and a count that can still grow by one.
            Opened::Value { text, checked } => {
                let next = count_in(&text).and_then(|count| count.checked_add(1));
                match next {
                    None => (1, Some(Notice::NotACount(text))),
                    Some(next) if checked == Checked::PreviousKey => {
                        (next, Some(Notice::PreviousKey))
                    }
                    Some(next) => (next, None),
                }
            }
        }
    }
}

/// A count as this server writes it: plain digits that fit a `u64`.
pub fn count_in(text: &str) -> Option<u64> {
    let digits = !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit());
    text.parse().ok().filter(|_| digits)
}
// ANCHOR_END: next_count

// ANCHOR: stamp
/// A stamped value: the count, a colon, and when the server signed it, in
/// seconds since 1970. Django's `TimestampSigner` adds a stamp the same way.
pub fn stamp(count: u64, now: u64) -> String {
    format!("{count}:{now}")
}

impl Opened {
    /// For `/stamped/`: the count inside a genuine stamped value, if it was
    /// signed at most `max_age` seconds before `now`. The limit is the
    /// server's own check: a replayed copy never expires in the browser.
    pub fn unstamped(self, now: u64, max_age: u64) -> Opened {
        let Opened::Value { text, checked } = self else {
            return self;
        };
        let Some((count, Some(issued))) = text
            .split_once(':')
            .map(|(count, issued)| (count, count_in(issued)))
        else {
            return Opened::Malformed(text);
        };
        if now.saturating_sub(issued) > max_age {
            return Opened::TooOld { age: now - issued };
        }
        Opened::Value {
            text: count.to_string(),
            checked,
        }
    }
}
// ANCHOR_END: stamp

/// A counter's cookie, with chapter 3's attributes: `Path=/`, `HttpOnly`,
/// `SameSite=Lax`, and no `Max-Age` (forgotten when the browser closes).
fn counter_cookie(name: &'static str, value: String) -> Cookie<'static> {
    Cookie::build((name, value))
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .build()
}

/// Seconds since 1970 by the server's clock (0 if the clock is before 1970).
fn unix_time() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |since| since.as_secs())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn value(text: &str) -> Opened {
        Opened::Value {
            text: text.into(),
            checked: Checked::CurrentKey,
        }
    }

    #[test]
    fn only_plain_digits_are_a_count() {
        assert_eq!(count_in("41"), Some(41));
        for edited in [
            "",
            "-1",
            "+5",
            " 5",
            "1.5",
            "abc",
            "18446744073709551616",
            "٣",
        ] {
            assert_eq!(count_in(edited), None, "{edited:?}");
        }
    }

    #[test]
    fn the_next_count_adds_one_or_says_why_not() {
        assert_eq!(Opened::Missing.next_count(), (1, None));
        assert_eq!(value("41").next_count(), (42, None));
        assert_eq!(Opened::Refused.next_count(), (1, Some(Notice::Refused)));
        let max = u64::MAX.to_string();
        assert_eq!(value(&max).next_count(), (1, Some(Notice::NotACount(max))));
        let old_key = Opened::Value {
            text: "3".into(),
            checked: Checked::PreviousKey,
        };
        assert_eq!(old_key.next_count(), (4, Some(Notice::PreviousKey)));
    }

    #[test]
    fn a_stamp_is_refused_once_too_old() {
        assert_eq!(stamp(3, 1000), "3:1000");
        assert_eq!(
            value("3:1000").unstamped(1060, 60),
            value("3"),
            "60 s old: fresh"
        );
        assert_eq!(
            value("3:1000").unstamped(1061, 60),
            Opened::TooOld { age: 61 }
        );
        // A stamp from the future (the clock went back) is not "too old".
        assert_eq!(value("3:2000").unstamped(1000, 60), value("3"));
        // No stamp (such as /signed/'s value, whose signature tower-cookies
        // does not tie to the cookie's name), or a broken one: no count.
        for broken in ["3", "3:", "3:x", ":1000", "x:1000"] {
            let (count, notice) = value(broken).unstamped(1000, 60).next_count();
            assert_eq!(count, 1, "{broken:?}");
            assert!(matches!(notice, Some(Notice::NotACount(_))), "{broken:?}");
        }
        assert_eq!(Opened::Refused.unstamped(1000, 60), Opened::Refused);
    }

    #[test]
    fn the_lab_cuts_off_the_signature_without_looking_at_it() {
        let signature = "A".repeat(44);
        assert_eq!(without_signature(&format!("{signature}999")), "999");
        assert_eq!(without_signature("999"), "999", "no signature: taken whole");
        let odd = format!("a{}", "é".repeat(30));
        assert_eq!(
            without_signature(&odd),
            odd,
            "byte 44 inside a character: no panic"
        );
    }
}
