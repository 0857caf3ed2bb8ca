//! The race lab's client, used by `just race` (`examples/race.rs`) and by the
//! tests. It plays one visitor with many tabs open at once: it starts a
//! session on the first instance, then sends many "add 1 apple" posts with
//! that session's cookie and CSRF token, several at a time, each to the next
//! instance in turn, and at the end reads how many apples the cart holds.
//!
//! It speaks HTTP/1.1 itself, one TCP connection per request
//! (`Connection: close`): a request is a few lines of text, and the status
//! line, the `Set-Cookie` headers and the page are all it reads back.

use std::{collections::BTreeMap, time::Duration};

use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpStream,
    task::JoinSet,
};

/// How long one request may take before the race counts it as failed.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// The lab's two ways of keeping the cart.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Strategy {
    /// Inside the session record: load it, change it, save it whole.
    Record,
    /// In its own table (a Redis hash), keyed by the session id.
    Table,
}

impl Strategy {
    pub const BOTH: [Strategy; 2] = [Strategy::Record, Strategy::Table];

    /// Where its "add 1 apple" button posts.
    pub fn path(self) -> &'static str {
        match self {
            Strategy::Record => "/race/record/",
            Strategy::Table => "/race/table/",
        }
    }

    /// The `id` of the lab page's element that shows its apples.
    fn counter(self) -> &'static str {
        match self {
            Strategy::Record => "record-apples",
            Strategy::Table => "table-apples",
        }
    }

    pub fn description(self) -> &'static str {
        match self {
            Strategy::Record => {
                "Cart inside the session record (load, change, save the whole record)"
            }
            Strategy::Table => "Cart in its own table (one atomic operation per apple)",
        }
    }
}

/// What one race did.
#[derive(Debug)]
pub struct Outcome {
    pub strategy: Strategy,
    pub sent: usize,
    /// Answered `200 OK`: each of these requests added an apple, as far as
    /// its own instance could tell.
    pub added: u64,
    /// Every other answer, by instance and status line.
    pub refused: BTreeMap<String, usize>,
    /// Requests that got no answer at all, with the first reason.
    pub failed: usize,
    pub first_failure: Option<String>,
    /// The apples the cart holds once every request is answered.
    pub apples: u64,
}

impl Outcome {
    /// Apples whose request was answered `200 OK`, but which are not in the cart.
    pub fn lost(&self) -> u64 {
        self.added.saturating_sub(self.apples)
    }

    /// The outcome in two or three lines, for the terminal.
    pub fn report(&self) -> String {
        let mut text = format!("{}:\n", self.strategy.description());
        let lost = self.lost();
        let share = if self.added == 0 {
            String::new()
        } else {
            format!(" ({:.1} %)", lost as f64 * 100.0 / self.added as f64)
        };
        text.push_str(&format!(
            "  {} requests sent, {} answered 200 OK;\n  the cart holds {} apples: {lost} lost{share}.\n",
            self.sent, self.added, self.apples
        ));
        for (answer, count) in &self.refused {
            let why = if answer.contains(" 403 ") {
                ": that instance does not know this session (do the instances share a store?)"
            } else {
                ""
            };
            text.push_str(&format!("  {count} refused: {answer}{why}\n"));
        }
        if let Some(reason) = &self.first_failure {
            text.push_str(&format!(
                "  {} got no answer, the first: {reason}\n",
                self.failed
            ));
        }
        text
    }
}

/// `host:port`, from `host:port`, `http://host:port` or `http://host:port/`.
pub fn address(text: &str) -> Result<String, String> {
    let bare = text.strip_prefix("http://").unwrap_or(text);
    let bare = bare.strip_suffix('/').unwrap_or(bare);
    match bare.rsplit_once(':') {
        Some((host, port)) if !host.is_empty() && port.parse::<u16>().is_ok() => {
            Ok(bare.to_string())
        }
        _ => Err(format!(
            "'{text}' is not an instance's address, such as 127.0.0.1:3011"
        )),
    }
}

