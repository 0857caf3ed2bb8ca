//! The test client: an in-process browser for `tests/`.
//!
//! [`Browser`] sends requests straight into a chapter's `Router`, with no
//! network, and behaves like a browser where it matters for this course: it
//! keeps the cookies that responses set and sends them back, forgets a cookie
//! when told to (`Max-Age=0`), and can submit a page's form with its hidden
//! fields. [`Browser::without_cookies`] is a browser that refuses cookies.
//!
//! Every [`Exchange`] can be turned into a stable text for a snapshot:
//! session ids and CSRF tokens are random, so the browser replaces each
//! distinct one with a numbered label (`[sessionid 1]`, `[csrf token 2]`),
//! and dates with `[date]`. Numbering, rather than one blanket label, keeps
//! visible in the snapshot *when* a session id changes.
//!
//! [`Exchange::transcript`] shows the same exchange as `curl -i` would, for
//! the book. Its URLs carry the port the chapter listens on by default (3003
//! for chapter 3), which the browser reads from the page's header ("Chapter
//! 3: …"), so that a learner can paste the command while `just run 3` serves.

use std::collections::BTreeMap;

use axum::{
    Router,
    body::{Body, to_bytes},
    http::{HeaderMap, Method, Request, StatusCode, header},
};
use tower::ServiceExt;
use tower_cookies::cookie::Cookie;

use crate::{Chapter, SESSION_COOKIE, csrf};

/// Cookies and form fields whose values are random, and the label each
/// distinct value gets in snapshots.
const SECRET_COOKIES: &[(&str, &str)] =
    &[(SESSION_COOKIE, "sessionid"), (csrf::COOKIE, "csrf token")];
const SECRET_FIELDS: &[(&str, &str)] = &[(csrf::FIELD, "csrf token"), ("sid", "sessionid")];

/// An in-process browser; see the module documentation.
pub struct Browser {
    app: Router,
    accepts_cookies: bool,
    jar: BTreeMap<String, String>,
    /// Secret values seen so far, each with its label, in order of discovery.
    secrets: Vec<(String, String)>,
    /// The chapter's default port, once a page has said which chapter it is.
    port: Option<u16>,
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
    /// The same exchange as stable text, for a snapshot.
    snapshot: String,
    /// The `curl -i`-style transcript, redacted likewise.
    transcript: String,
}

impl Browser {
    /// A browser that accepts cookies.
    pub fn new(app: Router) -> Self {
        Self {
            app,
            accepts_cookies: true,
            jar: BTreeMap::new(),
            secrets: Vec::new(),
            port: None,
        }
    }

    /// A browser that refuses every cookie: it never sends one back.
    pub fn without_cookies(app: Router) -> Self {
        Self {
            accepts_cookies: false,
            ..Self::new(app)
        }
    }

    /// The value of a cookie the browser holds.
    pub fn cookie(&self, name: &str) -> Option<&str> {
        self.jar.get(name).map(String::as_str)
    }

    /// Puts a cookie in the jar by hand, as a curious learner could with the
    /// browser's developer tools.
    pub fn set_cookie(&mut self, name: &str, value: &str) {
        self.jar.insert(name.to_string(), value.to_string());
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
        let cookie_sent = (self.accepts_cookies && !self.jar.is_empty()).then(|| {
            self.jar
                .iter()
                .map(|(name, value)| format!("{name}={value}"))
                .collect::<Vec<_>>()
                .join("; ")
        });
        let mut request = Request::builder().method(method.clone()).uri(target);
        if let Some(cookie) = &cookie_sent {
            request = request.header(header::COOKIE, cookie);
        }
        if form.is_some() {
            request = request.header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
        }
        let request = request
            .body(Body::from(form.clone().unwrap_or_default()))
            .expect("the test built an invalid request");
        let Answer {
            status,
            headers,
            body,
        } = answer(&self.app, request).await;
        if let Some(port) = chapter_port(&body) {
            self.port = Some(port);
        }

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
            if !self.accepts_cookies {
                continue;
            }
            if crate::inspector::is_removal(&cookie) {
                self.jar.remove(cookie.name());
            } else {
                self.jar
                    .insert(cookie.name().to_string(), cookie.value().to_string());
            }
        }
        let mut exchange = Exchange {
            method,
            target: target.to_string(),
            cookie_sent,
            form_sent: form,
            status,
            headers,
            body,
            snapshot: String::new(),
            transcript: String::new(),
        };
        // Random values also travel in hidden fields and in links
        // (`/cart/?sid=…`, chapter 7): learn them there too.
        let in_links = exchange.hrefs().into_iter().flat_map(|href| {
            let query = href.split_once('?').map(|(_, query)| query.to_string());
            form_urlencoded::parse(query.unwrap_or_default().as_bytes())
                .into_owned()
                .collect::<Vec<_>>()
        });
        let in_forms = exchange.forms().into_iter().flat_map(|form| form.hidden);
        for (name, value) in in_forms.chain(in_links).collect::<Vec<_>>() {
            if let Some((_, label)) = SECRET_FIELDS.iter().find(|(field, _)| *field == name) {
                self.learn(&value, label);
            }
        }
        exchange.snapshot = self.redact(&exchange.full_text());
        let origin = match self.port {
            Some(port) => format!("http://127.0.0.1:{port}"),
            None => "http://127.0.0.1".to_string(),
        };
        exchange.transcript = self.redact(&exchange.curl_text(&origin));
        exchange
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

