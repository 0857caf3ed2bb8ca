//! Chapter 11 in a real browser: sessions in a store outside the process.
//! Chromium sends the same `sessionid` to two servers on two ports of
//! 127.0.0.1, because cookies belong to the host: on one SQLite file both
//! servers show the same cart, and a new server on the file (a restart)
//! finds it again; on memory, another server knows nobody. The race lab's
//! buttons count alike, one click at a time.

use std::path::{Path, PathBuf};

use axum::Router;
use course_kit::Settings;
use libtest_mimic::Trial;

use crate::support::{Cookies, E2e, add_item, browser_test};

/// This chapter's browser tests, as `main.rs` collects them.
pub fn tests() -> Vec<Trial> {
    vec![
        browser_test!(two_instances_on_one_sqlite_file_show_one_cart),
        browser_test!(a_restart_keeps_the_cart_on_sqlite_and_loses_it_on_memory),
        browser_test!(the_race_lab_counts_one_click_at_a_time),
    ]
}

/// The chapter as `just run 11 OPTIONS` starts it. The one place this file
/// names the chapter's crate (`::chapter_11`, not this module). Its pages
/// say the port given in `options` (3011 unless `--port`), as in the book;
/// the test serves it on a free port.
pub async fn app(options: &[&str]) -> Router {
    let options = options.iter().map(|option| option.to_string());
    let settings = Settings::parse(&::chapter_11::CHAPTER, options, None).expect("good options");
    ::chapter_11::app(settings)
        .await
        .expect("chapter 11 starts")
        .main()
        .clone()
}

/// A SQLite file of one test's own, in a folder deleted when it ends.
pub struct SqliteFile {
    folder: PathBuf,
    pub path: String,
}

impl SqliteFile {
    pub fn new(name: &str) -> Self {
        let folder =
            std::env::temp_dir().join(format!("chapter-11-e2e-{name}-{}", std::process::id()));
        let path = folder.join("sessions.sqlite3").display().to_string();
        Self { folder, path }
    }
}

impl Drop for SqliteFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.folder);
    }
}

async fn two_instances_on_one_sqlite_file_show_one_cart(e2e: E2e) {
    let file = SqliteFile::new("two-instances");
    let on_file = ["--sqlite", file.path.as_str()];
    let browser = e2e.browser(app(&on_file).await, Cookies::Allowed).await;
    let second = e2e
        .serve(app(&[&on_file[..], &["--port", "3012"]].concat()).await)
        .await;

    browser.open("/").await;
    browser
        .expect_main("Served by the instance on port 3011. Sessions live in SQLite")
        .await;
    browser.click_link("Add Item").await;
    add_item(&browser, "apple", "2").await;
    browser.expect_main("You now have 2.").await;

    // The same browser, another port: it sends the same cookie.
    browser.open_at(&second, "/displayItems/").await;
    browser
        .expect_main("Served by the instance on port 3012.")
        .await;
    assert_eq!(browser.table_rows().await, [["apple", "2"]]);
    browser.click_link("Add Item").await;
    add_item(&browser, "pear", "1").await;
    browser.expect_main("Added to your cart: pear.").await;

    browser.open("/displayItems/").await;
    browser
        .expect_main("Served by the instance on port 3011.")
        .await;
    assert_eq!(browser.table_rows().await, [["apple", "2"], ["pear", "1"]]);
}

async fn a_restart_keeps_the_cart_on_sqlite_and_loses_it_on_memory(e2e: E2e) {
    let file = SqliteFile::new("restart");
    let on_file = ["--sqlite", file.path.as_str()];
    let browser = e2e.browser(app(&on_file).await, Cookies::Allowed).await;
    browser.open("/addItem/").await;
    add_item(&browser, "apple", "3").await;
    browser.expect_main("You now have 3.").await;
    // A restart is a new process: a new app, with nothing in its memory,
    // on the same file. (It listens on another port; the cookie goes there
    // too.)
    let restarted = e2e.serve(app(&on_file).await).await;
    browser.open_at(&restarted, "/displayItems/").await;
    assert_eq!(browser.table_rows().await, [["apple", "3"]]);

    let browser = e2e
        .browser(app(&["--store", "memory"]).await, Cookies::Allowed)
        .await;
    browser.open("/addItem/").await;
    add_item(&browser, "apple", "3").await;
    browser.expect_main("You now have 3.").await;
    let restarted = e2e.serve(app(&["--store", "memory"]).await).await;
    browser.open_at(&restarted, "/displayItems/").await;
    browser
        .expect_main("Sessions live in this instance's memory.")
        .await;
    browser.expect_main("No items in your cart").await;
}

async fn the_race_lab_counts_one_click_at_a_time(e2e: E2e) {
    let file = SqliteFile::new("race-lab");
    let browser = e2e
        .browser(
            app(&["--sqlite", file.path.as_str()]).await,
            Cookies::Allowed,
        )
        .await;
    browser.open("/race/").await;
    browser
        .expect_main("Race lab: one cart, kept two ways")
        .await;
    for apples in 1..=2 {
        browser.press("Add 1 apple to the record").await;
        browser
            .expect_main(&format!(
                "Added 1 apple to the cart inside the session record: it holds {apples} now."
            ))
            .await;
        browser.press("Add 1 apple to the table").await;
        browser
            .expect_main(&format!(
                "Added 1 apple to the cart in its own table: it holds {apples} now."
            ))
            .await;
    }
    let rows = browser.table_rows().await;
    assert_eq!(rows.len(), 2, "{rows:?}");
    assert!(rows.iter().all(|row| row[1] == "2"), "{rows:?}");
    // The cart inside the record is the shop's cart.
    browser.click_link("Display Items").await;
    assert_eq!(browser.table_rows().await, [["apple", "2"]]);
}

/// `just screenshots`: the shop's cart on SQLite, the same cart on a second
/// instance, and the race lab. They use the chapter's default file,
/// `target/chapter-11-sessions.sqlite3`, as the book's steps do, emptied
/// first: a new file's sessions get the predictable ids 1, 2, 3…
pub async fn screenshots(e2e: &E2e, dir: &Path) -> Vec<PathBuf> {
    course_kit::use_predictable_ids_for_screenshots();
    let default = ::chapter_11::SQLITE.name;
    let file = Settings::defaults(&::chapter_11::CHAPTER)
        .text(default)
        .unwrap_or_default()
        .to_string();
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{file}{suffix}"));
    }
    let mut saved = Vec::new();
    let b = e2e.browser(app(&[]).await, Cookies::Allowed).await;
    b.open("/addItem/").await;
    add_item(&b, "apple", "2").await;
    b.expect_main("You now have 2.").await;
    saved.push(b.screenshot(dir, "chapter-11-add-item").await);

    let second = e2e.serve(app(&["--port", "3012"]).await).await;
    b.open_at(&second, "/displayItems/").await;
    b.expect_main("Served by the instance on port 3012.").await;
    saved.push(b.screenshot(dir, "chapter-11-second-instance").await);

    b.open("/race/").await;
    for button in ["Add 1 apple to the record", "Add 1 apple to the table"] {
        b.press(button).await;
    }
    b.expect_main("in its own table: it holds 1 now.").await;
    saved.push(b.screenshot(dir, "chapter-11-race-lab").await);
    saved
}
