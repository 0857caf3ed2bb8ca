//! The request log: one line on the terminal for each request, so that a
//! teacher can show the class what crossed the wire without opening the
//! browser's developer tools.
//!
//! ```text
//! GET /countView/ | Cookie: count=2 | 200 OK | Set-Cookie: count=3; HttpOnly; SameSite=Lax; Path=/
//! ```

use axum::{extract::Request, http::header, middleware::Next, response::Response};

/// Requests for the stylesheet are not logged: they say nothing about
/// sessions, and a line for each would bury the ones that do.
const QUIET_PATHS: &[&str] = &["/course.css", "/favicon.ico"];

/// The middleware function that prints the line.
pub async fn log_request(request: Request, next: Next) -> Response {
    let method = request.method().clone();
    let target = crate::request_target(request.uri());
    let quiet = QUIET_PATHS.contains(&request.uri().path());
    let sent = crate::header_strings(request.headers(), header::COOKIE);

    let response = next.run(request).await;
    if !quiet {
        let set = crate::header_strings(response.headers(), header::SET_COOKIE);
        let location = crate::header_strings(response.headers(), header::LOCATION).pop();
        println!(
            "{}",
            log_line(
                method.as_str(),
                &target,
                &sent,
                response.status(),
                location.as_deref(),
                &set
            )
        );
    }
    response
}

/// Builds the log line; separate from the middleware so it can be tested.
pub fn log_line(
    method: &str,
    target: &str,
    cookies_sent: &[String],
    status: axum::http::StatusCode,
    location: Option<&str>,
    cookies_set: &[String],
) -> String {
    let mut line = format!("{method} {target}");
    if cookies_sent.is_empty() {
        line.push_str(" | no Cookie");
    } else {
        line.push_str(&format!(" | Cookie: {}", cookies_sent.join("; ")));
    }
    line.push_str(&format!(" | {status}"));
    if let Some(location) = location {
        line.push_str(&format!(" | Location: {location}"));
    }
    for cookie in cookies_set {
        line.push_str(&format!(" | Set-Cookie: {cookie}"));
    }
    line
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::StatusCode;

    #[test]
    fn one_line_per_request() {
        assert_eq!(
            log_line(
                "GET",
                "/countView/",
                &["count=2".into()],
                StatusCode::OK,
                None,
                &["count=3; Path=/".into()]
            ),
            "GET /countView/ | Cookie: count=2 | 200 OK | Set-Cookie: count=3; Path=/"
        );
        assert_eq!(
            log_line(
                "GET",
                "/countView",
                &[],
                StatusCode::TEMPORARY_REDIRECT,
                Some("/countView/"),
                &[]
            ),
            "GET /countView | no Cookie | 307 Temporary Redirect | Location: /countView/"
        );
    }
}
