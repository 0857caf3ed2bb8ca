//! A request the server will not (or cannot) carry out, as a page that says
//! why, instead of a bare status line.

use axum::{
    http::StatusCode,
    response::{IntoResponse, Response},
};
use maud::html;

use crate::{BODY_LIMIT, layout};

/// A refused request, as a page. Handlers return `Result<_, ErrorPage>` and
/// use `?`: a session-store failure becomes a 500 page, a failed CSRF check a
/// 403 page, and so on.
///
/// Returning one does not undo what the handler already wrote: tower-sessions
/// skips saving the session only after a 5xx. So a handler checks first (the
/// CSRF token, the form) and writes only once every check has passed.
///
/// The response keeps a copy of the `ErrorPage` in its extensions, so that
/// a layer around the handler can draw it again with another link back
/// (chapter 7 puts the session id into it).
#[derive(Debug, Clone)]
pub struct ErrorPage {
    pub status: StatusCode,
    pub title: String,
    pub message: String,
    /// Where the page's "Back to the start" link goes: `/` unless changed.
    pub back_to: String,
}

impl ErrorPage {
    pub fn new(status: StatusCode, title: &str, message: impl Into<String>) -> Self {
        Self {
            status,
            title: title.to_string(),
            message: message.into(),
            back_to: "/".to_string(),
        }
    }

    /// The same page, with its "Back to the start" link going to `href`.
    pub fn with_back_link(self, href: impl Into<String>) -> Self {
        Self {
            back_to: href.into(),
            ..self
        }
    }

    pub fn forbidden(title: &str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, title, message)
    }

    pub fn bad_request(title: &str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, title, message)
    }

    /// The answer to a request whose body is larger than [`BODY_LIMIT`]. The
    /// body is not read past the limit, so nothing in it is acted on.
    pub fn payload_too_large() -> Self {
        Self::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "Request too large",
            format!(
                "This request's body is larger than the {BODY_LIMIT} bytes this course accepts, \
                 so the server did not read it. Nothing was changed."
            ),
        )
    }
}

/// A session store that fails (a database that is down, say) must not make a
/// handler panic: it answers 500 with a page that says what went wrong.
impl From<tower_sessions::session::Error> for ErrorPage {
    fn from(error: tower_sessions::session::Error) -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "Server error",
            format!("The session store failed: {error}"),
        )
    }
}

/// The same, for a store called directly (chapter 7 looks ids up itself).
impl From<tower_sessions::session_store::Error> for ErrorPage {
    fn from(error: tower_sessions::session_store::Error) -> Self {
        Self::from(tower_sessions::session::Error::Store(error))
    }
}

impl IntoResponse for ErrorPage {
    fn into_response(self) -> Response {
        let header = html! { p.chapter { a href=(self.back_to) { "Back to the start" } } };
        let content = html! {
            h1 { (self.title) }
            p.notice { (self.message) }
            p { "HTTP status: " code { (self.status) } }
            // The link above starts afresh; a session carried in the URL
            // (chapter 7) is still in the address of the page before.
            p { "Your browser's Back button returns to the page you came from." }
        };
        let page = layout::page(&self.title, header, content);
        let mut response = (self.status, page).into_response();
        response.extensions_mut().insert(self);
        response
    }
}
