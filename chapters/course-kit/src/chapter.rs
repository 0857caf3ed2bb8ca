//! A chapter's identity (number, title, pages, command-line options), its
//! pages in the shared layout, and the layers every chapter's routes get.

use axum::{
    Router,
    extract::{DefaultBodyLimit, Request, State},
    http::{HeaderValue, Method, StatusCode, Uri, header},
    middleware::{self, Next},
    response::{IntoResponse, Redirect, Response},
    routing::get,
};
use maud::{Markup, html};
use tower::ServiceBuilder;
use tower_sessions::SessionStore;

use crate::{BODY_LIMIT, ErrorPage, inspector::WireInspector, layout, settings::CliOption};

/// One page of a chapter, as listed in the navigation and printed at start-up.
#[derive(Debug, Clone, Copy)]
pub struct PageLink {
    /// The path, ending in `/` as in the original notes, e.g. `"/countView/"`.
    pub path: &'static str,
    /// What the link says, e.g. `"Count my visits"`.
    pub label: &'static str,
}

impl PageLink {
    pub const fn new(path: &'static str, label: &'static str) -> Self {
        Self { path, label }
    }
}

/// Everything the scaffolding needs to know about a chapter.
#[derive(Debug, Clone, Copy)]
pub struct Chapter {
    pub number: u8,
    pub title: &'static str,
    /// The chapter's pages, the first being where a learner starts.
    pub pages: &'static [PageLink],
    /// Command-line options of this chapter, beyond `--port` and `--host`.
    pub options: &'static [CliOption],
    /// A query parameter that the kit's own pages (page not found, method
    /// not allowed) keep in every link they draw: chapter 7's session id.
    pub carried_query: Option<&'static str>,
    /// The names of the cookies whose values the chapter signs, and of those
    /// it encrypts (tower-cookies' signed and private jars): the wire
    /// inspector shows the parts of their values.
    pub signed_cookies: &'static [&'static str],
    pub private_cookies: &'static [&'static str],
}

impl Chapter {
    pub const fn new(number: u8, title: &'static str, pages: &'static [PageLink]) -> Self {
        Self {
            number,
            title,
            pages,
            options: &[],
            carried_query: None,
            signed_cookies: &[],
            private_cookies: &[],
        }
    }

    /// The same chapter, with command-line options of its own.
    pub const fn with_options(self, options: &'static [CliOption]) -> Self {
        Self { options, ..self }
    }

    /// The same chapter, whose "page not found" and "method not allowed"
    /// pages keep the query parameter `name` in their links.
    pub const fn carrying_query(self, name: &'static str) -> Self {
        Self {
            carried_query: Some(name),
            ..self
        }
    }