/// Where an instance says its sessions live, as the first line of its pages
/// says it: `SQLite, in the file …`, `Redis, at …` or `this instance's memory`.
pub async fn where_sessions_live(address: &str) -> Result<String, String> {
    let page = request(address, "GET", "/", None, None).await?;
    let marker = "Sessions live in <strong>";
    let start = page.body.find(marker).map(|at| at + marker.len());
    let end = start.and_then(|start| page.body[start..].find('<').map(|end| start + end));
    match (start, end) {
        (Some(start), Some(end)) => Ok(page.body[start..end].to_string()),
        _ => Err(format!(
            "{address} does not look like chapter 11: its page names no store"
        )),
    }
}

/// Races `adds` "add 1 apple" requests of one new session, `at_once` at a
/// time, sent to each of `instances` in turn.
pub async fn race(
    instances: &[String],
    strategy: Strategy,
    adds: usize,
    at_once: usize,
) -> Result<Outcome, String> {
    let first = instances.first().ok_or("no instance to race on")?;
    // A new session, begun by the lab page: its cookie and its form token.
    let page = request(first, "GET", "/race/", None, None).await?;
    let session = page
        .session_cookie()
        .ok_or_else(|| format!("{first} set no sessionid cookie on /race/"))?;
    let token = attribute(&page.body, "name=\"csrfmiddlewaretoken\" value")
        .ok_or_else(|| format!("{first}'s /race/ page has no form token"))?;
    let form = format!("csrfmiddlewaretoken={token}");

    // `at_once` workers; worker w sends requests w, w + at_once, w + 2 × at_once…
    let mut workers = JoinSet::new();
    for worker in 0..at_once.max(1) {
        let (instances, session, form) = (instances.to_vec(), session.clone(), form.clone());
        workers.spawn(async move {
            let mut answers = Vec::new();
            for n in (worker..adds).step_by(at_once.max(1)) {
                let instance = &instances[n % instances.len()];
                let answer = request(
                    instance,
                    "POST",
                    strategy.path(),
                    Some(&session),
                    Some(&form),
                )
                .await;
                answers.push(
                    answer.map(|answer| format!("{instance} answered {}", answer.status_line)),
                );
            }
            answers
        });
    }
    let mut outcome = Outcome {
        strategy,
        sent: adds,
        added: 0,
        refused: BTreeMap::new(),
        failed: 0,
        first_failure: None,
        apples: 0,
    };
    while let Some(answers) = workers.join_next().await {
        for answer in answers.map_err(|e| format!("a worker of the race failed: {e}"))? {
            match answer {
                Ok(line) if line.ends_with(" 200 OK") => outcome.added += 1,
                Ok(line) => *outcome.refused.entry(line).or_default() += 1,
                Err(reason) => {
                    outcome.failed += 1;
                    outcome.first_failure.get_or_insert(reason);
                }
            }
        }
    }

    let page = request(first, "GET", "/race/", Some(&session), None).await?;
    outcome.apples = counter(&page.body, strategy.counter())
        .ok_or_else(|| format!("{first}'s /race/ page shows no count of apples"))?;
    Ok(outcome)
}

/// An answer, as much of it as the race reads.
#[derive(Debug)]
pub struct Answer {
    /// `HTTP/1.1 200 OK`.
    pub status_line: String,
    pub set_cookies: Vec<String>,
    pub body: String,
}

impl Answer {
    /// The value of the `sessionid` cookie this answer sets, if it sets one.
    fn session_cookie(&self) -> Option<String> {
        self.set_cookies.iter().find_map(|cookie| {
            let value = cookie.strip_prefix("sessionid=")?;
            let value = value.split(';').next().unwrap_or_default();
            (!value.is_empty()).then(|| value.to_string())
        })
    }
}

/// Sends one request on a new connection and reads the whole answer.
pub async fn request(
    address: &str,
    method: &str,
    path: &str,
    session: Option<&str>,
    form: Option<&str>,
) -> Result<Answer, String> {
    let mut text = format!("{method} {path} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n");
    if let Some(session) = session {
        text.push_str(&format!("Cookie: sessionid={session}\r\n"));
    }
    if let Some(form) = form {
        text.push_str("Content-Type: application/x-www-form-urlencoded\r\n");
        text.push_str(&format!("Content-Length: {}\r\n", form.len()));
    }
    text.push_str("\r\n");
    text.push_str(form.unwrap_or_default());
    let exchange = async {
        let mut stream = TcpStream::connect(address).await?;
        stream.write_all(text.as_bytes()).await?;
        let mut answer = Vec::new();
        stream.read_to_end(&mut answer).await?;
        Ok::<_, std::io::Error>(answer)
    };
    let bytes = tokio::time::timeout(REQUEST_TIMEOUT, exchange)
        .await
        .map_err(|_| {
            format!(
                "{address}: no answer within {} s",
                REQUEST_TIMEOUT.as_secs()
            )
        })?
        .map_err(|e| format!("{address}: {e}"))?;
    parse(&String::from_utf8_lossy(&bytes))
        .ok_or_else(|| format!("{address}: an answer that is not HTTP"))
}

