//! Chapter 8: the signed count goes 1, 2, 3 and stays readable; an edited,
//! forged or foreign cookie is refused, and the page says so; the private
//! count cannot be read and is refused the same way; an old cookie, replayed,
//! takes the count back, and the stamped counter refuses it once it is too
//! old; a restart without a key file invalidates every cookie, a key file
//! keeps them, and a rotated key still opens the old ones; and the attack lab
//! (`--no-verify`) believes an edited count, and says so on every page.

use std::{
    sync::OnceLock,
    time::{Duration, SystemTime, UNIX_EPOCH},
};

use axum::{
    body::Body,
    http::{HeaderValue, Request, header},
};
use chapter_8::{CHAPTER, COUNT_COOKIE, PRIVATE_COOKIE, STAMPED_COOKIE, app, without_signature};
use course_kit::Settings;
use session_course::{Exchange, Site, answer, snapshot};

/// The three counters: their page and their cookie.
const COUNTERS: [(&str, &str); 3] = [
    ("/signed/", COUNT_COOKIE),
    ("/private/", PRIVATE_COOKIE),
    ("/stamped/", STAMPED_COOKIE),
];

/// A key file, written once per test run: 64 bytes counting up from `first`.
/// A fixed key makes every signature, and so every snapshot, the same on
/// every run. (A real key is random: `head -c 64 /dev/urandom`.)
fn key_file(cell: &'static OnceLock<String>, name: &str, first: u8) -> &'static str {
    cell.get_or_init(|| {
        let path = std::env::temp_dir().join(format!("chapter-8-test-key-{name}"));
        // Written beside it and renamed, so that another test run reading the
        // same path at the same moment never sees half a key.
        let partial = path.with_extension(std::process::id().to_string());
        let bytes: Vec<u8> = (0..64).map(|i| first.wrapping_add(i)).collect();
        std::fs::write(&partial, bytes).unwrap();
        std::fs::rename(&partial, &path).unwrap();
        path.to_str().unwrap().to_string()
    })
}

/// The key the tests sign with: bytes 0 to 63.
fn test_key() -> &'static str {
    static KEY: OnceLock<String> = OnceLock::new();
    key_file(&KEY, "a", 0)
}

/// Another key, for restarts and rotation: bytes 100 to 163.
fn other_key() -> &'static str {
    static KEY: OnceLock<String> = OnceLock::new();
    key_file(&KEY, "b", 100)
}

/// The chapter with the test key and these options.
async fn site(options: &[&str]) -> Site {
    let mut args = vec!["--key-file", test_key()];
    args.extend_from_slice(options);
    Site::start_with(CHAPTER, app, &args).await
}

fn says_count(page: &Exchange, count: u64) -> bool {
    page.main_text()
        .contains(&format!("You have visited this page {count} times"))
}

