//! The stores chapter 11's tests and exercise checks stand on: a SQLite
//! file of a test's own, and a `redis-server` of a test's own, started on a
//! free port of 127.0.0.1 with nothing kept on disk. Both go away when the
//! test ends. The course starts the real component itself, as the browser
//! tests start chromedriver.

use std::{
    io::Write,
    net::{TcpListener, TcpStream},
    path::PathBuf,
    process::{Child, Command, Stdio},
    sync::atomic::{AtomicUsize, Ordering},
    time::{Duration, Instant},
};

/// A running `redis-server`, killed when this is dropped.
pub struct RedisServer {
    child: Child,
    /// Where the chapter finds it: `redis://127.0.0.1:PORT`.
    pub url: String,
}

impl RedisServer {
    /// Starts Debian's `redis-server` (or the program `REDIS_SERVER` names,
    /// as `CHROME` does for the browser tests). Without the program, it says
    /// so on standard error for `who` (a test's name) and returns `None`; or
    /// fails the test when `REDIS_REQUIRED=1`, as CI sets it.
    pub fn start(who: &str) -> Option<Self> {
        let path = std::env::var_os("PATH").unwrap_or_default();
        let program = match std::env::var_os("REDIS_SERVER").filter(|p| !p.is_empty()) {
            Some(program) => Some(PathBuf::from(program)).filter(|p| p.is_file()),
            None => std::iter::once(PathBuf::from("/usr/bin"))
                .chain(std::env::split_paths(&path))
                .map(|dir| dir.join("redis-server"))
                .find(|program| program.is_file()),
        };
        let Some(program) = program else {
            let why = "redis-server is not installed (Debian: apt-get install redis-server), \
                       or REDIS_SERVER names no program";
            if std::env::var("REDIS_REQUIRED").is_ok_and(|value| value == "1") {
                panic!("REDIS_REQUIRED=1, but {why}");
            }
            // Straight to standard error: the test harness captures `eprintln!`.
            let _ = writeln!(
                std::io::stderr().lock(),
                "{who} SKIPPED: {why}. `just redis` needs it too; REDIS_REQUIRED=1 makes this a failure."
            );
            return None;
        };
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|listener| listener.local_addr())
            .expect("a free port on 127.0.0.1")
            .port();
        let child = Command::new(&program)
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", program.display()));
        let server = Self {
            child,
            url: format!("redis://127.0.0.1:{port}"),
        };
        let deadline = Instant::now() + Duration::from_secs(10);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "redis-server did not answer on port {port}"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        Some(server)
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A SQLite file of a test's own, in a folder deleted when this is dropped.
pub struct SqliteFile {
    folder: PathBuf,
    /// The file's path, as `--sqlite` takes it.
    pub path: String,
}

impl Default for SqliteFile {
    fn default() -> Self {
        Self::new()
    }
}

impl SqliteFile {
    pub fn new() -> Self {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let folder = std::env::temp_dir().join(format!(
            "chapter-11-test-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        let path = folder.join("sessions.sqlite3").display().to_string();
        Self { folder, path }
    }

    /// The options that put chapter 11 on this file, then `more`.
    pub fn options(&self, more: &[&str]) -> Vec<String> {
        ["--store", "sqlite", "--sqlite", &self.path]
            .iter()
            .chain(more)
            .map(|option| option.to_string())
            .collect()
    }

    /// A page's text with this file's path replaced, so that snapshots are
    /// the same on every machine.
    pub fn redact(&self, text: &str) -> String {
        text.replace(&self.path, "[sqlite file]")
    }
}

impl Drop for SqliteFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.folder);
    }
}
