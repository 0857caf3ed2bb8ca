//! The test client: an in-process browser for `tests/`.
//!
//! A [`Site`] is a chapter started as its `main.rs` would start it, but
//! without a network: requests go straight into its `Router`. A [`Browser`]
//! on a site behaves like a browser where it matters for this course: it
//! keeps the cookies that responses set and sends them back, forgets a cookie
//! when told to (`Max-Age=0`), and can submit a page's form with its hidden
//! fields. [`Site::browser_without_cookies`] is a browser that refuses
//! cookies.
//!
//! Every [`Exchange`] can be turned into a stable text for a snapshot:
//! session ids and CSRF tokens are random, so the browser replaces each
//! distinct one with a numbered label (`[sessionid 1]`, `[csrf token 2]`).
//! Numbering, rather than one blanket label, keeps visible in the snapshot
//! *when* a session id changes. (Dates are replaced by the [`crate::snapshot!`]
//! macro's filters.)
//!
//! [`Exchange::transcript`] shows the same exchange as `curl -i` would, for
//! the book, with the URL of the port the chapter listens on by default, so
//! that a learner can paste the command while `just run N` serves.

use axum::{
    Router,
    body::{Body, to_bytes},
    http::{HeaderMap, Method, Request, StatusCode, header},
};
use course_kit::{App, Chapter, SESSION_COOKIE, Settings, Sites, csrf};
use tower::ServiceExt;
use tower_cookies::cookie::Cookie;

use crate::page::{self, FormOnPage};

/// Cookies and form fields whose values are random, and the label each
/// distinct value gets in snapshots.
const SECRET_COOKIES: &[(&str, &str)] =
    &[(SESSION_COOKIE, "sessionid"), (csrf::COOKIE, "csrf token")];
const SECRET_FIELDS: &[(&str, &str)] = &[(csrf::FIELD, "csrf token"), ("sid", "sessionid")];

/// A chapter, started for tests: its chapter description and its sites.
pub struct Site {
    pub chapter: Chapter,
    pub sites: Sites,
}

impl Site {
    /// Starts a chapter with its default settings, as `cargo run` would.
    pub async fn start<Shape>(chapter: Chapter, app: impl App<Shape>) -> Self {
        Self::start_with(chapter, app, &[]).await
    }

    /// Starts a chapter with these command-line options, e.g.
    /// `&["--session-expiry", "2"]`.
    pub async fn start_with<Shape>(chapter: Chapter, app: impl App<Shape>, args: &[&str]) -> Self {
        let settings = Settings::parse(&chapter, args.iter().map(|arg| arg.to_string()), None)
            .unwrap_or_else(|e| panic!("bad options {args:?}: {e}"));
        let sites = app
            .build(&settings)
            .await
            .unwrap_or_else(|e| panic!("chapter {} did not start: {e}", chapter.number));
        Self { chapter, sites }
    }

    /// The chapter's main router, for requests no browser would send.
    pub fn router(&self) -> &Router {
        self.sites.main()
    }

    /// A new browser, with an empty cookie jar, that accepts cookies.
    pub fn browser(&self) -> Browser {
        Browser {
            app: self.sites.main().clone(),
            port: self.chapter.default_port(),
            accepts_cookies: true,
            jar: Vec::new(),
            secrets: Vec::new(),
        }
    }

    /// A browser that refuses every cookie: it never sends one back.
    pub fn browser_without_cookies(&self) -> Browser {
        Browser {
            accepts_cookies: false,
            ..self.browser()
        }
    }
}

/// An in-process browser; see the module documentation.
pub struct Browser {
    app: Router,
    /// The port the chapter listens on by default, for `curl` transcripts.
    port: u16,
    accepts_cookies: bool,
    /// The cookie jar: name and value, in the order they were first set.
    /// (Every cookie of the course has `Path=/`, and the in-process browser
    /// talks to one host, so a name is enough to tell cookies apart.)
    jar: Vec<(String, String)>,
    /// Secret values seen so far, each with its label, in order of discovery.
    secrets: Vec<(String, String)>,
}