    fn redact(&self, text: &str) -> String {
        let mut text = redact_dates(text);
        for (value, label) in &self.secrets {
            text = text.replace(value, &format!("[{label}]"));
        }
        text
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

/// A form found on a page.
#[derive(Debug)]
pub struct FormOnPage {
    pub action: String,
    pub hidden: Vec<(String, String)>,
}

impl Exchange {
    /// The `Location` header of a redirect.
    pub fn location(&self) -> Option<&str> {
        self.headers.get(header::LOCATION)?.to_str().ok()
    }

    /// Every `Set-Cookie` header of the response.
    pub fn set_cookies(&self) -> Vec<String> {
        crate::header_strings(&self.headers, header::SET_COOKIE)
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
        let main = between(&self.body, "<main>", "</main>").unwrap_or(&self.body);
        page_text(main)
    }

    /// The text of the wire inspector panel.
    pub fn inspector_text(&self) -> String {
        between(&self.body, "<aside id=\"wire\"", "</aside>")
            .map(page_text)
            .unwrap_or_default()
    }

    /// The `href` of the link whose text is `text`: the first in the page's
    /// `<main>` if there is one there (the link a reader sees in the text),
    /// else the first anywhere, such as in the navigation bar.
    pub fn link(&self, text: &str) -> Option<String> {
        let main = between(&self.body, "<main>", "</main>").unwrap_or_default();
        link_in(main, text).or_else(|| link_in(&self.body, text))
    }

    /// The `href` of every link on the page.
    fn hrefs(&self) -> Vec<String> {
        self.body
            .split("<a ")
            .skip(1)
            .filter_map(|tag| attribute(&format!(" {tag}"), "href"))
            .collect()
    }

    /// The page's forms: their action and their hidden fields.
    pub fn forms(&self) -> Vec<FormOnPage> {
        let mut forms = Vec::new();
        let mut rest = self.body.as_str();
        while let Some(start) = rest.find("<form") {
            rest = &rest[start..];
            let end = rest.find("</form>").unwrap_or(rest.len());
            let form = &rest[..end];
            let open_tag = &form[..form.find('>').unwrap_or(form.len())];
            let action = attribute(open_tag, "action").unwrap_or_else(|| self.target.clone());
            let hidden = form
                .split("<input")
                .skip(1)
                .filter(|input| attribute(input, "type").as_deref() == Some("hidden"))
                .filter_map(|input| Some((attribute(input, "name")?, attribute(input, "value")?)))
                .collect();
            forms.push(FormOnPage { action, hidden });
            rest = &rest[end..];
        }
        forms
    }

    /// The whole exchange as stable text: the request, then the status, the
    /// `Location` and `Set-Cookie` headers, and the HTML body with a line
    /// break between tags so that a snapshot diff points at what changed.
    pub fn snapshot(&self) -> &str {
        &self.snapshot
    }

    /// The exchange as `curl -i` would show it, with the page trimmed to the
    /// lines of its `<main>` text that contain one of `needles`.
    pub fn transcript(&self, needles: &[&str]) -> String {
        let mut text = self.transcript.clone();
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
        text
    }

    fn full_text(&self) -> String {
        let mut text = format!("{} {}\n", self.method, self.target);
        if let Some(cookie) = &self.cookie_sent {
            text.push_str(&format!("Cookie: {cookie}\n"));
        }
        if let Some(form) = &self.form_sent {
            text.push_str(&format!("\n{form}\n"));
        }
        text.push_str(&format!("\n{}\n", self.status));
        text.push_str(&self.header_lines("Location", "Set-Cookie"));
        if !self.body.is_empty() {
            text.push('\n');
            text.push_str(&self.body.replace("><", ">\n<"));
            text.push('\n');
        }
        text
    }

    fn curl_text(&self, origin: &str) -> String {
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
        text.push_str(&format!(" '{origin}{}'\n", self.target));
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
}

/// The default port of the chapter a page belongs to, read from the header
/// every chapter page has: `<p class="chapter">Chapter 3: …</p>`.
fn chapter_port(body: &str) -> Option<u16> {
    let marker = "<p class=\"chapter\">Chapter ";
    let rest = &body[body.find(marker)? + marker.len()..];
    let number = rest[..rest.find(':')?].parse().ok()?;
    let chapter = Chapter {
        number,
        title: "",
        pages: &[],
    };
    Some(chapter.default_port())
}

/// The `href` of the first link in `html` whose text is `text`.
fn link_in(html: &str, text: &str) -> Option<String> {
    let mut rest = html;
    while let Some(start) = rest.find("<a ") {
        rest = &rest[start..];
        let end = rest.find("</a>")?;
        let tag = &rest[..end];
        let (attributes, inner) = tag.split_once('>')?;
        if page_text(inner) == text {
            return attribute(attributes, "href");
        }
        rest = &rest[end..];
    }
    None
}

fn between<'a>(text: &'a str, start: &str, end: &str) -> Option<&'a str> {
    let from = text.find(start)?;
    let rest = &text[from..];
    let to = rest.find(end)?;
    Some(&rest[..to])
}

/// The value of `name="…"` in a tag's attributes, unescaped.
fn attribute(tag: &str, name: &str) -> Option<String> {
    let marker = format!(" {name}=\"");
    let start = tag.find(&marker)? + marker.len();
    let end = tag[start..].find('"')? + start;
    Some(unescape(&tag[start..end]))
}

fn unescape(text: &str) -> String {
    text.replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

/// Tags dropped, block ends turned into line breaks, whitespace folded.
fn page_text(html: &str) -> String {
    let mut text = String::new();
    let mut in_tag = false;
    let mut tag = String::new();
    for c in html.chars() {
        match (in_tag, c) {
            (false, '<') => {
                in_tag = true;
                tag.clear();
            }
            (true, '>') => {
                in_tag = false;
                let name = tag.trim_start_matches('/').split(' ').next().unwrap_or("");
                if matches!(
                    name,
                    "p" | "h1"
                        | "h2"
                        | "h3"
                        | "li"
                        | "tr"
                        | "br"
                        | "table"
                        | "ul"
                        | "form"
                        | "div"
                        | "section"
                ) {
                    text.push('\n');
                } else if matches!(name, "td" | "th") && tag.starts_with('/') {
                    text.push_str(" | ");
                } else if matches!(name, "label" | "input" | "button" | "span") {
                    // A label, its input and its error message sit side by
                    // side on the page; keep them apart in the text too.
                    text.push(' ');
                }
            }
            (true, c) => tag.push(c),
            (false, c) => text.push(c),
        }
    }
    unescape(&text)
        .lines()
        .map(|line| line.split_whitespace().collect::<Vec<_>>().join(" "))
        .map(|line| line.trim_end_matches(" |").to_string())
        .filter(|line| !line.is_empty())
        .collect::<Vec<_>>()
        .join("\n")
}

/// Replaces every date with `[date]`: those the course writes
/// (`2026-11-25 23:18:07 UTC`) and those of HTTP headers
/// (`Expires=Tue, 25 Nov 2025 23:26:55 GMT`, as in a cookie removal).
fn redact_dates(text: &str) -> String {
    // `d` stands for a digit, `a` for a letter, anything else for itself.
    const SHAPES: [&str; 2] = ["dddd-dd-dd dd:dd:dd UTC", "aaa, dd aaa dddd dd:dd:dd GMT"];
    let fits = |rest: &[u8], shape: &str| {
        rest.len() >= shape.len()
            && shape.bytes().zip(rest).all(|(want, &got)| match want {
                b'd' => got.is_ascii_digit(),
                b'a' => got.is_ascii_alphabetic(),
                other => other == got,
            })
    };
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < bytes.len() {
        if let Some(shape) = SHAPES.iter().find(|shape| fits(&bytes[i..], shape)) {
            out.push_str("[date]");
            i += shape.len();
        } else {
            let c = text[i..].chars().next().expect("i is on a char boundary");
            out.push(c);
            i += c.len_utf8();
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_port_comes_from_the_chapter_header() {
        assert_eq!(
            chapter_port("<header><p class=\"chapter\">Chapter 3: A counter</p>"),
            Some(3003)
        );
        assert_eq!(chapter_port("<p>Chapter 3: not the header</p>"), None);
    }

    #[test]
    fn dates_are_redacted() {
        assert_eq!(
            redact_dates(
                "expires 2026-11-25 23:18:07 UTC, ok é; Expires=Tue, 25 Nov 2025 23:26:55 GMT"
            ),
            "expires [date], ok é; Expires=[date]"
        );
    }

    #[test]
    fn text_of_a_page() {
        assert_eq!(
            page_text(
                "<h1>Hi &amp; bye</h1><p>one <b>two</b></p><table><tr><td>a</td><td>b</td></tr></table>"
            ),
            "Hi & bye\none two\na | b"
        );
    }
}
