//! A chapter's identity (number, title, pages) and the layout every page shares.

use axum::{
    Router,
    extract::{DefaultBodyLimit, Request},
    http::{HeaderValue, Method, StatusCode, Uri, header},
    middleware::{self, Next},
    response::{IntoResponse, Redirect, Response},
    routing::get,
};
use maud::{DOCTYPE, Markup, html};
use tower_sessions::SessionStore;

use crate::inspector::WireInspector;

/// One page of a chapter, as listed in the navigation and printed at start-up.
#[derive(Debug, Clone, Copy)]
pub struct PageLink {
    /// The path, ending in `/` as in the original notes, e.g. `"/countView/"`.
    pub path: &'static str,
    /// What the link says, e.g. `"Count visits"`.
    pub label: &'static str,
}

/// Everything the scaffolding needs to know about a chapter.
#[derive(Debug, Clone, Copy)]
pub struct Chapter {
    pub number: u8,
    pub title: &'static str,
    /// The chapter's pages, the first being where a learner starts.
    pub pages: &'static [PageLink],
}

/// The largest request body any chapter accepts. The forms of the course send
/// a few hundred bytes; refusing more keeps a hostile client from making the
/// server buffer megabytes.
pub const BODY_LIMIT: usize = 16 * 1024;

/// The course's stylesheet, served at `/course.css`.
const STYLESHEET: &str = include_str!("course.css");

impl Chapter {
    /// The port this chapter listens on unless told otherwise: 3000 + its number.
    pub fn default_port(&self) -> u16 {
        3000 + u16::from(self.number)
    }

    /// Renders a full page in the course layout: the chapter's heading, links
    /// to its pages, the content, and the place where the wire inspector goes.
    pub fn page(&self, title: &str, content: Markup) -> Markup {
        self.page_with_query(title, content, None)
    }

    /// Like [`Chapter::page`], but appends `?query` to every navigation link.
    /// Chapter 7 uses this to carry the session id in every URL it renders.
    pub fn page_with_query(&self, title: &str, content: Markup, query: Option<&str>) -> Markup {
        let href = |path: &str| match query {
            Some(query) => format!("{path}?{query}"),
            None => path.to_string(),
        };
        let header = html! {
            p.chapter { "Chapter " (self.number) ": " (self.title) }
            nav aria-label="Pages of this chapter" {
                @for page in self.pages {
                    a href=(href(page.path)) { (page.label) }
                }
            }
        };
        layout(
            &format!("{title} · Chapter {}: {}", self.number, self.title),
            header,
            content,
        )
    }

    /// Wraps a chapter's routes with everything chapters share. The chapter's
    /// own layers (cookies, sessions) stay inside, so the wire inspector sees
    /// the final `Set-Cookie` headers they add.
    pub fn app(&self, routes: Router) -> Router {
        self.wrap(routes, WireInspector::new())
    }

    /// Like [`Chapter::app`], for a chapter with sessions: the wire inspector
    /// also looks up and shows the server-side session record in `store`.
    pub fn app_with_session_store(
        &self,
        routes: Router,
        store: impl SessionStore + Clone,
    ) -> Router {
        self.wrap(routes, WireInspector::with_session_store(store))
    }

    fn wrap(&self, routes: Router, inspector: WireInspector) -> Router {
        let chapter = *self;
        routes
            .route(
                "/course.css",
                get(|| async {
                    (
                        [(header::CONTENT_TYPE, "text/css; charset=utf-8")],
                        STYLESHEET,
                    )
                }),
            )
            .fallback(move |uri: Uri| async move { chapter.not_found(uri) })
            // A page asked for with a method it does not answer, such as a
            // POST to /countView/: a page that says so, not an empty 405.
            .method_not_allowed_fallback(|method: Method, uri: Uri| async move {
                ErrorPage::new(
                    StatusCode::METHOD_NOT_ALLOWED,
                    "Method not allowed",
                    format!("{} does not answer {method} requests.", uri.path()),
                )
            })
            .layer(DefaultBodyLimit::max(BODY_LIMIT))
            .layer(middleware::from_fn_with_state(
                inspector,
                crate::inspector::inspect,
            ))
            .layer(middleware::from_fn(security_headers))
    }

    /// The answer for a path no route matched. The notes' own links omit the
    /// final slash (`/addItem`), so a known page without it is redirected to
    /// the page with it, keeping the query string. `307` keeps the method, so a
    /// form posted to `/addItem` still arrives as a POST at `/addItem/`.
    fn not_found(&self, uri: Uri) -> Response {
        let path = uri.path();
        let with_slash = format!("{path}/");
        let query = uri.query().map(|q| format!("?{q}")).unwrap_or_default();
        if let Some(page) = self.pages.iter().find(|page| page.path == with_slash) {
            return Redirect::temporary(&format!("{}{query}", page.path)).into_response();
        }
        if path == "/" {
            return Redirect::temporary(&format!("{}{query}", self.pages[0].path)).into_response();
        }
        let content = html! {
            h1 { "Page not found" }
            p { "This chapter has no page at " code { (path) } "." }
            p { "Its pages are:" }
            ul {
                @for page in self.pages {
                    li { a href=(page.path) { (page.label) } " (" code { (page.path) } ")" }
                }
            }
        };
        (StatusCode::NOT_FOUND, self.page("Page not found", content)).into_response()
    }
}

/// Headers every response carries. `nosniff` stops a browser from guessing a
/// content type; the Content-Security-Policy allows only the course's own
/// stylesheet and forms, so even a page that forgot to escape user input
/// could not run a script.
async fn security_headers(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; style-src 'self'; img-src 'self' data:; \
             form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
        ),
    );
    response
}

/// The page layout itself, shared by chapter pages and error pages.
fn layout(title: &str, header: Markup, content: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) }
                link rel="icon" href="data:,";
                link rel="stylesheet" href="/course.css";
            }
            body {
                header { (header) }
                main { (content) }
                // The wire inspector fills this element in once the
                // response, with all of its Set-Cookie headers, is final.
                aside #wire aria-label="Wire inspector" {}
            }
        }
    }
}

/// A request the server will not (or cannot) carry out, as a page that says
/// why. Handlers return `Result<_, ErrorPage>` and use `?`: a session-store
/// failure becomes a 500 page, a failed CSRF check a 403 page, and so on.
///
/// Returning one does not undo what the handler already wrote: tower-sessions
/// skips saving the session only after a 5xx. So a handler checks first (the
/// CSRF token, the form) and writes only once every check has passed.
#[derive(Debug)]
pub struct ErrorPage {
    pub status: StatusCode,
    pub title: String,
    pub message: String,
}

impl ErrorPage {
    pub fn new(status: StatusCode, title: &str, message: String) -> Self {
        Self {
            status,
            title: title.to_string(),
            message,
        }
    }

    pub fn forbidden(title: &str, message: String) -> Self {
        Self::new(StatusCode::FORBIDDEN, title, message)
    }

    pub fn bad_request(title: &str, message: String) -> Self {
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

/// The in-memory store of the course never fails, but a handler must not
/// panic if a store did: it answers 500 with a page that says what went wrong.
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
        let header = html! { p.chapter { a href="/" { "Back to the start" } } };
        let content = html! {
            h1 { (self.title) }
            p.notice { (self.message) }
            p { "HTTP status: " code { (self.status) } }
            // The link above starts afresh; a session carried in the URL
            // (chapter 7) is still in the address of the page before.
            p { "Your browser's Back button returns to the page you came from." }
        };
        (self.status, layout(&self.title, header, content)).into_response()
    }
}