/// One request and its response.
pub struct Exchange {
    pub method: Method,
    /// The path and query requested.
    pub target: String,
    /// The `Cookie` header sent, if any.
    pub cookie_sent: Option<String>,
    /// The form body sent, if any.
    pub form_sent: Option<String>,
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
    /// The secrets the browser knew after this exchange, to redact with.
    secrets: Vec<(String, String)>,
    port: u16,
}

impl Browser {
    /// A browser on a chapter started with its default settings.
    pub async fn open<Shape>(chapter: Chapter, app: impl App<Shape>) -> Self {
        Site::start(chapter, app).await.browser()
    }

    /// The value of a cookie the browser holds.
    pub fn cookie(&self, name: &str) -> Option<&str> {
        self.jar
            .iter()
            .find(|(held, _)| held == name)
            .map(|(_, value)| value.as_str())
    }

    /// Puts a cookie in the jar by hand, as a curious learner could with the
    /// browser's developer tools.
    pub fn set_cookie(&mut self, name: &str, value: &str) {
        match self.jar.iter_mut().find(|(held, _)| held == name) {
            Some(held) => held.1 = value.to_string(),
            None => self.jar.push((name.to_string(), value.to_string())),
        }
    }

    /// `GET target`.
    pub async fn get(&mut self, target: &str) -> Exchange {
        self.send(Method::GET, target, None).await
    }

    /// `POST target` with these fields, form-encoded.
    pub async fn post(&mut self, target: &str, fields: &[(&str, &str)]) -> Exchange {
        let body = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(fields)
            .finish();
        self.send(Method::POST, target, Some(body)).await
    }

    /// Fills in and submits the form on `page` whose action is `action` (its
    /// path, without a query), as a person clicking its button would: the
    /// form's hidden fields are sent along with `fields`.
    pub async fn submit(
        &mut self,
        page: &Exchange,
        action: &str,
        fields: &[(&str, &str)],
    ) -> Exchange {
        let form = page
            .forms()
            .into_iter()
            .find(|form| form.action.split('?').next() == Some(action))
            .unwrap_or_else(|| panic!("the page has no form that posts to {action}"));
        // The typed fields first, then the hidden ones: the order of the
        // course's forms, and so the order a real browser sends them in.
        let mut all: Vec<(&str, &str)> = fields.to_vec();
        all.extend(
            form.hidden
                .iter()
                .filter(|(name, _)| !fields.iter().any(|(given, _)| given == name))
                .map(|(name, value)| (name.as_str(), value.as_str())),
        );
        self.post(&form.action, &all).await
    }

    /// Follows the link on `page` whose text is `text`, as a click would.
    pub async fn click(&mut self, page: &Exchange, text: &str) -> Exchange {
        let href = page
            .link(text)
            .unwrap_or_else(|| panic!("the page has no link '{text}'"));
        self.get(&href).await
    }

    /// Sends a request, with the jar's cookies if this browser accepts them.
    pub async fn send(&mut self, method: Method, target: &str, form: Option<String>) -> Exchange {
        self.send_with_headers(method, target, form, &[]).await
    }

    /// `POST target` with these fields, as a page of another origin would
    /// make the browser send it: with these `Origin` and `Sec-Fetch-Site`
    /// headers, and the jar's cookies.
    pub async fn post_from(
        &mut self,
        origin: &str,
        sec_fetch_site: &str,
        target: &str,
        fields: &[(&str, &str)],
    ) -> Exchange {
        let body = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(fields)
            .finish();
        let headers = [("origin", origin), ("sec-fetch-site", sec_fetch_site)];
        self.send_with_headers(Method::POST, target, Some(body), &headers)
            .await
    }

