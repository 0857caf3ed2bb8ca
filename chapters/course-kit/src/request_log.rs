//! The request log: one line on the terminal for each request, so that a
//! teacher can show the class what crossed the wire without opening the
//! browser's developer tools.
//!
//! ```text
//! GET /countView/ | Cookie: count=2 | 200 OK | Set-Cookie: count=3; HttpOnly; SameSite=Lax; Path=/
//! ```

use axum::{
    extract::{Request, State},
    http::{HeaderMap, StatusCode, header},
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
    let method = request.method().clone();
    let target = crate::request_target(request.uri());
    let quiet = QUIET_PATHS.contains(&request.uri().path());
    let request_headers = request.headers().clone();

    let response = next.run(request).await;
    if !quiet {
        let line = log_line(
            method.as_str(),
            &target,
            &request_headers,
            response.status(),
            response.headers(),
        );
        match site {
            Some(site) => println!("[{site}] {line}"),
            None => println!("{line}"),
        }
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
    let sent = crate::header_strings(request_headers, header::COOKIE);
    let location = crate::header_strings(response_headers, header::LOCATION).pop();
    let set = crate::header_strings(response_headers, header::SET_COOKIE);
    LogLine {
        method,
        target,
        cookies_sent: &sent,
        status,
        location: location.as_deref(),
        cookies_set: &set,
    }
    .to_string()
}

/// What one line of the log says.
pub(crate) struct LogLine<'a> {
    pub method: &'a str,
    pub target: &'a str,
    pub cookies_sent: &'a [String],
    pub status: StatusCode,
    pub location: Option<&'a str>,
    pub cookies_set: &'a [String],
}

impl std::fmt::Display for LogLine<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.method, printable(self.target))?;
        if self.cookies_sent.is_empty() {
            write!(f, " | no Cookie")?;
        } else {
            write!(f, " | Cookie: {}", printable(&self.cookies_sent.join("; ")))?;
        }
        write!(f, " | {}", self.status)?;
        if let Some(location) = self.location {
            write!(f, " | Location: {}", printable(location))?;
        }
        for cookie in self.cookies_set {
            write!(f, " | Set-Cookie: {}", printable(cookie))?;
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
fn printable(text: &str) -> String {
    let mut shown = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_control() || is_format_character(c) {
            shown.push_str(&c.escape_unicode().to_string());
        } else {
            shown.push(c);
        }
    }
    shown
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
    fn characters_that_act_on_a_terminal_are_escaped() {
        // ESC (C0), CSI (C1), a right-to-left override, a zero-width space.
        let sent = ["a=\u{1b}[31mred; b=\u{9b}2J; c=\u{202e}txt.exe; d=\u{200b}".to_string()];
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
        assert_eq!(printable("café ; é"), "café ; é");
    }
}
