//! The machinery behind `tests/e2e.rs`: finding Chromium and chromedriver,
//! starting chromedriver once for the whole run, serving a chapter on a free
//! port, a small browser API over WebDriver (fantoccini), full-page
//! screenshots, and the test runner itself.
//!
//! The runner replaces Rust's built-in one (`harness = false` in the root
//! `Cargo.toml`) for two reasons: one chromedriver can serve every test and be
//! stopped for sure at the end, and a machine without Chromium can say, in
//! plain `cargo test` output, that the browser tests were skipped and how to
//! run them. It prints the same `test result:` line as the built-in runner and
//! understands its usual arguments: name filters, `--exact`, `--skip`,
//! `--ignored`, `--include-ignored` and `--list`.

use std::{
    future::Future,
    io::{Read, Write},
    net::{SocketAddr, TcpListener, TcpStream},
    path::{Path, PathBuf},
    pin::Pin,
    process::{Child, Command, ExitCode, Stdio},
    sync::{
        Arc, Mutex,
        atomic::{AtomicUsize, Ordering},
    },
    time::{Duration, Instant},
};

use axum::Router;
use fantoccini::{Client, ClientBuilder, Locator, elements::Element, error::CmdError};
use hyper_util::client::legacy::connect::HttpConnector;
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

/// Handed to every test. Everything it opens (servers, browser sessions) is
/// closed by the runner when the test ends, whether it passed or not.
#[derive(Clone)]
pub struct E2e(Arc<Shared>);

struct Shared {
    webdriver: String,
    chrome: PathBuf,
    profiles: PathBuf,
    next_profile: AtomicUsize,
    clients: Mutex<Vec<Client>>,
    servers: Mutex<Vec<tokio::task::AbortHandle>>,
}