/// Whether the page shows a notice: why the count started again, say.
fn has_notice(page: &Exchange) -> bool {
    page.body.contains(r#"<p class="notice" role="alert">"#)
}

/// A private value is encrypted under a random nonce, so it differs on every
/// run, even with a fixed key. Each distinct one gets a numbered label, as
/// the test browser does for session ids.
fn redact_private(text: &str) -> String {
    let marker = format!("{PRIVATE_COOKIE}=");
    let is_base64 = |c: char| c.is_ascii_alphanumeric() || "+/=".contains(c);
    let mut seen: Vec<String> = Vec::new();
    let (mut out, mut rest) = (String::new(), text);
    while let Some(at) = rest.find(&marker) {
        out.push_str(&rest[..at + marker.len()]);
        rest = &rest[at + marker.len()..];
        let end = rest.find(|c| !is_base64(c)).unwrap_or(rest.len());
        let number = match seen.iter().position(|known| known == &rest[..end]) {
            Some(index) => index + 1,
            None => {
                seen.push(rest[..end].to_string());
                seen.len()
            }
        };
        out.push_str(&format!("[private value {number}]"));
        rest = &rest[end..];
    }
    out + rest
}

#[tokio::test]
async fn the_signed_count_goes_up_and_stays_readable() {
    let mut browser = site(&[]).await.browser();
    for expected in 1..=3u64 {
        let page = browser.get("/signed/").await;
        assert_eq!(page.status, 200);
        assert!(says_count(&page, expected), "{}", page.main_text());
        assert!(
            page.main_text()
                .contains("This server read its key from a key file")
        );
        // Signed is not secret: 44 characters of signature, then the count.
        let cookie = browser.cookie(COUNT_COOKIE).unwrap();
        assert_eq!(cookie.len(), 44 + 1);
        assert_eq!(without_signature(cookie), expected.to_string());
        let set = page.set_cookie(COUNT_COOKIE).unwrap();
        assert!(set.ends_with("; HttpOnly; SameSite=Lax; Path=/"), "{set}");
        // The wire inspector takes it apart.
        assert!(
            page.inspector_text()
                .contains(&format!("Then its value, readable by anyone: {expected}.")),
            "{}",
            page.inspector_text()
        );
        snapshot!(format!("signed_{expected}"), page.snapshot());
        if expected == 2 {
            // The whole page: the inspector shows the cookie sent and the
            // one set, each split into its signature and its value.
            snapshot!("full_page", page.full_snapshot());
        }
    }
}

#[tokio::test]
async fn an_edited_or_forged_count_is_refused_and_the_page_says_why() {
    let mut browser = site(&[]).await.browser();
    browser.get("/signed/").await;
    let first = browser.cookie(COUNT_COOKIE).unwrap().to_string();
    browser.get("/signed/").await;
    let genuine = browser.cookie(COUNT_COOKIE).unwrap().to_string();
    let signature = &genuine[..44];
    let mut other_signature = signature.to_string();
    other_signature.replace_range(..1, if signature.starts_with('A') { "B" } else { "A" });

    let forgeries = [
        // The learner's edit in the developer tools: the number only.
        format!("{signature}999"),
        // A count with no signature at all, as chapter 3 set it.
        "999".to_string(),
        // A made-up signature in front of the count.
        format!("{other_signature}2"),
        // Chapter 3's cookie, arriving here from another port of 127.0.0.1.
        "5".to_string(),
    ];
    for (i, forged) in forgeries.iter().enumerate() {
        browser.set_cookie(COUNT_COOKIE, forged);
        let page = browser.get("/signed/").await;
        assert_eq!(page.status, 200);
        assert!(says_count(&page, 1), "{forged}: {}", page.main_text());
        assert!(
            page.main_text().contains(
                "Your browser sent a count cookie whose signature does not match its value"
            ),
            "{forged}"
        );
        // The count restarts with a genuine cookie: the same value under the
        // same key always gets the same signature.
        assert_eq!(browser.cookie(COUNT_COOKIE), Some(first.as_str()));
        if i == 0 {
            snapshot!("signed_edited", page.snapshot());
        }
    }
}

/// The attack lab: the same edited cookie, with the signature check on and
/// off. This test fails if the check is taken out of `open_signed`.
#[tokio::test]
async fn the_lab_believes_an_edited_count_only_with_the_check_off() {
    for check_off in [false, true] {
        let options: &[&str] = if check_off { &["--no-verify"] } else { &[] };
        let site = site(options).await;
        let mut browser = site.browser();
        browser.get("/signed/").await;
        let genuine = browser.cookie(COUNT_COOKIE).unwrap().to_string();
        for edited in [format!("{}999", &genuine[..44]), "999".to_string()] {
            browser.set_cookie(COUNT_COOKIE, &edited);
            let page = browser.get("/signed/").await;
            let believed = says_count(&page, 1000);
            assert_eq!(believed, check_off, "count={edited}: {}", page.main_text());
            assert_eq!(!says_count(&page, 1), check_off);
            if check_off && edited == "999" {
                snapshot!("lab_believed", page.snapshot());
            }
        }
        // The stamped counter is only as good as its signature: with the
        // check off, a made-up stamp is believed too.
        browser.set_cookie(STAMPED_COOKIE, &format!("999:{}", now()));
        let page = browser.get("/stamped/").await;
        assert_eq!(says_count(&page, 1000), check_off);
        // The private counter cannot be read without decrypting: it still checks.
        browser.set_cookie(PRIVATE_COOKIE, "999");
        let page = browser.get("/private/").await;
        assert!(says_count(&page, 1));
        // Every page says, loudly, whether the defence is off.
        for (path, _) in COUNTERS {
            let page = site.browser().get(path).await;
            let warned = page.main_text().starts_with(
                "Defence off: the signature check (--no-verify). /signed/ and /stamped/ read their cookie",
            );
            assert_eq!(warned, check_off, "{path}: {}", page.main_text());
        }
    }
}

#[tokio::test]
async fn the_private_count_is_unreadable_and_refused_when_changed() {
    let mut browser = site(&[]).await.browser();
    let mut page = browser.get("/private/").await;
    for expected in 1..=2u64 {
        if expected > 1 {
            page = browser.get("/private/").await;
        }
        assert!(says_count(&page, expected), "{}", page.main_text());
        // Base64 of a 12-byte nonce, 1 byte of encrypted count, a 16-byte
        // tag: 29 bytes, 40 characters. The count itself is not in it.
        let cookie = browser.cookie(PRIVATE_COOKIE).unwrap();
        assert_eq!(cookie.len(), 40, "{cookie}");
        assert!(
            page.inspector_text()
                .contains("12-byte nonce, 1 byte of encrypted value, and a 16-byte tag"),
            "{}",
            page.inspector_text()
        );
    }
    snapshot!("private_2", redact_private(&page.snapshot()));

    // Change one character, as a learner would in the developer tools.
    let mut changed = browser.cookie(PRIVATE_COOKIE).unwrap().to_string();
    let replacement = if changed.starts_with('A') { "B" } else { "A" };
    changed.replace_range(..1, replacement);
    // And a signed value, which is no encrypted value.
    let signed = format!("{}3", "A".repeat(44));
    for bad in [changed, signed, "3".to_string(), String::new()] {
        browser.set_cookie(PRIVATE_COOKIE, &bad);
        let page = browser.get("/private/").await;
        assert!(says_count(&page, 1), "{bad}");
        assert!(
            page.main_text()
                .contains("does not decrypt with this server's key"),
            "{bad}: {}",
            page.main_text()
        );
        if bad.len() == 40 {
            snapshot!("private_changed", redact_private(&page.snapshot()));
        }
    }
}

/// Signing proves who wrote a value, not when: an old copy, sent back, is
/// still genuine. This holds for all three counters within `/stamped/`'s
/// window, which is the honest limit of a stamp.
#[tokio::test]
async fn a_replayed_cookie_takes_the_count_back() {
    for (path, cookie) in COUNTERS {
        let mut browser = site(&[]).await.browser();
        browser.get(path).await;
        browser.get(path).await;
        let second = browser.cookie(cookie).unwrap().to_string();
        browser.get(path).await;
        let third = browser.cookie(cookie).unwrap().to_string();
        let fourth = browser.get(path).await;
        assert!(says_count(&fourth, 4), "{path}");

        browser.set_cookie(cookie, &second);
        let replayed = browser.get(path).await;
        assert!(says_count(&replayed, 3), "{path}: {}", replayed.main_text());
        assert!(!has_notice(&replayed), "{path}: {}", replayed.main_text());
        if path == "/signed/" {
            // The same value under the same key gets the same signature:
            // the replayed visit is, byte for byte, visit 3 again.
            assert_eq!(browser.cookie(cookie), Some(third.as_str()));
        }
    }
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// The remedy, and the attack's test: with `--max-age 1`, the copy of visit
/// 2, sent back two seconds later, is refused. This test fails if the age
/// check is taken out of `unstamped`.
#[tokio::test]
async fn the_stamped_counter_refuses_a_copy_once_it_is_too_old() {
    let mut browser = site(&["--max-age", "1"]).await.browser();
    let first = browser.get("/stamped/").await;
    assert!(says_count(&first, 1));
    assert!(
        first
            .main_text()
            .contains("The server refuses a value it signed more than 1 second ago.")
    );
    let second = browser.get("/stamped/").await;
    assert!(says_count(&second, 2));
    // The signed value is `count:time`, readable, and the time is now.
    let copy = browser.cookie(STAMPED_COOKIE).unwrap().to_string();
    let (count, issued) = without_signature(&copy).split_once(':').unwrap();
    assert_eq!(count, "2");
    assert!(now().abs_diff(issued.parse().unwrap()) <= 5, "{issued}");

    tokio::time::sleep(Duration::from_millis(2100)).await;
    browser.set_cookie(STAMPED_COOKIE, &copy);
    let replayed = browser.get("/stamped/").await;
    assert!(says_count(&replayed, 1), "{}", replayed.main_text());
    let text = replayed.main_text();
    assert!(
        text.contains("Your stamped_count cookie is genuine, but this server signed it")
            && text.contains("seconds ago, more than the 1 it accepts"),
        "{text}"
    );
}

/// tower-cookies signs the value alone, not the cookie's name, so a value
/// signed for `count` also verifies as `stamped_count`. It has no stamp, so
/// it is refused; Django ties a signature to the name (its salt).
#[tokio::test]
async fn another_counters_signed_value_is_no_stamped_value() {
    let mut browser = site(&[]).await.browser();
    browser.get("/signed/").await;
    let signed_count = browser.cookie(COUNT_COOKIE).unwrap().to_string();
    browser.set_cookie(STAMPED_COOKIE, &signed_count);
    let page = browser.get("/stamped/").await;
    assert!(says_count(&page, 1));
    assert!(
        page.main_text().contains(
            r#"Your stamped_count cookie holds "1", which is not a count this page writes"#
        ),
        "{}",
        page.main_text()
    );
}

/// Visits every counter twice, and returns the three cookies.
async fn cookies_after_two_visits(site: &Site) -> Vec<(&'static str, &'static str, String)> {
    let mut browser = site.browser();
    let mut cookies = Vec::new();
    for (path, name) in COUNTERS {
        browser.get(path).await;
        let page = browser.get(path).await;
        assert!(says_count(&page, 2), "{path}");
        cookies.push((path, name, browser.cookie(name).unwrap().to_string()));
    }
    cookies
}

/// Two starts without a key file are two keys: what a restart does.
#[tokio::test]
async fn a_restart_without_a_key_file_invalidates_every_cookie() {
    let before = Site::start(CHAPTER, app).await;
    let cookies = cookies_after_two_visits(&before).await;
    let after_restart = Site::start(CHAPTER, app).await;
    let mut browser = after_restart.browser();
    for (path, name, value) in cookies {
        browser.set_cookie(name, &value);
        let page = browser.get(path).await;
        assert!(says_count(&page, 1), "{path}: {}", page.main_text());
        let refused = ["signature does not match", "does not decrypt"];
        assert!(
            refused.iter().any(|why| page.main_text().contains(why)),
            "{path}"
        );
        assert!(
            page.main_text()
                .contains("This server made its key when it started")
        );
    }
}

#[tokio::test]
async fn a_key_file_keeps_every_cookie_across_a_restart() {
    let before = site(&[]).await;
    let cookies = cookies_after_two_visits(&before).await;
    let after_restart = site(&[]).await;
    let mut browser = after_restart.browser();
    for (path, name, value) in cookies {
        browser.set_cookie(name, &value);
        let page = browser.get(path).await;
        assert!(says_count(&page, 3), "{path}: {}", page.main_text());
    }
}

/// Rotation: the new key signs, the old one only opens, until it is retired.
#[tokio::test]
async fn a_rotated_key_opens_old_cookies_and_makes_them_again() {
    let old = site(&[]).await;
    let cookies = cookies_after_two_visits(&old).await;
    let rotating = Site::start_with(
        CHAPTER,
        app,
        &["--key-file", other_key(), "--old-key-file", test_key()],
    )
    .await;
    let retired = Site::start_with(CHAPTER, app, &["--key-file", other_key()]).await;

    for (path, name, old_value) in cookies {
        let mut browser = rotating.browser();
        browser.set_cookie(name, &old_value);
        let page = browser.get(path).await;
        assert!(says_count(&page, 3), "{path}: {}", page.main_text());
        assert!(
            page.main_text()
                .contains("was made with the previous key. It is accepted"),
            "{path}"
        );
        assert!(page.main_text().contains("the key is being rotated"));
        let new_value = browser.cookie(name).unwrap().to_string();

        // Once the old key is retired, only the cookies made again count.
        let mut late = retired.browser();
        late.set_cookie(name, &old_value);
        assert!(says_count(&late.get(path).await, 1), "{path}: old key");
        late.set_cookie(name, &new_value);
        assert!(says_count(&late.get(path).await, 4), "{path}: new key");
    }
}

#[tokio::test]
async fn a_key_file_of_the_wrong_size_stops_the_start_with_a_message() {
    let short = std::env::temp_dir().join(format!("chapter-8-test-short-{}", std::process::id()));
    std::fs::write(&short, [1u8; 10]).unwrap();
    for (path, expected) in [
        (
            short.to_str().unwrap(),
            "holds 10 bytes; a key is exactly 64 random bytes",
        ),
        (
            "/nonexistent/chapter-8.key",
            "cannot read the key file /nonexistent/chapter-8.key",
        ),
    ] {
        let args = ["--key-file", path].map(String::from);
        let settings = Settings::parse(&CHAPTER, args, None).unwrap();
        match app(settings).await {
            Ok(_) => panic!("{path}: the chapter started"),
            Err(message) => assert!(message.contains(expected), "{message}"),
        }
    }
    std::fs::remove_file(short).unwrap();
}

/// What no browser of a learner sends: every answer is the counter's page,
/// starting again at 1 where the cookie cannot be used, with the markup escaped.
#[tokio::test]
async fn hostile_cookies_never_break_a_page() {
    let signature = "A".repeat(44);
    let values = [
        String::new(),
        "=".into(),
        "abc".into(),
        "<script>alert(1)</script>".into(),
        signature.clone(),
        format!("{signature}<b>1</b>"),
        format!("{signature}18446744073709551615"),
        format!("{signature}1:2:3"),
        format!("a{}", "é".repeat(30)),
        "%FF%FE".into(),
        "AAAA====".into(),
        "x".repeat(4000),
    ];
    for check_off in [false, true] {
        let options: &[&str] = if check_off { &["--no-verify"] } else { &[] };
        let site = site(options).await;
        for (path, name) in COUNTERS {
            for value in &values {
                let mut browser = site.browser();
                browser.set_cookie(name, value);
                let page = browser.get(path).await;
                assert_eq!(page.status, 200, "{path} {name}={value}");
                assert!(
                    says_count(&page, 1),
                    "{path} {name}={value}: {}",
                    page.main_text()
                );
                assert!(!page.body.contains("<script>") && !page.body.contains("<b>1"));
            }
        }
    }
    // A Cookie header that is not UTF-8: the server's cookie parser skips
    // it, so each counter starts at 1, and the inspector says so.
    let site = site(&[]).await;
    for (path, _) in COUNTERS {
        let cookie =
            HeaderValue::from_bytes(b"count=\xff1; private_count=\xc3; stamped_count=\xfe")
                .unwrap();
        let request = Request::builder()
            .uri(path)
            .header(header::COOKIE, cookie)
            .body(Body::empty())
            .unwrap();
        let answer = answer(site.router(), request).await;
        assert_eq!(answer.status, 200, "{path}");
        assert!(answer.body.contains("You have visited this page 1 times"));
        assert!(answer.body.contains("The server cannot read"));
    }
}

#[tokio::test]
async fn the_start_page_is_the_signed_counter() {
    let mut browser = site(&[]).await.browser();
    assert_eq!(browser.get("/").await.location(), Some("/signed/"));
    assert_eq!(browser.get("/stamped").await.location(), Some("/stamped/"));
}

/// The book's "as curl sees it" section: the signed counter's visits, a
/// replayed cookie, an edited one; then the private counter, whose value
/// nobody can read. (The tests sign with a fixed key, bytes 0 to 63, so the
/// signatures are the same on every run; a server you start makes its own.)
#[tokio::test]
async fn transcript() {
    let mut browser = site(&[]).await.browser();
    let mut text = Vec::new();
    let mut copy = String::new();
    for visit in 1..=3 {
        let page = browser.get("/signed/").await;
        text.push(page.transcript(&["You have visited"]));
        if visit == 2 {
            copy = browser.cookie(COUNT_COOKIE).unwrap().to_string();
        }
    }
    browser.set_cookie(COUNT_COOKIE, &copy);
    let replayed = browser.get("/signed/").await;
    assert!(says_count(&replayed, 3));
    text.push(format!(
        "# Visit 2's cookie, kept and sent again (a replay):\n{}",
        replayed.transcript(&["You have visited"])
    ));
    browser.set_cookie(COUNT_COOKIE, &format!("{}999", &copy[..44]));
    let edited = browser.get("/signed/").await;
    assert!(says_count(&edited, 1));
    text.push(format!(
        "# The count edited by hand to 999, the signature kept:\n{}",
        edited.transcript(&["does not match", "You have visited"])
    ));
    for _ in 0..2 {
        let private = browser.get("/private/").await;
        text.push(private.transcript(&["You have visited"]));
    }
    let text = redact_private(&text.join("\n"));
    snapshot!("transcript", text);
}

/// The request log's lines that the book's "Try it" steps quote, one
/// snapshot per step (`log_1` is step 1), from the kit's own code.
#[tokio::test]
async fn log_lines() {
    let mut browser = site(&[]).await.browser();
    // 1. The first visit: a signed count of 1.
    let first = browser.get("/signed/").await;
    snapshot!("log_1", first.book_log_line());
    // 2. A reload: the signed 1 goes back, a signed 2 comes.
    let second = browser.get("/signed/").await;
    assert!(says_count(&second, 2));
    snapshot!("log_2", second.book_log_line());
    // 3. The number edited by hand: refused, a signed 1 again.
    let copy = browser.cookie(COUNT_COOKIE).unwrap().to_string();
    browser.set_cookie(COUNT_COOKIE, &format!("{}999", &copy[..44]));
    let edited = browser.get("/signed/").await;
    assert!(says_count(&edited, 1));
    snapshot!("log_3", edited.book_log_line());
    // 4. Two reloads later, the copy of visit 2 sent back: the count goes back.
    browser.get("/signed/").await;
    browser.get("/signed/").await;
    browser.set_cookie(COUNT_COOKIE, &copy);
    let replayed = browser.get("/signed/").await;
    assert!(says_count(&replayed, 3));
    snapshot!("log_4", replayed.book_log_line());
    for line in [first, second, edited, replayed]
        .iter()
        .map(Exchange::book_log_line)
    {
        assert!(line.lines().all(|part| part.len() <= 80), "{line}");
    }
}