    /// Sends a request with extra headers, as [`Browser::send`] does.
    pub async fn send_with_headers(
        &mut self,
        method: Method,
        target: &str,
        form: Option<String>,
        extra_headers: &[(&str, &str)],
    ) -> Exchange {
        let cookie_sent = (self.accepts_cookies && !self.jar.is_empty()).then(|| {
            self.jar
                .iter()
                .map(|(name, value)| format!("{name}={value}"))
                .collect::<Vec<_>>()
                .join("; ")
        });
        // Like a browser, it names the host it talks to: the chapter on its
        // default port.
        let mut request = Request::builder()
            .method(method.clone())
            .uri(target)
            .header(header::HOST, format!("127.0.0.1:{}", self.port));
        if let Some(cookie) = &cookie_sent {
            request = request.header(header::COOKIE, cookie);
        }
        if form.is_some() {
            request = request.header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
        }
        for (name, value) in extra_headers {
            request = request.header(*name, *value);
        }
        let request = request
            .body(Body::from(form.clone().unwrap_or_default()))
            .expect("the test built an invalid request");
        let Answer {
            status,
            headers,
            body,
        } = answer(&self.app, request).await;

        for raw in headers.get_all(header::SET_COOKIE) {
            let Ok(cookie) = Cookie::parse(String::from_utf8_lossy(raw.as_bytes()).into_owned())
            else {
                continue;
            };
            if let Some((_, label)) = SECRET_COOKIES
                .iter()
                .find(|(name, _)| *name == cookie.name())
            {
                self.learn(cookie.value(), label);
            }
            if self.accepts_cookies {
                self.store(&cookie);
            }
        }
        // Random values also travel in hidden fields and in links
        // (`/cart/?sid=…`, chapter 7): learn them there too.
        let in_links = page::hrefs(&body).into_iter().flat_map(|href| {
            let query = href.split_once('?').map(|(_, query)| query.to_string());
            form_urlencoded::parse(query.unwrap_or_default().as_bytes())
                .into_owned()
                .collect::<Vec<_>>()
        });
        let in_forms = page::forms(&body, target)
            .into_iter()
            .flat_map(|form| form.hidden);
        for (name, value) in in_forms.chain(in_links).collect::<Vec<_>>() {
            if let Some((_, label)) = SECRET_FIELDS.iter().find(|(field, _)| *field == name) {
                self.learn(&value, label);
            }
        }
        Exchange {
            method,
            target: target.to_string(),
            cookie_sent,
            form_sent: form,
            status,
            headers,
            body,
            secrets: self.secrets.clone(),
            port: self.port,
        }
    }

    /// Keeps a cookie the server set, or forgets it if the server said so.
    /// A cookie that replaces one of the same name keeps its place in the
    /// jar, and so in the `Cookie` header, as RFC 6265 says a browser orders
    /// them: by the time each was first created.
    fn store(&mut self, cookie: &Cookie<'_>) {
        let removal = cookie
            .max_age()
            .is_some_and(|age| age.is_zero() || age.is_negative());
        if removal {
            self.jar.retain(|(name, _)| name != cookie.name());
        } else {
            self.set_cookie(cookie.name(), cookie.value());
        }
    }

    fn learn(&mut self, value: &str, label: &str) {
        if value.is_empty() || self.secrets.iter().any(|(known, _)| known == value) {
            return;
        }
        let number = self
            .secrets
            .iter()
            .filter(|(_, l)| l.starts_with(label))
            .count()
            + 1;
        self.secrets
            .push((value.to_string(), format!("{label} {number}")));
    }
}

/// A response, read whole: what [`answer`] returns.
pub struct Answer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    /// The body as text (bytes that are not UTF-8 are replaced).
    pub body: String,
}

/// Sends one request into the app exactly as given, with no cookie jar and no
/// redaction, and reads the whole response. [`Browser`] is built on it; tests
/// that must send what no browser would (raw bytes, odd headers) call it
/// directly.
pub async fn answer(app: &Router, request: Request<Body>) -> Answer {
    let response = app
        .clone()
        .oneshot(request)
        .await
        .expect("a Router never fails");
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = to_bytes(response.into_body(), usize::MAX)
        .await
        .expect("the body could not be read");
    Answer {
        status,
        headers,
        body: String::from_utf8_lossy(&bytes).into_owned(),
    }
}