impl E2e {
    /// Serves `app` on a free port of 127.0.0.1 and opens a new browser (a
    /// new, empty profile) on it.
    pub async fn browser(&self, app: Router, cookies: Cookies) -> Browser {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind 127.0.0.1:0");
        let address = listener.local_addr().expect("local address");
        let server = tokio::spawn(async move {
            axum::serve(listener, app).await.expect("serve the chapter");
        });
        lock(&self.0.servers).push(server.abort_handle());

        let profile = self.0.profiles.join(format!(
            "profile-{}",
            self.0.next_profile.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&profile).expect("create a browser profile directory");
        let mut options = json!({
            "binary": self.0.chrome,
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
            .connect(&self.0.webdriver)
            .await
            .unwrap_or_else(|e| {
                panic!(
                    "could not open Chromium ({}) through chromedriver: {e}",
                    self.0.chrome.display()
                )
            });
        lock(&self.0.clients).push(client.clone());
        Browser {
            client,
            base: format!("http://{address}"),
        }
    }

    /// Closes every browser and stops every server this test opened.
    async fn close_everything(&self) {
        let clients = std::mem::take(&mut *lock(&self.0.clients));
        for client in clients {
            let _ = tokio::time::timeout(Duration::from_secs(10), client.close()).await;
        }
        for server in std::mem::take(&mut *lock(&self.0.servers)) {
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

    /// Saves a PNG of the whole page as `dir/name.png`, wire inspector and
    /// all: the window is resized so that the page fits it exactly.
    pub async fn screenshot(&self, dir: &Path, name: &str) -> PathBuf {
        let client = &self.client;
        let (width, height) = WINDOW;
        client
            .set_window_size(width, height)
            .await
            .or_fail("size the window");
        // The body's bottom edge includes its padding: the page's own margin.
        let measure = "return [document.body.getBoundingClientRect().bottom, window.innerHeight];";
        let sizes = client.execute(measure, vec![]).await.or_fail("measure");
        let size = |i: usize| sizes[i].as_f64().unwrap_or(0.0).ceil() as u32;
        let (page, viewport) = (size(0), size(1));
        // The window is taller than the page's viewport by its (invisible) frame.
        client
            .set_window_size(width, height - viewport + page)
            .await
            .or_fail("size the window");
        let png = client.screenshot().await.or_fail("take a screenshot");
        client
            .set_window_size(width, height)
            .await
            .or_fail("size the window");
        let path = dir.join(format!("{name}.png"));
        std::fs::write(&path, png).unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
        path
    }
}

// ---------------------------------------------------------------------------
// The runner

/// A test: an async function of the [`E2e`] context.
pub struct Test {
    pub name: &'static str,
    pub run: fn(E2e) -> Pin<Box<dyn Future<Output = ()> + Send>>,
    /// Not run unless asked for with `--ignored` (the screenshots).
    pub ignored: bool,
}

/// The command-line arguments the built-in test runner takes, as far as they
/// matter here; the others (`--nocapture`, `--test-threads N`, ...) are ignored.
#[derive(Default)]
struct Args {
    filters: Vec<String>,
    skip: Vec<String>,
    exact: bool,
    ignored: bool,
    include_ignored: bool,
    list: bool,
}

fn parse_args() -> Args {
    let mut args = Args::default();
    let mut iter = std::env::args().skip(1);
    while let Some(arg) = iter.next() {
        match arg.as_str() {
            "--exact" => args.exact = true,
            "--ignored" => args.ignored = true,
            "--include-ignored" => args.include_ignored = true,
            "--list" => args.list = true,
            "--skip" => args.skip.extend(iter.next()),
            // Options of the built-in runner that take a value.
            "--test-threads" | "--format" | "--color" | "--logfile" | "-Z" | "--shuffle-seed" => {
                iter.next();
            }
            flag if flag.starts_with('-') => {}
            filter => args.filters.push(filter.to_string()),
        }
    }
    args
}

impl Args {
    fn selects(&self, test: &Test) -> bool {
        let matches = |pattern: &String| {
            if self.exact {
                test.name == pattern
            } else {
                test.name.contains(pattern.as_str())
            }
        };
        let by_name = self.filters.is_empty() || self.filters.iter().any(matches);
        let skipped = self.skip.iter().any(|p| test.name.contains(p.as_str()));
        let by_ignore = self.include_ignored || self.ignored == test.ignored;
        by_name && !skipped && by_ignore
    }
}

/// The message of the last panic, kept by the runner's panic hook.
static LAST_PANIC: Mutex<Option<String>> = Mutex::new(None);

/// Runs the tests the command line selects, and returns the exit code.
pub fn run(tests: &[Test]) -> ExitCode {
    let args = parse_args();
    if args.list {
        for test in tests.iter().filter(|t| args.selects(t)) {
            println!("{}: test", test.name);
        }
        return ExitCode::SUCCESS;
    }
    let started = Instant::now();
    let selected: Vec<&Test> = tests.iter().filter(|t| args.selects(t)).collect();
    let filtered_out = tests.len() - selected.len();
    // Tests marked ignored that the command line did not ask for.
    let ignored_count = tests
        .iter()
        .filter(|t| t.ignored && !selected.iter().any(|s| s.name == t.name))
        .count();
    let filtered_out = filtered_out - ignored_count;
    println!();
    let plural = if selected.len() == 1 { "" } else { "s" };
    println!("running {} test{plural}", selected.len());
    let summary = |passed: usize, failed: usize, ignored: usize| {
        let verdict = if failed == 0 { "ok" } else { "FAILED" };
        println!(
            "\ntest result: {verdict}. {passed} passed; {failed} failed; {ignored} ignored; 0 measured; \
             {filtered_out} filtered out; finished in {:.2}s\n",
            started.elapsed().as_secs_f64()
        );
        if failed == 0 {
            ExitCode::SUCCESS
        } else {
            ExitCode::FAILURE
        }
    };
    if selected.is_empty() {
        return summary(0, 0, ignored_count);
    }

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
                 or set CHROME and CHROMEDRIVER to the programs' paths."
            );
            for test in &selected {
                println!("test {} ... FAILED", test.name);
            }
            return summary(0, selected.len(), ignored_count);
        }
        Err(reason) => {
            let needs = if skip {
                ""
            } else {
                "They need Chromium and chromedriver (Debian: apt-get install chromium chromium-driver; \
                 or set CHROME and CHROMEDRIVER).\n"
            };
            eprintln!(
                "\nSKIPPED: the {} browser tests did not run: {reason}.\n{needs}Run them with: {HOW_TO_RUN}\n",
                selected.len()
            );
            for test in &selected {
                println!(
                    "test {} ... ignored, browser test skipped: run `{HOW_TO_RUN}`",
                    test.name
                );
            }
            return summary(0, 0, ignored_count + selected.len());
        }
    };

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("start the tokio runtime");
    let scratch = std::env::temp_dir().join(format!("session-course-e2e-{}", std::process::id()));
    std::fs::create_dir_all(&scratch).expect("create a scratch directory");
    let log = scratch.join("chromedriver.log");
    let driver = match ChromeDriver::start(&tools.chromedriver, &log) {
        Ok(driver) => driver,
        Err(reason) => {
            eprintln!("\nerror: {reason}");
            let _ = std::fs::remove_dir_all(&scratch);
            for test in &selected {
                println!("test {} ... FAILED", test.name);
            }
            return summary(0, selected.len(), ignored_count);
        }
    };
    let e2e = E2e(Arc::new(Shared {
        webdriver: driver.url.clone(),
        chrome: tools.chrome.clone(),
        profiles: scratch.join("profiles"),
        next_profile: AtomicUsize::new(0),
        clients: Mutex::new(Vec::new()),
        servers: Mutex::new(Vec::new()),
    }));

    // A failing test's message is printed once, with the others, at the end.
    std::panic::set_hook(Box::new(|info| {
        let message = info
            .payload()
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| info.payload().downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_else(|| "panicked".to_string());
        let at = info
            .location()
            .map(|l| format!("\n(at {}:{})", l.file(), l.line()))
            .unwrap_or_default();
        *lock(&LAST_PANIC) = Some(format!("{message}{at}"));
    }));
    let mut failures = Vec::new();
    let mut passed = 0;
    for test in &selected {
        print!("test {} ... ", test.name);
        let _ = std::io::stdout().flush();
        let test_started = Instant::now();
        let task = runtime.spawn((test.run)(e2e.clone()));
        let abort = task.abort_handle();
        let outcome = runtime.block_on(async { tokio::time::timeout(TEST_TIMEOUT, task).await });
        abort.abort();
        runtime.block_on(e2e.close_everything());
        let failure = match outcome {
            Ok(Ok(())) => None,
            Ok(Err(error)) if error.is_panic() => Some(
                lock(&LAST_PANIC)
                    .take()
                    .unwrap_or_else(|| "panicked".to_string()),
            ),
            Ok(Err(error)) => Some(error.to_string()),
            Err(_) => Some(format!("timed out after {} s", TEST_TIMEOUT.as_secs())),
        };
        match failure {
            None => {
                passed += 1;
                println!("ok ({:.1}s)", test_started.elapsed().as_secs_f64());
            }
            Some(message) => {
                println!("FAILED");
                failures.push((test.name, message));
            }
        }
    }
    drop(driver);
    drop(runtime);
    let _ = std::panic::take_hook();
    let _ = std::fs::remove_dir_all(&scratch);

    if !failures.is_empty() {
        println!("\nfailures:\n");
        for (name, message) in &failures {
            println!("---- {name} ----\n{message}\n");
        }
        println!("failures:");
        for (name, _) in &failures {
            println!("    {name}");
        }
    }
    summary(passed, failures.len(), ignored_count)
}

/// Where `just screenshots` saves its PNGs: the book's screenshots folder.
pub fn screenshot_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("book/src/screenshots");
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("create {}: {e}", dir.display()));
    dir
}
