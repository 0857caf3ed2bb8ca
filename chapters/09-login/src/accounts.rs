//! The chapter's two demo accounts, and checking a password against them.
//!
//! The server keeps no password, only a **password hash**: the output of
//! Argon2, a function made to be slow and to need memory, so that someone
//! who steals the hashes must spend that time and memory on every guess.
//! Each hash is a PHC string that carries its own parameters and salt:
//!
//! ```text
//! $argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>
//! ```
//!
//! (19 MiB of memory, 2 passes, 1 lane: OWASP's minimum for Argon2id, and
//! the defaults of the `argon2` crate.) The hashes below were made once with
//! `password_auth::generate_hash("wonderland")` and pasted in, so that not
//! even this source file holds a password; the login page lists the demo
//! passwords for the class, and a unit test checks that they still match.

use password_auth::verify_password;

/// One account: an id that never changes, a name, and the hash of its
/// password. The session stores only the id.
#[derive(Debug)]
pub struct Account {
    pub id: u32,
    pub name: &'static str,
    password_hash: &'static str,
}

/// The demo accounts. A real site keeps these in a database table.
pub const ACCOUNTS: [Account; 2] = [
    Account {
        id: 1,
        name: "alice",
        password_hash: "$argon2id$v=19$m=19456,t=2,p=1$ShpSjhycHuUxq/gh/wl7Cw$o8GbW/QFD9ZIAp/nSNYdtVUb8ZrzVhaQWvoS4Sqc6QE",
    },
    Account {
        id: 2,
        name: "bob",
        password_hash: "$argon2id$v=19$m=19456,t=2,p=1$xJjxIsxWwW+FrByn8QEaCA$pS4au9akwUc2sFiopLGKOnNY/lS3yfqd+oo3DYdNqM0",
    },
];

/// The demo passwords, as the login page shows them to the class. The
/// server never uses these: it checks what was typed against the hashes.
pub const DEMO_PASSWORDS: [(&str, &str); 2] = [("alice", "wonderland"), ("bob", "builder")];

/// The hash of a password no account has, made with the same parameters.
/// A login for a username that does not exist is checked against it, so
/// that it costs the same time as a wrong password for one that does: the
/// time an answer takes must not say which usernames exist.
const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$rhjHBMvN1qPQWVNZirToNw$cVRG5NMLvednoIE0fXu8A7+9YoQ2oj5Bg/FlC9o932I";

/// The account with this id: how each request turns the session's
/// `user_id` back into a name.
pub fn by_id(id: u32) -> Option<&'static Account> {
    ACCOUNTS.iter().find(|account| account.id == id)
}

// ANCHOR: authenticate
/// The account whose name and password these are, if any.
///
/// Exactly one hash is checked whatever was typed: the account's, or the
/// dummy one for an unknown name. Argon2 takes tens of milliseconds of CPU,
/// and the chapter's server runs on one thread, so the check runs on
/// tokio's pool of blocking threads, and other requests are served
/// meanwhile.
pub async fn authenticate(username: &str, password: &str) -> Option<&'static Account> {
    let account = ACCOUNTS.iter().find(|account| account.name == username);
    let hash = account.map_or(DUMMY_HASH, |account| account.password_hash);
    let password = password.to_string();
    let matches = tokio::task::spawn_blocking(move || verify_password(password, hash).is_ok())
        .await
        // A check that could not finish is a failed login, not a crash.
        .unwrap_or(false);
    account.filter(|_| matches)
}
// ANCHOR_END: authenticate

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_demo_passwords_match_their_hashes_and_nothing_else_does() {
        for (name, password) in DEMO_PASSWORDS {
            let account = authenticate(name, password).await.expect(name);
            assert_eq!(account.name, name);
            assert!(authenticate(name, "wrong").await.is_none());
        }
        assert!(
            authenticate("alice", "builder").await.is_none(),
            "bob's password is not alice's"
        );
        assert!(authenticate("carol", "wonderland").await.is_none());
        assert!(authenticate("", "").await.is_none());
    }

    #[test]
    fn only_hashes_are_stored_all_with_the_same_parameters() {
        const PARAMETERS: &str = "$argon2id$v=19$m=19456,t=2,p=1$";
        for account in &ACCOUNTS {
            assert!(
                account.password_hash.starts_with(PARAMETERS),
                "{}",
                account.name
            );
            for (_, password) in DEMO_PASSWORDS {
                assert!(!account.password_hash.contains(password));
            }
        }
        // The dummy hash costs what a real one costs.
        assert!(DUMMY_HASH.starts_with(PARAMETERS));
        assert!(verify_password("no account has this password", DUMMY_HASH).is_ok());
    }

    #[test]
    fn ids_find_accounts() {
        assert_eq!(by_id(1).map(|a| a.name), Some("alice"));
        assert_eq!(by_id(2).map(|a| a.name), Some("bob"));
        assert!(by_id(0).is_none() && by_id(3).is_none());
    }
}
