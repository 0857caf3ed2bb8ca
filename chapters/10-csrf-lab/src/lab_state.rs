//! What the lab keeps while the server runs: the defences the panel chose,
//! alice's account, and a log of the last state-changing requests with what
//! became of each. It is one value behind one lock, shared by every request
//! (the whole class sees one lab, as it would see one real site), and it is
//! never held across an `.await`.

use std::{
    collections::VecDeque,
    sync::{Arc, Mutex, MutexGuard},
};

use axum::http::{HeaderMap, header};

use crate::{Refusal, Urls};

/// The defences, as the lab panel sets them. Every one is on at the start.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Defences {
    pub same_site: CookieSameSite,
    pub token_check: bool,
    pub origin_check: bool,
}

impl Default for Defences {
    fn default() -> Self {
        Self {
            same_site: CookieSameSite::Lax,
            token_check: true,
            origin_check: true,
        }
    }
}

/// The `SameSite` attribute of the session cookie.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum CookieSameSite {
    Strict,
    /// The course's choice, and Django's default.
    Lax,
    /// `SameSite=None; Secure`: browsers refuse `None` without `Secure`.
    NoneSecure,
    /// No `SameSite` attribute: the browser picks.
    NotSet,
}

impl CookieSameSite {
    /// Every choice, with the value its button in the lab panel sends.
    pub const CHOICES: [(CookieSameSite, &'static str); 4] = [
        (CookieSameSite::Strict, "Strict"),
        (CookieSameSite::Lax, "Lax"),
        (CookieSameSite::NoneSecure, "None"),
        (CookieSameSite::NotSet, "not-set"),
    ];

    /// The choice a radio button sent, or why it is not one.
    pub fn from_form(value: &str) -> Result<Self, String> {
        Self::CHOICES
            .iter()
            .find(|(_, name)| *name == value)
            .map(|(choice, _)| *choice)
            .ok_or_else(|| {
                format!("{value:?} is not a SameSite choice of the lab panel (Strict, Lax, None or not-set).")
            })
    }

    /// The attribute as the `Set-Cookie` header writes it.
    pub fn attribute(self) -> &'static str {
        match self {
            CookieSameSite::Strict => "SameSite=Strict",
            CookieSameSite::Lax => "SameSite=Lax",
            CookieSameSite::NoneSecure => "SameSite=None; Secure",
            CookieSameSite::NotSet => "no SameSite attribute",
        }
    }

    /// Whether this keeps the cookie off other sites' form posts in every browser.
    pub fn is_a_defence(self) -> bool {
        matches!(self, CookieSameSite::Strict | CookieSameSite::Lax)
    }
}

/// A defence switched `on` or `off` by a button of the lab panel.
pub fn switch(value: &str) -> Result<bool, String> {
    match value {
        "on" => Ok(true),
        "off" => Ok(false),
        other => Err(format!("{other:?} is neither on nor off.")),
    }
}

/// Alice's account: what the attacks try to change.
#[derive(Debug, Clone, PartialEq)]
pub struct Account {
    pub email: String,
    pub subscribed: bool,
}

impl Default for Account {
    fn default() -> Self {
        Self {
            email: "alice@example.com".to_string(),
            subscribed: true,
        }
    }
}

/// One state-changing request, and what became of it.
#[derive(Debug, Clone)]
pub struct LogEntry {
    /// Counted from 1 since the server started (or the last reset).
    pub number: u64,
    pub request: &'static str,
    /// The request's `Sec-Fetch-Site` and `Origin` headers, as sent.
    pub came_from: String,
    /// Whether the request carried a `sessionid` cookie.
    pub cookie_sent: bool,
    /// Whether it changed the account.
    pub changed: bool,
    pub outcome: String,
}

/// How many requests the log keeps: the last few are what a class looks at.
pub const LOG_LENGTH: usize = 8;
/// How much of a header the log shows: a header is the sender's to choose.
const HEADER_SHOWN: usize = 100;

/// Everything the lab keeps; see the module documentation.
#[derive(Debug, Clone, Default)]
pub struct LabState {
    pub defences: Defences,
    pub account: Account,
    /// The newest first.
    pub log: VecDeque<LogEntry>,
    requests: u64,
}

/// The lab's state, shared by every request, and where its sites are.
#[derive(Clone)]
pub struct Lab {
    state: Arc<Mutex<LabState>>,
    urls: Arc<Urls>,
}

impl Lab {
    pub fn new(urls: Urls) -> Self {
        Self {
            state: Arc::default(),
            urls: Arc::new(urls),
        }
    }

