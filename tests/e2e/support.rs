//! The machinery behind the browser tests (`tests/e2e/`): finding Chromium
//! and chromedriver, starting chromedriver once for the whole run, serving a
//! chapter on a free port, a small browser API over WebDriver (fantoccini),
//! the book's screenshots (cut, outlined, and the same on every run), and
//! the glue to the test runner.
//!
//! The runner is `libtest-mimic`, which parses the built-in runner's
//! arguments (name filters, `--exact`, `--skip`, `--ignored`, `--list`, ...)
//! and prints the same lines, `test result:` included. The built-in runner is
//! off (`harness = false` in the root `Cargo.toml`) for two reasons: one
//! chromedriver can serve every test and be stopped for sure at the end, and a
//! machine without Chromium can say, in plain `cargo test` output, that the
//! browser tests were skipped and how to run them.

use std::{
    future::Future,
    io::{Read, Write},
    net::{SocketAddr, TcpListener, TcpStream},
    path::{Path, PathBuf},
    process::{Child, Command, ExitCode, Stdio},
    sync::{
        Arc, Mutex, OnceLock,
        atomic::{AtomicUsize, Ordering},
    },
    time::{Duration, Instant},
};

use axum::Router;
use fantoccini::{Client, ClientBuilder, Locator, elements::Element, error::CmdError};
use hyper_util::client::legacy::connect::HttpConnector;
use libtest_mimic::{Arguments, Completion, Failed, Trial};
use serde_json::json;

/// How long one test may take before it counts as failed.
const TEST_TIMEOUT: Duration = Duration::from_secs(60);
/// How long to wait for a page to show what a test expects.
const PAGE_TIMEOUT: Duration = Duration::from_secs(5);
/// The browser window: wide enough for the course's layout, tall enough to
/// show a page and its wire inspector.
pub const WINDOW: (u32, u32) = (1280, 1000);

/// What the tests tell the learner to run.
const HOW_TO_RUN: &str = "just e2e";

// ---------------------------------------------------------------------------
// Finding the browser

/// Where Chromium and chromedriver are.
struct Tools {
    chrome: PathBuf,
    chromedriver: PathBuf,
}