/// Reads an answer's status line, `Set-Cookie` headers and body.
fn parse(answer: &str) -> Option<Answer> {
    let (head, body) = answer.split_once("\r\n\r\n")?;
    let mut lines = head.split("\r\n");
    let status_line = lines.next().filter(|line| line.starts_with("HTTP/1."))?;
    let set_cookies = lines
        .filter_map(|line| line.split_once(':'))
        .filter(|(name, _)| name.eq_ignore_ascii_case("set-cookie"))
        .map(|(_, value)| value.trim().to_string())
        .collect();
    Some(Answer {
        status_line: status_line.to_string(),
        set_cookies,
        body: body.to_string(),
    })
}

/// The quoted value after `name="` in a page: `attribute(page, "data-store")`.
fn attribute(page: &str, name: &str) -> Option<String> {
    let marker = format!("{name}=\"");
    let start = page.find(&marker)? + marker.len();
    let end = page[start..].find('"')? + start;
    Some(page[start..end].to_string())
}

/// The number inside the element whose id is `id`: `<strong id="x">12</strong>`.
fn counter(page: &str, id: &str) -> Option<u64> {
    let marker = format!("id=\"{id}\">");
    let start = page.find(&marker)? + marker.len();
    let digits: String = page[start..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    digits.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_answer_is_read_from_its_text() {
        let answer = parse(
            "HTTP/1.1 200 OK\r\ncontent-type: text/html\r\nset-cookie: sessionid=abc; HttpOnly\r\n\
             Set-Cookie: other=1\r\n\r\n<p>\r\n\r\nbody</p>",
        )
        .unwrap();
        assert_eq!(answer.status_line, "HTTP/1.1 200 OK");
        assert_eq!(answer.set_cookies, ["sessionid=abc; HttpOnly", "other=1"]);
        assert_eq!(answer.session_cookie().as_deref(), Some("abc"));
        assert_eq!(answer.body, "<p>\r\n\r\nbody</p>");
        assert!(parse("garbage").is_none());
        assert!(parse("SSH-2.0\r\n\r\n").is_none());
    }

    #[test]
    fn a_page_gives_its_token_and_counts() {
        let page = r#"<p class="x"><strong id="record-apples">1234</strong>
            <input type="hidden" name="csrfmiddlewaretoken" value="tok-EN_1">"#;
        assert_eq!(attribute(page, "class").as_deref(), Some("x"));
        assert_eq!(
            attribute(page, "name=\"csrfmiddlewaretoken\" value").as_deref(),
            Some("tok-EN_1")
        );
        assert_eq!(counter(page, "record-apples"), Some(1234));
        assert_eq!(counter(page, "table-apples"), None);
    }

    #[test]
    fn addresses_are_host_and_port() {
        assert_eq!(address("http://127.0.0.1:3011/").unwrap(), "127.0.0.1:3011");
        assert_eq!(address("localhost:3012").unwrap(), "localhost:3012");
        assert!(address("127.0.0.1").is_err());
        assert!(address("http://127.0.0.1:99999").is_err());
    }

    #[test]
    fn lost_apples_are_those_answered_but_not_kept() {
        let outcome = Outcome {
            strategy: Strategy::Record,
            sent: 10,
            added: 8,
            refused: BTreeMap::from([("127.0.0.1:3012 answered HTTP/1.1 403 Forbidden".into(), 2)]),
            failed: 0,
            first_failure: None,
            apples: 6,
        };
        assert_eq!(outcome.lost(), 2);
        let report = outcome.report();
        assert!(
            report.contains("the cart holds 6 apples: 2 lost (25.0 %)"),
            "{report}"
        );
        assert!(report.contains(
            "2 refused: 127.0.0.1:3012 answered HTTP/1.1 403 Forbidden: that instance does not know"
        ));
    }
}
