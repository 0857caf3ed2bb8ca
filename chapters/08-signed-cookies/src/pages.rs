//! The pages' words around the lesson: what each counter says, the notices,
//! the key's note, and the attack lab's warning. They are here so that
//! `lib.rs` reads as the exchange itself.

use maud::{Markup, html};

use crate::{
    CHAPTER, COUNT_COOKIE, KEY_FILE, KEY_FILE_VARIABLE, KeySource, Notice, PRIVATE_COOKIE,
    STAMPED_COOKIE, Trust,
};

/// Which of the three counters a page shows.
#[derive(Clone, Copy, PartialEq)]
pub(crate) enum Counter {
    Signed,
    Private,
    Stamped,
}

impl Counter {
    fn cookie(self) -> &'static str {
        match self {
            Counter::Signed => COUNT_COOKIE,
            Counter::Private => PRIVATE_COOKIE,
            Counter::Stamped => STAMPED_COOKIE,
        }
    }

    fn title(self) -> &'static str {
        match self {
            Counter::Signed => "Signed counter",
            Counter::Private => "Private counter",
            Counter::Stamped => "Stamped counter",
        }
    }
}

/// A counter's page: the lab's warning if a defence is off, the notice if
/// there is one, chapter 3's sentence, and what this counter shows.
pub(crate) fn counter(
    trust: &Trust,
    counter: Counter,
    count: u64,
    notice: Option<Notice>,
) -> Markup {
    let content = html! {
        @if !trust.check_signatures {
            (course_kit::lab::defence_off(
                "the signature check (--no-verify)",
                "/signed/ and /stamped/ read their cookie without checking its signature, so they \
                 believe whatever the browser sends: set the count cookie to 999, and you have \
                 visited 1000 times. (/private/ still checks: it cannot read a value without \
                 decrypting it.)",
                "stop the server and start it again without --no-verify",
            ))
        }
        @if let Some(notice) = &notice {
            p.notice role="alert" { (notice_text(trust, counter, notice)) }
        }
        h1 { "You have visited this page " (count) " times" }
        (explanation(trust, counter))
        (key_note(trust))
    };
    CHAPTER.page(counter.title(), content)
}

fn notice_text(trust: &Trust, counter: Counter, notice: &Notice) -> String {
    let cookie = counter.cookie();
    match (notice, counter) {
        (Notice::Refused, Counter::Private) => format!(
            "Your browser sent a {cookie} cookie that does not decrypt with this server's key: it \
             was changed, made up, or encrypted with another key. The counter starts again at 1."
        ),
        (Notice::Refused, _) => format!(
            "Your browser sent a {cookie} cookie whose signature does not match its value: the \
             value was changed, the signature made up, or the cookie was signed with another key. \
             The counter starts again at 1."
        ),
        (Notice::TooOld { age }, _) => format!(
            "Your {cookie} cookie is genuine, but this server signed it {age} seconds ago, more \
             than the {} it accepts: an old copy, sent back, is refused. The counter starts again \
             at 1.",
            trust.stamp_max_age
        ),
        (Notice::NotACount(text), _) => format!(
            "Your {cookie} cookie holds {text:?}, which is not a count this page writes, so the \
             counter starts again at 1."
        ),
        (Notice::PreviousKey, _) => format!(
            "Your {cookie} cookie was made with the previous key. It is accepted, and this \
             response makes it again with the current key."
        ),
    }
}

/// What each counter's cookie shows, and how to try it.
fn explanation(trust: &Trust, counter: Counter) -> Markup {
    let max_age = match trust.stamp_max_age {
        1 => "1 second".to_string(),
        seconds => format!("{seconds} seconds"),
    };
    match counter {
        Counter::Signed => html! {
            p {
                "The count lives in the " code { "count" } " cookie, signed with this server's "
                "secret key. Signed is not secret: the wire inspector below takes the value apart, "
                "44 characters of signature, then your count, which anyone can read."
            }
            div.explain {
                p {
                    "Try to cheat: in the developer tools, change the number at the end of the "
                    "cookie's value, and reload. The signature no longer matches, so the server "
                    "refuses the value, and the count starts again at 1."
                }
                p {
                    "Signing does not stop replay. Copy the cookie's value, reload twice, then put "
                    "the copy back: the signature still matches, since this server did sign that "
                    "value, and the count goes back. The " a href="/stamped/" { "stamped counter" }
                    " limits how old a value may be."
                }
            }
        },
        Counter::Private => html! {
            p {
                "The count lives in the " code { "private_count" } " cookie, encrypted with this "
                "server's key (AES-256-GCM). Nobody without the key can read it, you included: "
                "the wire inspector shows only what the value is made of, and how long it is."
            }
            div.explain {
                p {
                    "Change any character of the value and reload: the tag no longer matches, the "
                    "server refuses the value, and the count starts again at 1."
                }
                p {
                    "Encrypted is not fresh either: an old copy, sent back, still decrypts, and "
                    "the count goes back."
                }
            }
        },
        Counter::Stamped => html! {
            p {
                "The " code { "stamped_count" } " cookie is signed, and the value it signs is "
                code { "count:time" } ": the count, and when the server signed it, in seconds "
                "since 1970. The server refuses a value it signed more than " (max_age)
                " ago."
            }
            div.explain {
                p {
                    "Stay away for more than " (max_age) ", then reload: the signature "
                    "still matches, but the value is too old, and the count starts again at 1."
                }
                p {
                    "Within the " (max_age) ", an old copy still works: the server cannot "
                    "tell that it has seen it before. Only a record kept on the server, such as a "
                    "session (chapter 5), can make a value work once."
                }
            }
        },
    }
}

/// Where the key came from, and so what a restart does to every cookie.
fn key_note(trust: &Trust) -> Markup {
    html! {
        p.hint {
            @match trust.keys.source {
                KeySource::Generated => {
                    "This server made its key when it started, and keeps it only in memory. "
                    "Restart it, and every cookie it signed or encrypted is refused: every count "
                    "starts again at 1. A real site keeps its key in a file or a secret store "
                    "(here: " code { (KEY_FILE.name) " PATH" } ", or the variable "
                    code { (KEY_FILE_VARIABLE) } ")."
                }
                KeySource::File => {
                    "This server read its key from a key file: restart it, and its cookies are "
                    "still accepted."
                }
            }
            @if trust.keys.previous.is_some() {
                " It also accepts cookies made with a previous key, and makes them again with the "
                "current one: the key is being rotated."
            }
        }
    }
}