impl Exchange {
    /// The `Location` header of a redirect.
    pub fn location(&self) -> Option<&str> {
        self.headers.get(header::LOCATION)?.to_str().ok()
    }

    /// Every `Set-Cookie` header of the response.
    pub fn set_cookies(&self) -> Vec<String> {
        self.headers
            .get_all(header::SET_COOKIE)
            .iter()
            .map(|value| String::from_utf8_lossy(value.as_bytes()).into_owned())
            .collect()
    }

    /// The `Set-Cookie` header for one cookie name.
    pub fn set_cookie(&self, name: &str) -> Option<String> {
        self.set_cookies()
            .into_iter()
            .find(|raw| raw.starts_with(&format!("{name}=")))
    }

    /// The text a person reads in the page's `<main>` (the wire inspector and
    /// navigation left out), one block per line, with whitespace folded.
    pub fn main_text(&self) -> String {
        page::main_text(&self.body)
    }

    /// The text of the wire inspector panel.
    pub fn inspector_text(&self) -> String {
        page::inspector_text(&self.body)
    }

    /// The `href` of the link whose text is `text` (see [`page::link`]).
    pub fn link(&self, text: &str) -> Option<String> {
        page::link(&self.body, text)
    }

    /// The page's forms: their action and their hidden fields.
    pub fn forms(&self) -> Vec<FormOnPage> {
        page::forms(&self.body, &self.target)
    }

    /// The exchange as stable text for a snapshot: the request, then the
    /// status, the `Location` and `Set-Cookie` headers, and the page's
    /// `<main>`, the part of the page the chapter's own code writes, with a
    /// line break between tags so that a diff points at what changed. The
    /// layout and the wire inspector are left out: they are the same on
    /// every page, and [`Exchange::full_snapshot`] and
    /// [`Exchange::inspector_snapshot`] lock them where they are the point.
    pub fn snapshot(&self) -> String {
        let main = page::raw_element(&self.body, "<main>", "</main>").unwrap_or(&self.body);
        self.redact(&self.exchange_text(main))
    }

    /// Like [`Exchange::snapshot`], with the whole page.
    pub fn full_snapshot(&self) -> String {
        self.redact(&self.exchange_text(&self.body))
    }

    /// The wire inspector panel's HTML, one tag per line.
    pub fn inspector_snapshot(&self) -> String {
        let panel = page::raw_element(&self.body, "<aside id=\"wire\"", "</aside>").unwrap_or("");
        self.redact(&one_tag_per_line(panel))
    }

    /// The line the server's request log prints for this exchange, from the
    /// kit's own code, redacted like a snapshot. The book's "Try it" steps
    /// quote these lines through a snapshot, so they cannot drift.
    pub fn log_line(&self) -> String {
        let mut sent = HeaderMap::new();
        if let Some(cookie) = self.cookie_sent.as_deref().and_then(|c| c.parse().ok()) {
            sent.insert(header::COOKIE, cookie);
        }
        let line = course_kit::log_line(
            self.method.as_str(),
            &self.target,
            &sent,
            self.status,
            &self.headers,
        );
        self.redact(&line)
    }

    /// [`Exchange::log_line`] as the book prints it: see [`book_log_line`].
    pub fn book_log_line(&self) -> String {
        book_log_line(&self.log_line())
    }

    /// The exchange as `curl -i` would show it, with the page trimmed to the
    /// lines of its `<main>` text that contain one of `needles`.
    pub fn transcript(&self, needles: &[&str]) -> String {
        let mut text = self.curl_text();
        let main = self.main_text();
        let lines: Vec<&str> = main
            .lines()
            .filter(|line| needles.iter().any(|needle| line.contains(needle)))
            .collect();
        if !lines.is_empty() {
            text.push('\n');
            for line in lines {
                text.push_str(&format!("… {line} …\n"));
            }
        }
        self.redact(&text)
    }