    pub fn urls(&self) -> &Urls {
        &self.urls
    }

    /// The state, locked. Every change is a few assignments that cannot
    /// panic halfway, so a poisoned lock still holds a whole state.
    fn lock(&self) -> MutexGuard<'_, LabState> {
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// A copy of the whole state, to draw a page from.
    pub fn state(&self) -> LabState {
        self.lock().clone()
    }

    pub fn defences(&self) -> Defences {
        self.lock().defences
    }

    pub fn set_defences(&self, defences: Defences) {
        self.lock().defences = defences;
    }

    pub fn change_account(&self, change: impl FnOnce(&mut Account)) {
        change(&mut self.lock().account);
    }

    /// Alice's account as it was at the start, and an empty log.
    pub fn reset_account(&self) {
        let mut state = self.lock();
        state.account = Account::default();
        state.log.clear();
        state.requests = 0;
    }

    /// Notes a state-changing request and its outcome in the log.
    pub fn record(
        &self,
        request: &'static str,
        headers: &HeaderMap,
        outcome: &Result<String, Refusal>,
    ) {
        let mut state = self.lock();
        state.requests += 1;
        let entry = LogEntry {
            number: state.requests,
            request,
            came_from: came_from(headers),
            cookie_sent: sent_session_cookie(headers),
            changed: outcome.is_ok(),
            outcome: match outcome {
                Ok(done) => done.clone(),
                Err(refusal) => refusal.title(),
            },
        };
        state.log.push_front(entry);
        state.log.truncate(LOG_LENGTH);
    }
}

/// `Sec-Fetch-Site: … · Origin: …`, as far as the request sent them.
fn came_from(headers: &HeaderMap) -> String {
    let shown = |name: &str| {
        headers.get(name).map(|value| {
            let text = String::from_utf8_lossy(value.as_bytes());
            let short: String = text.chars().take(HEADER_SHOWN).collect();
            let more = if short.len() < text.len() { "…" } else { "" };
            format!("{name}: {short}{more}")
        })
    };
    let parts: Vec<String> = ["Sec-Fetch-Site", "Origin"]
        .into_iter()
        .filter_map(shown)
        .collect();
    if parts.is_empty() {
        "neither Sec-Fetch-Site nor Origin".to_string()
    } else {
        parts.join(" · ")
    }
}

/// Whether the `Cookie` header names a `sessionid`.
fn sent_session_cookie(headers: &HeaderMap) -> bool {
    headers.get_all(header::COOKIE).iter().any(|value| {
        String::from_utf8_lossy(value.as_bytes())
            .split(';')
            .any(|pair| {
                pair.trim()
                    .starts_with(&format!("{}=", course_kit::SESSION_COOKIE))
            })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_button_value_is_a_choice_and_nothing_else_is() {
        for (choice, name) in CookieSameSite::CHOICES {
            assert_eq!(CookieSameSite::from_form(name), Ok(choice));
        }
        for bad in ["", "lax", "None; Secure", "<b>"] {
            assert!(CookieSameSite::from_form(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn the_log_keeps_the_newest_entries_first() {
        let lab = Lab::new(Urls::new(3010));
        let mut headers = HeaderMap::new();
        headers.insert("sec-fetch-site", "cross-site".parse().unwrap());
        headers.insert("cookie", "a=1; sessionid=x".parse().unwrap());
        for _ in 0..LOG_LENGTH + 2 {
            lab.record("GET /unsubscribe/", &headers, &Ok("done".into()));
        }
        let log = lab.state().log;
        assert_eq!(log.len(), LOG_LENGTH);
        assert_eq!(log[0].number, LOG_LENGTH as u64 + 2);
        assert_eq!(log[0].came_from, "Sec-Fetch-Site: cross-site");
        assert!(log[0].cookie_sent && log[0].changed);
        lab.record(
            "POST /email/",
            &HeaderMap::new(),
            &Err(Refusal::NotLoggedIn),
        );
        let newest = &lab.state().log[0];
        assert_eq!(newest.came_from, "neither Sec-Fetch-Site nor Origin");
        assert!(!newest.cookie_sent && !newest.changed);
    }

    #[test]
    fn a_long_header_is_cut_short() {
        let mut headers = HeaderMap::new();
        headers.insert("origin", "x".repeat(500).parse().unwrap());
        let shown = came_from(&headers);
        assert!(shown.ends_with('…') && shown.len() < 200, "{shown}");
    }
}