    /// The same chapter, whose cookies `names` carry signed values: the
    /// wire inspector shows each one's signature and readable value.
    pub const fn with_signed_cookies(self, names: &'static [&'static str]) -> Self {
        Self {
            signed_cookies: names,
            ..self
        }
    }

    /// The same chapter, whose cookies `names` carry encrypted (private)
    /// values: the wire inspector shows what each one is made of.
    pub const fn with_private_cookies(self, names: &'static [&'static str]) -> Self {
        Self {
            private_cookies: names,
            ..self
        }
    }

    /// The port this chapter listens on unless told otherwise: 3000 + its number.
    pub const fn default_port(&self) -> u16 {
        3000 + self.number as u16
    }

    /// Renders a full page in the course layout: the chapter's heading, links
    /// to its pages, the content, and the place where the wire inspector goes.
    pub fn page(&self, title: &str, content: Markup) -> Markup {
        self.page_with_query(title, content, None)
    }

    /// Like [`Chapter::page`], but appends `?query` to every navigation link.
    /// Chapter 7 uses this to carry the session id in every URL it renders.
    pub fn page_with_query(&self, title: &str, content: Markup, query: Option<&str>) -> Markup {
        let header = html! {
            p.chapter { "Chapter " (self.number) ": " (self.title) }
            nav aria-label="Pages of this chapter" {
                @for page in self.pages {
                    a href=(with_query(page.path, query)) { (page.label) }
                }
            }
        };
        let title = format!("{title} · Chapter {}: {}", self.number, self.title);
        layout::page(&title, header, content)
    }

    /// Wraps a chapter's routes with everything chapters share. The chapter's
    /// own layers (cookies, sessions) stay inside, so the wire inspector sees
    /// the final `Set-Cookie` headers they add.
    pub fn app(&self, routes: Router) -> Router {
        self.wrap(routes, WireInspector::new(self))
    }

    /// Like [`Chapter::app`], for a chapter with sessions: the wire inspector
    /// also looks up and shows the server-side session record in `store`.
    pub fn app_with_sessions(&self, routes: Router, store: impl SessionStore + Clone) -> Router {
        self.wrap(routes, WireInspector::new(self).with_session_store(store))
    }

    fn wrap(&self, routes: Router, inspector: WireInspector) -> Router {
        let chapter = *self;
        routes
            .route("/course.css", get(layout::stylesheet))
            .fallback(move |uri: Uri| async move { chapter.not_found(uri) })
            // A page asked for with a method it does not answer, such as a
            // POST to /countView/: a page that says so, not an empty 405.
            .method_not_allowed_fallback(move |method: Method, uri: Uri| async move {
                let carried = chapter.carried(&uri);
                ErrorPage::new(
                    StatusCode::METHOD_NOT_ALLOWED,
                    "Method not allowed",
                    format!("{} does not answer {method} requests.", uri.path()),
                )
                .with_back_link(with_query("/", carried.as_deref()))
            })
            // The kit's layers, outermost first: a request goes through them
            // from the top down, its answer from the bottom up. They are one
            // `.layer()`, because axum boxes each layer of a Router, and every
            // request pays for every box.
            .layer(
                ServiceBuilder::new()
                    .layer(middleware::from_fn(security_headers))
                    .layer(middleware::from_fn_with_state(
                        chapter,
                        head_changes_nothing,
                    ))
                    .layer(middleware::from_fn_with_state(
                        inspector,
                        crate::inspector::inspect,
                    ))
                    .layer(DefaultBodyLimit::max(BODY_LIMIT)),
            )
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
        let carried = self.carried(&uri);
        let content = html! {
            h1 { "Page not found" }
            p { "This chapter has no page at " code { (path) } "." }
            p { "Its pages are:" }
            ul {
                @for page in self.pages {
                    li { a href=(with_query(page.path, carried.as_deref())) { (page.label) } " (" code { (page.path) } ")" }
                }
            }
        };
        let page = self.page_with_query("Page not found", content, carried.as_deref());
        (StatusCode::NOT_FOUND, page).into_response()
    }

    /// The carried query parameter of this request, as `name=value`, ready
    /// to append to a link.
    fn carried(&self, uri: &Uri) -> Option<String> {
        crate::carried_query(uri, self.carried_query?)
    }
}

/// `path`, with `?query` if there is one.
pub(crate) fn with_query(path: &str, query: Option<&str>) -> String {
    match query {
        Some(query) => format!("{path}?{query}"),
        None => path.to_string(),
    }
}

/// A `HEAD` request asks for the headers a `GET` would get, without the
/// page, and HTTP calls it *safe*: it must change nothing. Yet the course's
/// pages do change things on `GET`, as the notes' did: a count goes up, a
/// session begins. (axum, like Django, answers `HEAD` by running the `GET`
/// handler.) So the kit answers `HEAD` itself and runs no chapter code: a
/// page of the chapter is `200 OK` HTML, a path without its final slash is
/// redirected, anything else is not found. Link checkers, prefetchers and
/// `curl -I` can look, and nothing is counted.
async fn head_changes_nothing(
    State(chapter): State<Chapter>,
    request: Request,
    next: Next,
) -> Response {
    if request.method() != Method::HEAD {
        return next.run(request).await;
    }
    let path = request.uri().path();
    if path == "/course.css" {
        return ([layout::CSS], ()).into_response();
    }
    if chapter.pages.iter().any(|page| page.path == path) {
        return (
            [
                (header::CONTENT_TYPE, "text/html; charset=utf-8"),
                (header::CACHE_CONTROL, "no-store"),
            ],
            (),
        )
            .into_response();
    }
    let mut response = chapter.not_found(request.uri().clone());
    *response.body_mut() = axum::body::Body::empty();
    response
}

