//! The request log: one line on the terminal for each request, so that a
//! teacher can show the class what crossed the wire without opening the
//! browser's developer tools.
//!
//! ```text
//! GET /countView/ | Cookie: count=2 | 200 OK | Set-Cookie: count=3; HttpOnly; SameSite=Lax; Path=/
//! ```

use std::{
    borrow::Cow,
    fmt::{self, Display, Write as _},
};

use axum::{
    extract::{Request, State},
    http::{HeaderMap, HeaderValue, StatusCode, header},
    middleware::Next,
    response::Response,
};

/// Requests for the stylesheet are not logged: they say nothing about
/// sessions, and a line for each would bury the ones that do.
const QUIET_PATHS: &[&str] = &["/course.css", "/favicon.ico"];

/// The middleware that prints the line. `site` names a second site of the
/// chapter (an attack lab's attacker page), whose lines start with it.
pub(crate) async fn log_request(
    State(site): State<Option<&'static str>>,
    request: Request,
    next: Next,
) -> Response {
    if QUIET_PATHS.contains(&request.uri().path()) {
        return next.run(request).await;
    }
    let method = request.method().clone();
    let target = crate::request_target(request.uri());
    // Of the request's headers, the line shows only the cookies: those are
    // kept (cheap copies of the bytes), not every header the browser sent.
    let cookies_sent: Vec<HeaderValue> = request
        .headers()
        .get_all(header::COOKIE)
        .iter()
        .cloned()
        .collect();

    let response = next.run(request).await;
    let parts = ExchangeParts::new(cookies_sent.iter(), response.headers());
    let line = parts.line(method.as_str(), &target, response.status());
    // The line is written straight into the terminal's buffer, piece by
    // piece, without being built as a string first.
    match site {
        Some(site) => println!("[{site}] {line}"),
        None => println!("{line}"),
    }
    response
}

/// The line the request log prints for one exchange. The tests use it, so
/// that the log lines the book quotes come from the code that prints them.
pub fn log_line(
    method: &str,
    target: &str,
    request_headers: &HeaderMap,
    status: StatusCode,
    response_headers: &HeaderMap,
) -> String {
    let cookies_sent = request_headers.get_all(header::COOKIE).iter();
    ExchangeParts::new(cookies_sent, response_headers)
        .line(method, target, status)
        .to_string()
}

/// The headers a line shows, as text. A header is bytes, and a client may
/// send bytes that are not UTF-8: they are shown, not refused. (Text that is
/// UTF-8 already, nearly all of it, is borrowed, not copied.)
struct ExchangeParts<'a> {
    cookies_sent: Vec<Cow<'a, str>>,
    location: Option<Cow<'a, str>>,
    cookies_set: Vec<Cow<'a, str>>,
}

impl<'a> ExchangeParts<'a> {
    fn new(
        cookies_sent: impl Iterator<Item = &'a HeaderValue>,
        response_headers: &'a HeaderMap,
    ) -> Self {
        let text = |value: &'a HeaderValue| String::from_utf8_lossy(value.as_bytes());
        Self {
            cookies_sent: cookies_sent.map(text).collect(),
            location: response_headers
                .get_all(header::LOCATION)
                .iter()
                .next_back()
                .map(text),
            cookies_set: response_headers
                .get_all(header::SET_COOKIE)
                .iter()
                .map(text)
                .collect(),
        }
    }

    fn line<'b>(&'b self, method: &'b str, target: &'b str, status: StatusCode) -> LogLine<'b> {
        LogLine {
            method,
            target,
            cookies_sent: &self.cookies_sent,
            status,
            location: self.location.as_deref(),
            cookies_set: &self.cookies_set,
        }
    }
}

/// What one line of the log says.
pub(crate) struct LogLine<'a> {
    pub method: &'a str,
    pub target: &'a str,
    pub cookies_sent: &'a [Cow<'a, str>],
    pub status: StatusCode,
    pub location: Option<&'a str>,
    pub cookies_set: &'a [Cow<'a, str>],
}

impl Display for LogLine<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.method, Printable(self.target))?;
        if self.cookies_sent.is_empty() {
            f.write_str(" | no Cookie")?;
        } else {
            // Several Cookie headers are shown as one, joined with "; ".
            f.write_str(" | Cookie: ")?;
            for (i, cookies) in self.cookies_sent.iter().enumerate() {
                if i > 0 {
                    f.write_str("; ")?;
                }
                write!(f, "{}", Printable(cookies))?;
            }
        }
        write!(f, " | {}", self.status)?;
        if let Some(location) = self.location {
            write!(f, " | Location: {}", Printable(location))?;
        }
        for cookie in self.cookies_set {
            write!(f, " | Set-Cookie: {}", Printable(cookie))?;
        }
        Ok(())
    }
}