    fn exchange_text(&self, html: &str) -> String {
        let mut text = format!("{} {}\n", self.method, self.target);
        if let Some(cookie) = &self.cookie_sent {
            text.push_str(&format!("Cookie: {cookie}\n"));
        }
        if let Some(form) = &self.form_sent {
            text.push_str(&format!("\n{form}\n"));
        }
        text.push_str(&format!("\n{}\n", self.status));
        text.push_str(&self.header_lines("Location", "Set-Cookie"));
        if !html.is_empty() {
            text.push('\n');
            text.push_str(&one_tag_per_line(html));
            text.push('\n');
        }
        text
    }

    fn curl_text(&self) -> String {
        let mut text = "$ curl -i".to_string();
        // curl sends a GET, or a POST when given a body with -d; -X only for others.
        let implied = if self.form_sent.is_some() {
            Method::POST
        } else {
            Method::GET
        };
        if self.method != implied {
            text.push_str(&format!(" -X {}", self.method));
        }
        if let Some(cookie) = &self.cookie_sent {
            text.push_str(&format!(" -H 'Cookie: {cookie}'"));
        }
        if let Some(form) = &self.form_sent {
            text.push_str(&format!(" -d '{form}'"));
        }
        // Quoted, because a shell would read `?` and `&` in the URL itself.
        text.push_str(&format!(
            " 'http://127.0.0.1:{}{}'\n",
            self.port, self.target
        ));
        text.push_str(&format!("HTTP/1.1 {}\n", self.status));
        // curl prints header names as an HTTP/1.1 server sends them: hyper
        // writes them in lower case.
        text.push_str(&self.header_lines("location", "set-cookie"));
        text
    }

    /// The response headers a snapshot or transcript shows, one per line: the
    /// redirect's `Location`, then every `Set-Cookie`, under the names given.
    fn header_lines(&self, location_name: &str, set_cookie_name: &str) -> String {
        let mut lines = String::new();
        if let Some(location) = self.location() {
            lines.push_str(&format!("{location_name}: {location}\n"));
        }
        for cookie in self.set_cookies() {
            lines.push_str(&format!("{set_cookie_name}: {cookie}\n"));
        }
        lines
    }

    /// Replaces each secret the browser knew with its numbered label.
    fn redact(&self, text: &str) -> String {
        let mut text = text.to_string();
        for (value, label) in &self.secrets {
            text = text.replace(value, &format!("[{label}]"));
        }
        text
    }
}

/// HTML with a line break between tags, so that a diff points at a line.
fn one_tag_per_line(html: &str) -> String {
    html.replace("><", ">\n<")
}

/// A request-log line as the book prints it. The terminal prints it on one
/// line; the book's column holds about 80 characters, so the line is broken
/// with ` \` at the end of each part but the last: before each
/// `| Set-Cookie`, so that every cookie the response sets starts a line (and
/// a long one once more, before its attributes), and before any other `|`
/// that would make a part longer than 78 characters.
pub fn book_log_line(line: &str) -> String {
    let mut parts: Vec<String> = Vec::new();
    for segment in line.split(" | ") {
        match parts.last_mut() {
            Some(_) if segment.starts_with("Set-Cookie") => match segment.split_once("; ") {
                Some((cookie, attributes)) if segment.len() > 74 => {
                    parts.push(format!("  | {cookie};"));
                    parts.push(format!("    {attributes}"));
                }
                _ => parts.push(format!("  | {segment}")),
            },
            Some(part) if part.len() + 3 + segment.len() <= 78 => {
                part.push_str(" | ");
                part.push_str(segment);
            }
            Some(_) => parts.push(format!("  | {segment}")),
            None => parts.push(segment.to_string()),
        }
    }
    parts.join(" \\\n")
}
