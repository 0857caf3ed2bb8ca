//! Where the chapter's secret key comes from: a file, or a new one made at
//! start-up. It is its own file because none of it is about cookies: it is
//! what any server does with a secret it must keep (Django's `SECRET_KEY`).
//!
//! The key is 64 random bytes. tower-cookies uses the first 32 to sign
//! (HMAC-SHA256) and the other 32 to encrypt (AES-256-GCM). Whoever has it
//! can sign any value this server would believe, so it never appears on a
//! page, in a log or in the repository.

use std::{ffi::OsString, fs::File, io::Read, path::Path};

use course_kit::{CliOption, OptionValue, Settings};
use tower_cookies::Key;

/// `--key-file PATH`: where a key that survives restarts is kept.
pub const KEY_FILE: CliOption = CliOption {
    name: "--key-file",
    value: OptionValue::Text {
        placeholder: "PATH",
        default: None,
    },
    help: "read the 64-byte secret key from this file (or set CHAPTER8_KEY_FILE to its path); \
           without one, a new key is made at every start, and a restart invalidates every cookie",
};

/// `--old-key-file PATH`: the key before the last rotation.
pub const OLD_KEY_FILE: CliOption = CliOption {
    name: "--old-key-file",
    value: OptionValue::Text {
        placeholder: "PATH",
        default: None,
    },
    help: "a previous key: its cookies are still accepted, and signed again with the current key \
           (key rotation, like Django's SECRET_KEY_FALLBACKS)",
};

/// The environment variable that names the key file, for a server started
/// by a script or a service manager rather than by hand.
pub const KEY_FILE_VARIABLE: &str = "CHAPTER8_KEY_FILE";

/// The size of a key file: exactly what `cookie::Key` is made of.
pub const KEY_LENGTH: usize = 64;

/// Where this run's key came from. The pages say it, because it decides
/// what a restart does to every cookie.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum KeySource {
    /// Made at start-up: it dies with the process.
    Generated,
    /// Read from a file named by `--key-file` or the variable.
    File,
}

/// The keys this server signs and encrypts with.
pub struct Keys {
    /// Signs and encrypts every cookie this server sets, and checks them.
    pub current: Key,
    /// Only checks: a cookie it opens is accepted, then set again under the
    /// current key, so that the old key can be retired a little later.
    pub previous: Option<Key>,
    pub source: KeySource,
}

// ANCHOR: keys
impl Keys {
    /// The keys the command line and the environment ask for. An unreadable
    /// or wrong-sized file is an error that stops the start, never a panic.
    pub fn from_settings(settings: &Settings) -> Result<Self, String> {
        let variable = std::env::var_os(KEY_FILE_VARIABLE);
        let (current, source) = match key_file(settings.text(KEY_FILE.name), variable) {
            Some(path) => (read_key(Path::new(&path))?, KeySource::File),
            // The operating system's random source, through the `cookie`
            // crate. A machine without one gets a message, not a panic.
            None => (
                Key::try_generate().ok_or("the operating system gave no random bytes for a key")?,
                KeySource::Generated,
            ),
        };
        let previous = match settings.text(OLD_KEY_FILE.name) {
            Some(path) => Some(read_key(Path::new(path))?),
            None => None,
        };
        Ok(Self {
            current,
            previous,
            source,
        })
    }
}

/// The key file to read, if any: the command line wins over the variable.
pub fn key_file(given: Option<&str>, variable: Option<OsString>) -> Option<OsString> {
    match given {
        Some(path) => Some(OsString::from(path)),
        None => variable.filter(|path| !path.is_empty()),
    }
}

/// Reads a key file: exactly 64 bytes, as `head -c 64 /dev/urandom` writes them.
pub fn read_key(path: &Path) -> Result<Key, String> {
    let shown = path.display();
    // One byte more than a key at most, so that a wrong path such as
    // `/dev/urandom` or a large file is an error, not a server that hangs.
    let mut bytes = Vec::new();
    File::open(path)
        .and_then(|file| file.take(KEY_LENGTH as u64 + 1).read_to_end(&mut bytes))
        .map_err(|error| format!("cannot read the key file {shown}: {error}"))?;
    if bytes.len() != KEY_LENGTH {
        let size = match bytes.len() {
            size if size > KEY_LENGTH => format!("more than {KEY_LENGTH}"),
            size => size.to_string(),
        };
        return Err(format!(
            "the key file {shown} holds {size} bytes; a key is exactly {KEY_LENGTH} random bytes. \
             Make one with: head -c {KEY_LENGTH} /dev/urandom > {shown}"
        ));
    }
    Key::try_from(bytes.as_slice()).map_err(|error| format!("the key file {shown}: {error}"))
}
// ANCHOR_END: keys

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_command_line_wins_over_the_variable() {
        let variable = || Some(OsString::from("/from/variable"));
        assert_eq!(key_file(Some("/given"), variable()), Some("/given".into()));
        assert_eq!(key_file(None, variable()), Some("/from/variable".into()));
        assert_eq!(
            key_file(None, Some(OsString::new())),
            None,
            "empty is unset"
        );
        assert_eq!(key_file(None, None), None);
    }

    #[test]
    fn a_key_file_must_hold_exactly_64_bytes() {
        let dir = std::env::temp_dir();
        let path =
            |name: &str| dir.join(format!("chapter-8-key-test-{}-{name}", std::process::id()));

        let good = path("good");
        std::fs::write(&good, [7u8; KEY_LENGTH]).unwrap();
        assert!(read_key(&good).is_ok());

        for (name, size, said) in [
            ("short", 63, "63"),
            ("long", 65, "more than 64"),
            ("empty", 0, "0"),
        ] {
            let bad = path(name);
            std::fs::write(&bad, vec![7u8; size]).unwrap();
            let error = read_key(&bad).err().unwrap();
            assert!(error.contains(&format!("holds {said} bytes")), "{error}");
            assert!(error.contains("head -c 64 /dev/urandom"), "{error}");
            std::fs::remove_file(bad).unwrap();
        }
        std::fs::remove_file(good).unwrap();

        // A file that never ends is read no further than one byte past a key.
        #[cfg(unix)]
        {
            let endless = read_key(Path::new("/dev/zero")).err().unwrap();
            assert!(endless.contains("holds more than 64 bytes"), "{endless}");
        }

        let missing = read_key(&path("missing")).err().unwrap();
        assert!(missing.starts_with("cannot read the key file"), "{missing}");
    }
}