/// The text with every character that would act on the terminal instead of
/// being shown written as an escape, `\u{1b}`: control characters (C0 and
/// C1, which can move the cursor or change colours), and the invisible
/// format characters, such as U+202E, that turn the rest of a line around.
/// Any client can send them in a cookie or a URL; the log shows them, and
/// the teacher's terminal is not fooled by them.
struct Printable<'a>(&'a str);

impl Display for Printable<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Nearly every line is plain ASCII, with nothing to escape at all.
        if self.0.bytes().all(|byte| (b' '..=b'~').contains(&byte)) {
            return f.write_str(self.0);
        }
        // The ordinary characters between two escaped ones are written in
        // one piece.
        let mut written = 0;
        for (at, c) in self.0.char_indices() {
            if c.is_control() || is_format_character(c) {
                f.write_str(&self.0[written..at])?;
                for escaped in c.escape_unicode() {
                    f.write_char(escaped)?;
                }
                written = at + c.len_utf8();
            }
        }
        f.write_str(&self.0[written..])
    }
}

/// Unicode's invisible "format" characters that change how text around them
/// is shown: bidirectional marks, embeddings, overrides and isolates, and the
/// zero-width ones.
fn is_format_character(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}'
            | '\u{061C}'
            | '\u{180E}'
            | '\u{200B}'..='\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{2064}'
            | '\u{2066}'..='\u{206F}'
            | '\u{FEFF}'
            | '\u{FFF9}'..='\u{FFFB}'
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_line_per_request() {
        let line = LogLine {
            method: "GET",
            target: "/countView/",
            cookies_sent: &["count=2".into()],
            status: StatusCode::OK,
            location: None,
            cookies_set: &["count=3; Path=/".into()],
        };
        assert_eq!(
            line.to_string(),
            "GET /countView/ | Cookie: count=2 | 200 OK | Set-Cookie: count=3; Path=/"
        );
        let redirect = LogLine {
            method: "GET",
            target: "/countView",
            cookies_sent: &[],
            status: StatusCode::TEMPORARY_REDIRECT,
            location: Some("/countView/"),
            cookies_set: &[],
        };
        assert_eq!(
            redirect.to_string(),
            "GET /countView | no Cookie | 307 Temporary Redirect | Location: /countView/"
        );
    }

    #[test]
    fn the_line_joins_cookie_headers_and_shows_location_and_each_set_cookie() {
        let mut sent = HeaderMap::new();
        sent.append(header::COOKIE, HeaderValue::from_static("a=1; b=2"));
        // A byte that is not UTF-8 is shown as U+FFFD, not refused.
        sent.append(header::COOKIE, HeaderValue::from_bytes(b"c=\xff").unwrap());
        sent.insert(header::USER_AGENT, HeaderValue::from_static("curl/8"));
        let mut answered = HeaderMap::new();
        answered.insert(header::LOCATION, HeaderValue::from_static("/next/"));
        answered.append(header::SET_COOKIE, HeaderValue::from_static("a=2; Path=/"));
        answered.append(
            header::SET_COOKIE,
            HeaderValue::from_static("b=; Max-Age=0"),
        );
        assert_eq!(
            log_line("POST", "/x/?y=1", &sent, StatusCode::SEE_OTHER, &answered),
            "POST /x/?y=1 | Cookie: a=1; b=2; c=\u{fffd} | 303 See Other | Location: /next/ \
             | Set-Cookie: a=2; Path=/ | Set-Cookie: b=; Max-Age=0"
        );
        let nothing = HeaderMap::new();
        assert_eq!(
            log_line("GET", "/", &nothing, StatusCode::OK, &nothing),
            "GET / | no Cookie | 200 OK"
        );
    }

    #[test]
    fn characters_that_act_on_a_terminal_are_escaped() {
        // ESC (C0), CSI (C1), a right-to-left override, a zero-width space.
        let sent = ["a=\u{1b}[31mred; b=\u{9b}2J; c=\u{202e}txt.exe; d=\u{200b}".into()];
        let line = LogLine {
            method: "GET",
            target: "/\u{7f}",
            cookies_sent: &sent,
            status: StatusCode::OK,
            location: None,
            cookies_set: &[],
        }
        .to_string();
        assert_eq!(
            line,
            "GET /\\u{7f} | Cookie: a=\\u{1b}[31mred; b=\\u{9b}2J; c=\\u{202e}txt.exe; d=\\u{200b} | 200 OK"
        );
        assert!(
            !line
                .chars()
                .any(|c| c.is_control() || is_format_character(c))
        );
        // Ordinary text, accents included, is shown as it is.
        assert_eq!(Printable("café ; é").to_string(), "café ; é");
    }
}