/// A program named by `variable`, or else the first of `candidates` that
/// exists, or else `names` on `PATH`.
fn find_program(variable: &str, candidates: &[&str], names: &[&str]) -> Result<PathBuf, String> {
    if let Some(value) = std::env::var_os(variable).filter(|v| !v.is_empty()) {
        let path = PathBuf::from(&value);
        return if path.is_file() {
            Ok(path)
        } else {
            Err(format!("{variable}={} is not a file", path.display()))
        };
    }
    if let Some(found) = candidates.iter().map(PathBuf::from).find(|p| p.is_file()) {
        return Ok(found);
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    for dir in std::env::split_paths(&path) {
        for name in names {
            let candidate = dir.join(name);
            if candidate.is_file() {
                return Ok(candidate);
            }
        }
    }
    Err(format!(
        "no {} in /usr/bin or on PATH, and {variable} is not set",
        names[0]
    ))
}

fn find_tools() -> Result<Tools, String> {
    let chromedriver = find_program(
        "CHROMEDRIVER",
        &["/usr/bin/chromedriver"],
        &["chromedriver"],
    );
    let chrome = find_program(
        "CHROME",
        &["/usr/bin/chromium", "/usr/bin/chromium-browser"],
        &["chromium", "chromium-browser", "google-chrome"],
    );
    match (chrome, chromedriver) {
        (Ok(chrome), Ok(chromedriver)) => Ok(Tools {
            chrome,
            chromedriver,
        }),
        (Err(a), Err(b)) => Err(format!("{a}; {b}")),
        (Err(e), _) | (_, Err(e)) => Err(e),
    }
}

// ---------------------------------------------------------------------------
// chromedriver

/// A running chromedriver, stopped when this is dropped.
struct ChromeDriver {
    child: Child,
    address: SocketAddr,
    url: String,
}

impl ChromeDriver {
    /// Starts chromedriver on a free port of 127.0.0.1 and waits until it answers.
    fn start(program: &Path, log: &Path) -> Result<Self, String> {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|listener| listener.local_addr())
            .map_err(|e| format!("no free port on 127.0.0.1: {e}"))?
            .port();
        let log_file = std::fs::File::create(log)
            .map_err(|e| format!("cannot create {}: {e}", log.display()))?;
        let child = Command::new(program)
            .arg(format!("--port={port}"))
            .stdin(Stdio::null())
            .stdout(log_file.try_clone().map_err(|e| format!("log file: {e}"))?)
            .stderr(log_file)
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", program.display()))?;
        let address = SocketAddr::from(([127, 0, 0, 1], port));
        let mut driver = ChromeDriver {
            child,
            address,
            url: format!("http://{address}"),
        };
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            if TcpStream::connect_timeout(&address, Duration::from_millis(200)).is_ok() {
                return Ok(driver);
            }
            if let Ok(Some(status)) = driver.child.try_wait() {
                return Err(format!(
                    "chromedriver exited at start-up ({status}); see {}",
                    log.display()
                ));
            }
            if Instant::now() > deadline {
                return Err(format!(
                    "chromedriver did not answer on port {port} within 15 s; see {}",
                    log.display()
                ));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for ChromeDriver {
    /// Asks chromedriver to shut down, which also quits every browser it
    /// started (killing it outright would leave them running), and kills it
    /// only if it has not stopped after a few seconds.
    fn drop(&mut self) {
        if let Ok(mut stream) = TcpStream::connect_timeout(&self.address, Duration::from_secs(1)) {
            let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
            let _ = stream.write_all(
                b"GET /shutdown HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n",
            );
            let _ = stream.read_to_end(&mut Vec::new());
        }
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

// ---------------------------------------------------------------------------
// What a test gets: a way to serve a chapter and open a browser on it

/// Whether the browser keeps cookies.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Cookies {
    /// Chromium's default: cookies allowed.
    Allowed,
    /// Blocked by Chromium's own setting, the one a user changes under
    /// Settings → Privacy → Third-party cookies → "Block all cookies"
    /// (`profile.default_content_setting_values.cookies = 2`).
    Blocked,
}

/// What every test of a run shares: the one chromedriver, and where the
/// browsers' profiles go.
struct Shared {
    webdriver: String,
    chrome: PathBuf,
    profiles: PathBuf,
    next_profile: AtomicUsize,
}

/// Handed to one test. Everything it opens (servers, browser sessions) is
/// closed when the test ends, whether it passed or not.
#[derive(Clone)]
pub struct E2e {
    shared: &'static Shared,
    clients: Arc<Mutex<Vec<Client>>>,
    servers: Arc<Mutex<Vec<tokio::task::AbortHandle>>>,
}

impl E2e {
    fn new(shared: &'static Shared) -> Self {
        E2e {
            shared,
            clients: Arc::default(),
            servers: Arc::default(),
        }
    }

    /// Serves `app` on a free port of 127.0.0.1 and opens a new browser (a
    /// new, empty profile) on it.
    pub async fn browser(&self, app: Router, cookies: Cookies) -> Browser {
        let base = self.serve(app).await;

        let profile = self.shared.profiles.join(format!(
            "profile-{}",
            self.shared.next_profile.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&profile).expect("create a browser profile directory");
        let mut options = json!({
            "binary": self.shared.chrome,
            "args": [
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--hide-scrollbars",
                "--force-device-scale-factor=1",
                format!("--window-size={},{}", WINDOW.0, WINDOW.1),
                format!("--user-data-dir={}", profile.display()),
            ],
        });
        if cookies == Cookies::Blocked {
            options["prefs"] = json!({ "profile.default_content_setting_values.cookies": 2 });
        }
        let mut capabilities = serde_json::Map::new();
        capabilities.insert("browserName".into(), json!("chrome"));
        capabilities.insert("goog:chromeOptions".into(), options);
        let client = ClientBuilder::new(HttpConnector::new())
            .capabilities(capabilities)
            .connect(&self.shared.webdriver)
            .await
            .unwrap_or_else(|e| {
                panic!(
                    "could not open Chromium ({}) through chromedriver: {e}",
                    self.shared.chrome.display()
                )
            });
        lock(&self.clients).push(client.clone());
        Browser { client, base }
    }

    /// Serves `app` on a free port of 127.0.0.1 until the test ends, and
    /// returns its address, `http://127.0.0.1:PORT`: the site of a browser,
    /// or a second server beside it (chapter 11's second instance), which
    /// the same browser reaches with [`Browser::open_at`].
    pub async fn serve(&self, app: Router) -> String {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind 127.0.0.1:0");
        let address = listener.local_addr().expect("local address");
        let server = tokio::spawn(async move {
            axum::serve(listener, app).await.expect("serve the chapter");
        });
        lock(&self.servers).push(server.abort_handle());
        format!("http://{address}")
    }

    /// Closes every browser and stops every server this test opened.
    async fn close_everything(&self) {
        let clients = std::mem::take(&mut *lock(&self.clients));
        for client in clients {
            let _ = tokio::time::timeout(Duration::from_secs(10), client.close()).await;
        }
        for server in std::mem::take(&mut *lock(&self.servers)) {
            server.abort();
        }
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

// ---------------------------------------------------------------------------
// The browser, as a learner uses it

/// One browser window on one chapter's server.
pub struct Browser {
    client: Client,
    base: String,
}

/// Turns a WebDriver error into a test failure that says what was being done.
trait OrFail<T> {
    fn or_fail(self, doing: &str) -> T;
}

impl<T> OrFail<T> for Result<T, CmdError> {
    fn or_fail(self, doing: &str) -> T {
        self.unwrap_or_else(|e| panic!("WebDriver failed to {doing}: {e}"))
    }
}

impl Browser {
    /// Types `path` into the address bar: `http://127.0.0.1:PORT` + `path`.
    pub async fn open(&self, path: &str) {
        let url = format!("{}{path}", self.base);
        self.client.goto(&url).await.or_fail(&format!("open {url}"));
    }

    /// Types the address of another server's page into the address bar:
    /// `base` (from [`E2e::serve`]) + `path`.
    pub async fn open_at(&self, base: &str, path: &str) {
        let url = format!("{base}{path}");
        self.client.goto(&url).await.or_fail(&format!("open {url}"));
    }

    /// Reloads the page (F5).
    pub async fn reload(&self) {
        self.client.refresh().await.or_fail("reload the page");
    }

    /// The path and query of the page shown, e.g. `/hello/?name=Ada`.
    pub async fn location(&self) -> String {
        let url = self.client.current_url().await.or_fail("read the URL");
        match url.query() {
            Some(query) => format!("{}?{query}", url.path()),
            None => url.path().to_string(),
        }
    }

    async fn text_of(&self, css: &str) -> String {
        match self.client.find(Locator::Css(css)).await {
            Ok(element) => element.text().await.unwrap_or_default(),
            Err(_) => String::new(),
        }
    }

    /// The text of the page's `main` element, as the browser renders it.
    pub async fn main_text(&self) -> String {
        self.text_of("main").await
    }

    /// The text of the wire inspector.
    pub async fn wire_text(&self) -> String {
        self.text_of("#wire").await
    }

    /// Waits until the `main` text contains `expected`, and returns it.
    pub async fn expect_main(&self, expected: &str) -> String {
        self.expect_in("main", expected).await
    }

    /// Waits until the wire inspector's text contains `expected`.
    pub async fn expect_wire(&self, expected: &str) -> String {
        self.expect_in("#wire", expected).await
    }

    async fn expect_in(&self, css: &str, expected: &str) -> String {
        let deadline = Instant::now() + PAGE_TIMEOUT;
        loop {
            let text = self.text_of(css).await;
            if text.contains(expected) {
                return text;
            }
            if Instant::now() > deadline {
                panic!(
                    "the page at {} does not show {expected:?} in `{css}`; it shows:\n{text}",
                    self.location().await
                );
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Clicks `element` and waits until the browser has left the page.
    async fn click_and_wait(&self, element: Element, what: &str) {
        let page = self
            .client
            .find(Locator::Css("html"))
            .await
            .or_fail("find the page");
        element.click().await.or_fail(&format!("click {what}"));
        let deadline = Instant::now() + PAGE_TIMEOUT;
        // The old page's element goes stale once the new page is loaded.
        while page.tag_name().await.is_ok() {
            if Instant::now() > deadline {
                panic!("clicking {what} did not lead to a new page");
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }

    /// Clicks the first link whose text is exactly `text`.
    pub async fn click_link(&self, text: &str) {
        let link = self
            .client
            .find(Locator::LinkText(text))
            .await
            .unwrap_or_else(|e| {
                panic!("no link {text:?} on {}: {e}", self.base);
            });
        self.click_and_wait(link, &format!("the link {text:?}"))
            .await;
    }

    /// Clears the form field named `name` and types `value` into it.
    pub async fn fill(&self, name: &str, value: &str) {
        let field = self
            .client
            .find(Locator::Css(&format!("[name='{name}']")))
            .await
            .or_fail(&format!("find the field {name:?}"));
        field.clear().await.or_fail("clear a field");
        field.send_keys(value).await.or_fail("type into a field");
    }

    /// Clicks the button (or submit input) labelled `label`.
    pub async fn press(&self, label: &str) {
        self.press_at(&format!(
            "//button[normalize-space()='{label}'] | //input[@type='submit' and @value='{label}']"
        ))
        .await;
    }

    /// Clicks the button the XPath expression finds.
    pub async fn press_at(&self, xpath: &str) {
        let button = self
            .client
            .find(Locator::XPath(xpath))
            .await
            .or_fail(&format!("find the button {xpath}"));
        self.click_and_wait(button, xpath).await;
    }

    /// Every link's `href`, as written in the page.
    pub async fn hrefs(&self) -> Vec<String> {
        let mut hrefs = Vec::new();
        let links = self
            .client
            .find_all(Locator::Css("a[href]"))
            .await
            .or_fail("find the links");
        for link in links {
            if let Some(href) = link.attr("href").await.or_fail("read a link") {
                hrefs.push(href);
            }
        }
        hrefs
    }

    /// The names and values of the page's hidden form fields.
    pub async fn hidden_fields(&self) -> Vec<(String, String)> {
        let mut fields = Vec::new();
        let inputs = self
            .client
            .find_all(Locator::Css("input[type=hidden]"))
            .await
            .or_fail("find the hidden fields");
        for input in inputs {
            let name = input.attr("name").await.or_fail("read a field");
            let value = input.attr("value").await.or_fail("read a field");
            fields.push((name.unwrap_or_default(), value.unwrap_or_default()));
        }
        fields
    }

    /// The cells of each row of the table in `main`, as the page shows them.
    pub async fn table_rows(&self) -> Vec<Vec<String>> {
        let mut rows = Vec::new();
        let trs = self
            .client
            .find_all(Locator::Css("main table tbody tr"))
            .await
            .or_fail("find the table rows");
        for tr in trs {
            let mut cells = Vec::new();
            for td in tr.find_all(Locator::Css("td")).await.or_fail("find cells") {
                cells.push(td.text().await.or_fail("read a cell").trim().to_string());
            }
            rows.push(cells);
        }
        rows
    }

    /// Runs `script` in the page, and returns what it returns.
    pub async fn script(&self, script: &str) -> serde_json::Value {
        self.client
            .execute(script, vec![])
            .await
            .or_fail("run a script in the page")
    }

    /// A PNG of what the window shows, as it is.
    pub async fn window_screenshot(&self) -> Vec<u8> {
        self.client.screenshot().await.or_fail("take a screenshot")
    }

    /// The value of the cookie `name` as the browser holds it (HttpOnly or
    /// not: the browser's own jar, not `document.cookie`), if it has one.
    pub async fn cookie_value(&self, name: &str) -> Option<String> {
        let cookie = self.client.get_named_cookie(name).await.ok()?;
        Some(cookie.value().to_string())
    }

    /// Changes the value of the cookie `name`, keeping its other attributes,
    /// as a student does in the developer tools.
    pub async fn edit_cookie(&self, name: &str, value: &str) {
        let mut cookie = self
            .client
            .get_named_cookie(name)
            .await
            .or_fail(&format!("read the cookie {name}"));
        cookie.set_value(value.to_string());
        self.client
            .add_cookie(cookie)
            .await
            .or_fail(&format!("change the cookie {name}"));
    }

    /// Saves the book's picture of this page as `dir/name.png`: the page's
    /// main part and the wire inspector, with nothing outlined. For another
    /// cut, an outline or a replaced value, use [`Browser::save_shot`].
    pub async fn screenshot(&self, dir: &Path, name: &str) -> PathBuf {
        self.save_shot(dir, Shot::main_and_wire(name)).await
    }

    /// Saves `shot` of this page as `dir/NAME.png`, at 1:1 for the book.
    /// The window is made [`SHOT_WINDOW_WIDTH`] wide (wider if the page does
    /// not fit) and as tall as the page; [`STEADY_SCRIPT`] writes in the
    /// shot's replacements and the fixed times; [`FRAME_SCRIPT`] outlines
    /// the shot's marks and lays a frame over each of its pieces; the
    /// browser takes a picture of each frame; and [`PICTURE_SCRIPT`] stacks
    /// them into one PNG of few colours. The page keeps these changes until
    /// the next navigation, so take a page's picture after reading what the
    /// test needs from it.
    pub async fn save_shot(&self, dir: &Path, shot: Shot) -> PathBuf {
        let client = &self.client;
        let measure = || async {
            let sizes = client
                .execute(MEASURE_SCRIPT, vec![])
                .await
                .or_fail("measure the page");
            let size = |key: &str| sizes[key].as_f64().unwrap_or(0.0).ceil() as u32;
            (size("overflow"), size("page"), size("viewport"))
        };
        let mut width = SHOT_WINDOW_WIDTH;
        client
            .set_window_size(width, WINDOW.1)
            .await
            .or_fail("size the window");
        // A page wider than the window (a table that does not fit) gets the
        // width it needs: a picture cannot show what is off to the side.
        let (overflow, _, _) = measure().await;
        if overflow > 0 {
            width += overflow;
            client
                .set_window_size(width, WINDOW.1)
                .await
                .or_fail("size the window");
        }
        let arguments = vec![json!(shot.replacements), json!(FIXED_TIME)];
        client
            .execute(STEADY_SCRIPT, arguments)
            .await
            .or_fail("steady the page's text");
        // The window is taller than its viewport by its (invisible) frame:
        // make the viewport as tall as the page, so the whole page is drawn.
        let (_, page, viewport) = measure().await;
        client
            .set_window_size(width, WINDOW.1 - viewport + page)
            .await
            .or_fail("size the window");
        let arguments = vec![json!(shot.pieces), json!(shot.marks), json!(FRAME_PADDING)];
        let framed = client
            .execute(FRAME_SCRIPT, arguments)
            .await
            .or_fail("frame the picture");
        if let Some(problem) = framed.as_str() {
            panic!("{}: {problem}", shot.name);
        }
        let mut pieces = Vec::new();
        for frame in client
            .find_all(Locator::Css(".screenshot-frame"))
            .await
            .or_fail("find the picture's frames")
        {
            pieces.push(frame.screenshot().await.or_fail("take a screenshot"));
        }
        let arguments = vec![json!(pieces), json!(PALETTE_COLOURS)];
        let picture = client
            .execute_async(PICTURE_SCRIPT, arguments)
            .await
            .or_fail("put the picture together");
        let png: Vec<u8> = serde_json::from_value(picture.clone())
            .unwrap_or_else(|_| panic!("{}: no picture: {picture}", shot.name));
        client
            .set_window_size(WINDOW.0, WINDOW.1)
            .await
            .or_fail("size the window");
        let path = dir.join(format!("{}.png", shot.name));
        std::fs::write(&path, png).unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
        path
    }
}

// ---------------------------------------------------------------------------
// The book's screenshots: what each picture shows, and how it stays the same
// from one run to the next

/// How wide the browser window is for a screenshot. The course's pages are
/// laid out for any width; at this one, the page's column plus
/// [`FRAME_PADDING`] on each side is 710 pixels, so that the book shows the
/// picture at its own size (1:1, sharp) even inside a numbered step, whose
/// indent leaves 710 of the book's 750 pixels.
pub const SHOT_WINDOW_WIDTH: u32 = 734;

/// The room left around each piece of a picture, in pixels: more than an
/// outline takes.
const FRAME_PADDING: u32 = 12;

/// How many colours a picture keeps. Text on flat colours needs few, but
/// its smoothed edges make a thousand or so shades; 256 look the same, and
/// let oxipng store the picture with a palette, in half the bytes.
const PALETTE_COLOURS: usize = 256;

/// The moment every screenshot claims to show: Monday 6 January 2025, 09:00
/// UTC, in seconds since 1970. The book's introduction says so.
const FIXED_TIME: u64 = 1_736_154_000;

/// The wire inspector's heading, and its three sections: what the request
/// carried, what the response set, and the session store's record.
pub const WIRE_HEADING: &str = "#wire > h2";
pub const WIRE_REQUEST: &str = "#wire > section:nth-of-type(1)";
pub const WIRE_RESPONSE: &str = "#wire > section:nth-of-type(2)";
pub const WIRE_STORE: &str = "#wire > section:nth-of-type(3)";

/// One picture for the book: the pieces of the page it shows (one, or a
/// few stacked with a cut mark between them), what is outlined in it, and
/// the values written over before it is taken.
pub struct Shot {
    name: String,
    /// Each piece: CSS selectors; the piece is the page's column, from the
    /// top of the first element they find to the bottom of the last.
    pieces: Vec<Vec<String>>,
    marks: Vec<serde_json::Value>,
    replacements: Vec<(String, String)>,
}

impl Shot {
    /// The page's main part: below the chapter's title and links, above the
    /// wire inspector.
    pub fn main(name: &str) -> Self {
        Self::of(name, &["main"])
    }

    /// The wire inspector alone.
    pub fn wire(name: &str) -> Self {
        Self::of(name, &["#wire"])
    }

    /// The main part and the wire inspector below it.
    pub fn main_and_wire(name: &str) -> Self {
        Self::of(name, &["main", "#wire"])
    }

    /// The page's column, from the top of the first element that the CSS
    /// selectors `parts` find to the bottom of the last, saved as
    /// `NAME.png`.
    pub fn of(name: &str, parts: &[&str]) -> Self {
        Shot {
            name: name.to_string(),
            pieces: Vec::new(),
            marks: Vec::new(),
            replacements: Vec::new(),
        }
        .then(parts)
    }

    /// Adds another piece below, cut the same way around what `parts`
    /// find, after a cut mark that tells the reader the page goes on in
    /// between: for a step about the top of a page and the bottom of its
    /// wire inspector, say, without a long picture of everything between.
    pub fn then(mut self, parts: &[&str]) -> Self {
        self.pieces
            .push(parts.iter().map(|part| part.to_string()).collect());
        self
    }

    /// Outlines every element the CSS selector `css` finds: what the step
    /// asks the reader to look at.
    pub fn outline(mut self, css: &str) -> Self {
        self.marks.push(json!({ "within": css }));
        self
    }

    /// Outlines the paragraph, list item, heading or table row inside `css`
    /// whose text contains `text` (in each element `css` finds).
    pub fn outline_text(mut self, css: &str, text: &str) -> Self {
        self.marks.push(json!({ "within": css, "text": text }));
        self
    }

    /// Shows `to` wherever the page shows `from`: for a value that is
    /// different on every run (a random nonce, a signature over a time, a
    /// port the system chose), so that the picture changes only when the
    /// page really does.
    pub fn replacing(mut self, from: &str, to: &str) -> Self {
        self.replacements.push((from.to_string(), to.to_string()));
        self
    }
}

/// A stand-in for a random value in a screenshot: as long as `value`, each
/// base64 character (letter, digit, `+`, `/`) replaced by one a small
/// generator picks, the others (`=`) kept. It depends only on the value's
/// length and `seed`, so a value that is random on every run gets the same
/// stand-in on every run.
pub fn stand_in(value: &str, seed: u64) -> String {
    const BASE64: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    // A small xorshift generator: enough to look random, and repeatable.
    let mut state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    value
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '+' || c == '/' {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                char::from(BASE64[(state % BASE64.len() as u64) as usize])
            } else {
                c
            }
        })
        .collect()
}

/// Waits for the start of the next second of the clock, and a little more.
/// Pages that count whole seconds (a login's lifetime left, a stamp's age)
/// show the same numbers on every run if the requests behind them start
/// together at the top of a second.
pub async fn at_the_start_of_a_second() {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    let to_next_second = Duration::from_nanos(1_000_000_000 - u64::from(now.subsec_nanos()));
    tokio::time::sleep(to_next_second + Duration::from_millis(20)).await;
}

/// Run in the page before a screenshot, so that the picture is the same on
/// every run: the server writes the times of *now* (a session's expiry, a
/// login time, a removal's `Expires=`), and a few random values. Arguments:
/// the shot's replacements, `[from, to]` pairs, written in first; and
/// [`FIXED_TIME`]. Each time on the page, in any of the three forms the
/// course writes (`2026-11-26 14:05:09 UTC`, `Thu, 26 Nov 2026 14:05:09 GMT`,
/// and seconds since 1970), becomes the fixed time plus its distance from
/// the moment the page arrived, rounded to whole minutes: an expiry five
/// minutes ahead stays five minutes ahead, and a second's jitter vanishes.
/// Also moves the keyboard focus away (no blinking caret).
const STEADY_SCRIPT: &str = r##"
const [replacements, fixed] = arguments;
if (document.activeElement) document.activeElement.blur();
const navigation = performance.getEntriesByType("navigation")[0];
const arrived = (performance.timeOrigin + (navigation ? navigation.responseStart : 0)) / 1000;
const shift = (seconds) => fixed + Math.round((seconds - arrived) / 60) * 60;
const two = (n) => String(n).padStart(2, "0");
const written = (seconds) => {
    const d = new Date(seconds * 1000);
    return `${d.getUTCFullYear()}-${two(d.getUTCMonth() + 1)}-${two(d.getUTCDate())} ` +
        `${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())} UTC`;
};
const rules = [
    [/\b(\d{4})-(\d\d)-(\d\d) (\d\d):(\d\d):(\d\d) UTC\b/g,
        (_, y, mo, d, h, mi, s) => written(shift(Date.UTC(y, mo - 1, d, h, mi, s) / 1000))],
    [/\b(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d\d [A-Z][a-z]{2} \d{4} \d\d:\d\d:\d\d GMT\b/g,
        (date) => new Date(shift(Date.parse(date) / 1000) * 1000).toUTCString()],
    [/\b1\d{9}\b/g,
        (digits) => Math.abs(digits - arrived) < 2 * 86400 ? String(shift(Number(digits))) : digits],
];
const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    let text = node.nodeValue;
    for (const [from, to] of replacements) text = text.split(from).join(to);
    for (const [pattern, replace] of rules) text = text.replace(pattern, replace);
    if (text !== node.nodeValue) node.nodeValue = text;
}
"##;

/// How far the page sticks out of the window to the right, how tall it is,
/// and how tall the window's viewport is, in pixels.
const MEASURE_SCRIPT: &str = r##"
const page = document.documentElement;
return {
    overflow: page.scrollWidth - page.clientWidth,
    page: Math.max(page.scrollHeight, document.body.getBoundingClientRect().bottom),
    viewport: window.innerHeight,
};
"##;

/// Run in the page after [`STEADY_SCRIPT`]: outlines the marks, and lays
/// an invisible element of the class `screenshot-frame` over each piece:
/// the page's column (or more, if a part is wider), from the top of the
/// piece's parts to their bottom, plus the padding. The
/// browser's element screenshots of them are the picture's pieces.
/// Arguments: the pieces (lists of CSS selectors), the marks (`{within,
/// text?}`), the padding. Returns a sentence if a part or a mark is not on
/// the page.
const FRAME_SCRIPT: &str = r##"
const [pieces, marks, padding] = arguments;
for (const mark of marks) {
    let found = [...document.querySelectorAll(mark.within)];
    if (mark.text) {
        // The innermost element that holds the text, or the block (a
        // paragraph, a list item, a table's row) it is part of.
        const holds = (element) => element.textContent.includes(mark.text);
        const block = (element) => {
            while (getComputedStyle(element).display === "inline" && element.parentElement) {
                element = element.parentElement;
            }
            return element.closest("tr") || element;
        };
        found = found.flatMap((element) => [element, ...element.querySelectorAll("*")])
            .filter((element) => holds(element) && ![...element.children].some(holds))
            .map(block);
    }
    if (found.length === 0) return `nothing to outline: ${JSON.stringify(mark)}`;
    for (const element of found) {
        element.style.outline = "3px solid #e8590c";
        element.style.outlineOffset = "1px";
    }
}
const width = document.documentElement.clientWidth;
const height = document.documentElement.scrollHeight;
// Every piece is at least as wide as the page's column (plus the padding),
// so that stacked pieces line up as they do on the page; wider if a part
// sticks out of the column (a wide table).
const column = (document.querySelector("main") || document.body).getBoundingClientRect();
for (const parts of pieces) {
    const box = { left: column.left - padding, top: Infinity, right: column.right + padding, bottom: -Infinity };
    for (const part of parts) {
        const found = document.querySelectorAll(part);
        if (found.length === 0) return `no ${part} on the page`;
        for (const element of found) {
            const rect = element.getBoundingClientRect();
            box.left = Math.min(box.left, rect.left - padding);
            box.top = Math.min(box.top, rect.top - padding);
            box.right = Math.max(box.right, rect.right + padding);
            box.bottom = Math.max(box.bottom, rect.bottom + padding);
        }
    }
    const left = Math.max(0, Math.floor(box.left));
    const top = Math.max(0, Math.floor(box.top));
    const right = Math.min(width, Math.ceil(box.right));
    const bottom = Math.min(height, Math.ceil(box.bottom));
    const frame = document.createElement("div");
    frame.className = "screenshot-frame";
    Object.assign(frame.style, {
        position: "absolute", pointerEvents: "none",
        left: `${left + window.scrollX}px`, top: `${top + window.scrollY}px`,
        width: `${right - left}px`, height: `${bottom - top}px`,
    });
    document.body.appendChild(frame);
}
return null;
"##;

/// Run in the page (any page: it only computes) on the pieces' PNGs: stacks
/// them, with a cut mark between two pieces (a band of the page's colour
/// with a dashed line), keeps the [`PALETTE_COLOURS`] most frequent colours,
/// paints every other pixel in the nearest of them, and answers the PNG's
/// bytes. The same pieces always give the same bytes. Arguments: the
/// pieces, each an array of bytes; the number of colours; the callback
/// WebDriver adds.
const PICTURE_SCRIPT: &str = r##"
const [pieces, colours, done] = arguments;
(async () => {
    const cut = 24;
    const bitmaps = await Promise.all(pieces.map((png) => createImageBitmap(
        new Blob([new Uint8Array(png)], { type: "image/png" }),
        { colorSpaceConversion: "none", premultiplyAlpha: "none" })));
    const width = Math.max(...bitmaps.map((bitmap) => bitmap.width));
    const height = bitmaps.reduce((sum, bitmap) => sum + bitmap.height, 0) + cut * (bitmaps.length - 1);
    const canvas = new OffscreenCanvas(width, height);
    const context = canvas.getContext("2d");
    context.fillStyle = "#fdfdfb";
    context.fillRect(0, 0, width, height);
    let y = 0;
    for (const [i, bitmap] of bitmaps.entries()) {
        if (i > 0) {
            context.strokeStyle = "#8a8a8a";
            context.lineWidth = 2;
            context.setLineDash([10, 8]);
            context.beginPath();
            context.moveTo(0, y + cut / 2);
            context.lineTo(width, y + cut / 2);
            context.stroke();
            y += cut;
        }
        context.drawImage(bitmap, 0, y);
        y += bitmap.height;
    }
    const image = context.getImageData(0, 0, width, height);
    const pixels = image.data;
    const rgb = (i) => (pixels[i] << 16) | (pixels[i + 1] << 8) | pixels[i + 2];
    const count = new Map();
    for (let i = 0; i < pixels.length; i += 4) count.set(rgb(i), (count.get(rgb(i)) || 0) + 1);
    if (count.size > colours) {
        const palette = [...count].sort((a, b) => b[1] - a[1] || a[0] - b[0])
            .slice(0, colours).map(([colour]) => colour);
        const nearest = new Map();
        for (const colour of count.keys()) {
            let best = colour;
            let bestDistance = Infinity;
            for (const kept of palette) {
                const r = (colour >> 16) - (kept >> 16);
                const g = ((colour >> 8) & 255) - ((kept >> 8) & 255);
                const b = (colour & 255) - (kept & 255);
                const distance = r * r + g * g + b * b;
                if (distance < bestDistance) [best, bestDistance] = [kept, distance];
            }
            nearest.set(colour, best);
        }
        for (let i = 0; i < pixels.length; i += 4) {
            const kept = nearest.get(rgb(i));
            [pixels[i], pixels[i + 1], pixels[i + 2], pixels[i + 3]] = [kept >> 16, (kept >> 8) & 255, kept & 255, 255];
        }
        context.putImageData(image, 0, 0);
    }
    const png = await canvas.convertToBlob({ type: "image/png" });
    done([...new Uint8Array(await png.arrayBuffer())]);
})().catch((error) => done(String(error)));
"##;

// ---------------------------------------------------------------------------
// What the chapters' pages have in common

/// The wire inspector's sentence for a request without a `Cookie` header.
pub const NO_COOKIES_SENT: &str = "Your browser sent no cookies with this request";

/// Fills in the shop's Add Item form (chapters 4, 6 and 7) and sends it.
pub async fn add_item(browser: &Browser, name: &str, quantity: &str) {
    browser.fill("name", name).await;
    browser.fill("quantity", quantity).await;
    browser.press("Add Item").await;
}

// ---------------------------------------------------------------------------
// The tests, and running them

/// `browser_test!(function)`: the async test `function(e2e: E2e)` of this
/// module, as a [`Trial`] named `chapter_N::function`, as the built-in runner
/// would name it.
macro_rules! browser_test {
    ($function:ident) => {
        $crate::support::trial(module_path!(), stringify!($function), $function)
    };
}
pub(crate) use browser_test;

/// The trial (libtest-mimic's word for a test) that runs `body` in a browser,
/// or reports it skipped, or failed, as the run's [`SETUP`] says.
pub fn trial<Body, Steps>(module_path: &str, function: &str, body: Body) -> Trial
where
    Body: FnOnce(E2e) -> Steps + Send + 'static,
    Steps: Future<Output = ()> + Send + 'static,
{
    // `module_path!()` starts with the test target's own name, `e2e::`,
    // which the built-in runner leaves out of test names.
    let module = module_path.split_once("::").map_or(module_path, |(_, m)| m);
    Trial::ignorable_test(format!("{module}::{function}"), move || {
        match SETUP
            .get()
            .expect("the run is set up before its first test")
        {
            Setup::Ready(shared) => run_one(shared, body).map(|()| Completion::Completed),
            Setup::Skipped => Ok(Completion::ignored_with(format!(
                "browser test skipped: run `{HOW_TO_RUN}`"
            ))),
            Setup::Broken(reason) => Err(reason.as_str().into()),
        }
    })
}

/// What the run found out before its first test, once for all of them.
enum Setup {
    /// chromedriver is running: the tests run.
    Ready(Shared),
    /// No browser, or `E2E_SKIP=1`: every test is reported as ignored.
    Skipped,
    /// No browser although `E2E_REQUIRED=1`, or chromedriver would not
    /// start: every test fails, with this reason.
    Broken(String),
}

/// Set by [`run`] once the command line has said which tests run, and read
/// by each of them.
static SETUP: OnceLock<Setup> = OnceLock::new();

/// Runs the tests the command line selects, and returns the exit code.
pub fn run(trials: Vec<Trial>) -> ExitCode {
    let mut args = Arguments::from_args();
    // One test at a time, unless `--test-threads N` says otherwise: each test
    // runs its own Chromium, and two at once gain little on a small machine.
    args.test_threads.get_or_insert(1);

    // Nothing is started for `--list`, or for a filter that leaves no test.
    let will_run = trials
        .iter()
        .filter(|trial| !args.is_filtered_out(trial) && !args.is_ignored(trial))
        .count();
    let scratch = std::env::temp_dir().join(format!("session-course-e2e-{}", std::process::id()));
    let mut chromedriver = None;
    if will_run > 0 && !args.list {
        let (setup, started) = set_up(will_run, &scratch);
        chromedriver = started;
        let _ = SETUP.set(setup);
    }

    let conclusion = libtest_mimic::run(&args, trials);

    // Stopping chromedriver quits every browser it started. Should the runner
    // itself panic, unwinding drops (and stops) it all the same.
    if let Some(chromedriver) = chromedriver {
        drop(chromedriver);
        let _ = std::fs::remove_dir_all(&scratch);
    }
    conclusion.exit_code()
}

/// Finds Chromium and starts chromedriver for the `count` tests about to run,
/// or says, plainly and once, why they cannot run.
fn set_up(count: usize, scratch: &Path) -> (Setup, Option<ChromeDriver>) {
    let required = std::env::var("E2E_REQUIRED").is_ok_and(|v| v == "1");
    let skip = std::env::var("E2E_SKIP").is_ok_and(|v| v == "1");
    let found = if skip && !required {
        Err("E2E_SKIP=1 is set".to_string())
    } else {
        find_tools()
    };
    let tools = match found {
        Ok(tools) => tools,
        Err(reason) if required => {
            eprintln!(
                "\nerror: E2E_REQUIRED=1, but the browser tests cannot run: {reason}.\n\
                 Install Debian's packages (apt-get install chromium chromium-driver), \
                 or set CHROME and CHROMEDRIVER to the programs' paths.\n"
            );
            let reason = format!("E2E_REQUIRED=1, but the browser tests cannot run: {reason}");
            return (Setup::Broken(reason), None);
        }
        Err(reason) => {
            let needs = if skip {
                ""
            } else {
                "They need Chromium and chromedriver (Debian: apt-get install chromium chromium-driver; \
                 or set CHROME and CHROMEDRIVER).\n"
            };
            eprintln!(
                "\nSKIPPED: the {count} browser tests did not run: {reason}.\n{needs}Run them with: {HOW_TO_RUN}"
            );
            return (Setup::Skipped, None);
        }
    };

    let log = scratch.join("chromedriver.log");
    let started = std::fs::create_dir_all(scratch)
        .map_err(|e| format!("cannot create {}: {e}", scratch.display()))
        .and_then(|()| ChromeDriver::start(&tools.chromedriver, &log));
    match started {
        Ok(chromedriver) => {
            let shared = Shared {
                webdriver: chromedriver.url.clone(),
                chrome: tools.chrome,
                profiles: scratch.join("profiles"),
                next_profile: AtomicUsize::new(0),
            };
            (Setup::Ready(shared), Some(chromedriver))
        }
        Err(reason) => {
            eprintln!("\nerror: {reason}\n");
            (Setup::Broken(reason), None)
        }
    }
}

/// Runs one test within [`TEST_TIMEOUT`], then closes every browser and
/// server it opened, whether it passed or not.
fn run_one<Steps: Future<Output = ()> + Send + 'static>(
    shared: &'static Shared,
    body: impl FnOnce(E2e) -> Steps,
) -> Result<(), Failed> {
    // A runtime of its own: dropping it at the end also stops whatever task
    // the test left behind.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start a tokio runtime: {e}"))?;
    let e2e = E2e::new(shared);
    let outcome = runtime.block_on(async {
        // Spawned, so that a failing assertion (a panic) ends the test's task
        // and not this function: the clean-up below runs either way.
        let task = tokio::spawn(body(e2e.clone()));
        let abort = task.abort_handle();
        let outcome = tokio::time::timeout(TEST_TIMEOUT, task).await;
        abort.abort();
        e2e.close_everything().await;
        outcome
    });
    match outcome {
        Ok(Ok(())) => Ok(()),
        Ok(Err(error)) if error.is_panic() => {
            let payload = error.into_panic();
            let message = payload
                .downcast_ref::<String>()
                .map(String::as_str)
                .or_else(|| payload.downcast_ref::<&str>().copied())
                .unwrap_or("the test panicked");
            Err(message.into())
        }
        Ok(Err(error)) => Err(error.to_string().into()),
        Err(_) => Err(format!("timed out after {} s", TEST_TIMEOUT.as_secs()).into()),
    }
}

/// Where `just screenshots` saves its PNGs: the book's screenshots folder, or
/// `SCREENSHOT_DIR` if it is set (to try the screenshots without touching the
/// book).
pub fn screenshot_dir() -> PathBuf {
    let dir = std::env::var_os("SCREENSHOT_DIR")
        .filter(|dir| !dir.is_empty())
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("book/src/screenshots"));
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("create {}: {e}", dir.display()));
    dir
}