/// Headers every response carries. `nosniff` stops a browser from guessing a
/// content type; the Content-Security-Policy allows only the course's own
/// stylesheet and forms, so even a page that forgot to escape user input
/// could not run a script.
///
/// And a page is never kept in a cache: every page shows per-visitor state
/// (the wire inspector shows the visitor's cookies; others show a count, a
/// cart, a CSRF token, a session id in its links), so `Cache-Control:
/// no-store` keeps it out of the browser's back-forward store, a proxy or a
/// shared computer's disk, and `Vary: Cookie` tells any cache that the same
/// address answers differently for different cookies (as Django says
/// whenever a page touched the session).
async fn security_headers(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    let is_page = headers
        .get(header::CONTENT_TYPE)
        .is_some_and(|value| value.as_bytes().starts_with(b"text/html"));
    if is_page {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        headers.append(header::VARY, HeaderValue::from_static("Cookie"));
    }
    layout::set_security_headers(
        headers,
        "default-src 'none'; style-src 'self'; img-src 'self' data:; \
         form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
    );
    response
}

#[cfg(test)]
mod tests {
    use axum::{body::Body, http::Request};
    use tower::ServiceExt;

    use super::*;

    const CHAPTER: Chapter = Chapter::new(9, "t", &[PageLink::new("/count/", "Count")]);

    /// A chapter whose one page counts its visits: a GET that changes state.
    fn counting_app() -> (Router, std::sync::Arc<std::sync::atomic::AtomicU32>) {
        let visits = std::sync::Arc::new(std::sync::atomic::AtomicU32::new(0));
        let counted = visits.clone();
        let routes = Router::new().route(
            "/count/",
            get(move || async move {
                let n = counted.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
                CHAPTER.page("Count", html! { p { (n) } })
            }),
        );
        (CHAPTER.app(routes), visits)
    }

    async fn send(app: &Router, method: Method, uri: &str) -> Response {
        let request = Request::builder()
            .method(method)
            .uri(uri)
            .body(Body::empty())
            .unwrap();
        app.clone().oneshot(request).await.unwrap()
    }

    #[tokio::test]
    async fn head_runs_no_chapter_code() {
        let (app, visits) = counting_app();
        let head = send(&app, Method::HEAD, "/count/").await;
        assert_eq!(head.status(), StatusCode::OK);
        assert_eq!(
            head.headers()[header::CONTENT_TYPE],
            "text/html; charset=utf-8"
        );
        assert_eq!(
            visits.load(std::sync::atomic::Ordering::Relaxed),
            0,
            "nothing counted"
        );
        let redirect = send(&app, Method::HEAD, "/count").await;
        assert_eq!(redirect.status(), StatusCode::TEMPORARY_REDIRECT);
        assert_eq!(
            send(&app, Method::HEAD, "/nowhere/").await.status(),
            StatusCode::NOT_FOUND
        );
        send(&app, Method::GET, "/count/").await;
        assert_eq!(
            visits.load(std::sync::atomic::Ordering::Relaxed),
            1,
            "a GET still counts"
        );
    }

    #[tokio::test]
    async fn pages_are_not_cached_and_vary_with_cookies() {
        let (app, _) = counting_app();
        for uri in ["/count/", "/nowhere/"] {
            let page = send(&app, Method::GET, uri).await;
            assert_eq!(page.headers()[header::CACHE_CONTROL], "no-store", "{uri}");
            assert_eq!(page.headers()[header::VARY], "Cookie", "{uri}");
        }
        let css = send(&app, Method::GET, "/course.css").await;
        assert!(
            css.headers().get(header::CACHE_CONTROL).is_none(),
            "the stylesheet may be cached"
        );
    }
}
