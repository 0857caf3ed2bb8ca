//! The command line: `--port`, `--host`, and the options a chapter declares
//! for itself (such as `--session-expiry SECONDS`), read once at start-up
//! into [`Settings`].
//!
//! Every value is checked here, before the server starts, so that a typo
//! gets a one-line error and the usage text instead of a server that
//! misbehaves later. A chapter then reads its options with
//! [`Settings::flag`], [`Settings::seconds`], [`Settings::text`] or
//! [`Settings::choice`], which cannot fail.

use std::{collections::BTreeMap, time::Duration};

use crate::Chapter;

/// One command-line option a chapter declares in its [`Chapter`].
#[derive(Debug, Clone, Copy)]
pub struct CliOption {
    /// The option as typed, e.g. `"--session-expiry"`.
    pub name: &'static str,
    pub value: OptionValue,
    /// One line for `--help`.
    pub help: &'static str,
}

/// What an option takes, and its value when it is not given.
#[derive(Debug, Clone, Copy)]
pub enum OptionValue {
    /// A switch with no value, off unless given: `--no-rotate`.
    Flag,
    /// A whole number of seconds, at least 1: `--session-expiry 300`.
    Seconds { default: u64 },
    /// Free text, such as a file path or a URL: `--sqlite PATH`.
    Text {
        placeholder: &'static str,
        default: Option<&'static str>,
    },
    /// One of a few words: `--store sqlite|redis|memory`.
    OneOf {
        values: &'static [&'static str],
        default: &'static str,
    },
}

/// What the command line asked for: where to listen, and the chapter's
/// own options.
#[derive(Debug, Clone)]
pub struct Settings {
    pub host: String,
    pub port: u16,
    options: &'static [CliOption],
    /// The options given on the command line, by name.
    given: BTreeMap<&'static str, String>,
}

impl Settings {
    /// The settings a chapter runs with when nothing is given: what the
    /// tests use.
    pub fn defaults(chapter: &Chapter) -> Self {
        Self {
            host: "127.0.0.1".to_string(),
            port: chapter.default_port(),
            options: chapter.options,
            given: BTreeMap::new(),
        }
    }

    /// Reads `--port`, `--host`, the chapter's own options, and the `PORT`
    /// variable (the command line wins over `PORT`). An empty error means
    /// `--help` was asked for.
    pub fn parse(
        chapter: &Chapter,
        args: impl IntoIterator<Item = String>,
        port_variable: Option<String>,
    ) -> Result<Self, String> {
        let mut settings = Self::defaults(chapter);
        if let Some(text) = port_variable {
            settings.port = parse_port(&text).map_err(|e| format!("PORT: {e}"))?;
        }
        let mut args = args.into_iter();
        while let Some(arg) = args.next() {
            match arg.as_str() {
                "--port" => {
                    let value = args.next().ok_or("--port needs a number")?;
                    settings.port = parse_port(&value)?;
                }
                "--host" => settings.host = args.next().ok_or("--host needs an address")?,
                "--help" | "-h" => return Err(String::new()),
                other => {
                    let option = chapter
                        .options
                        .iter()
                        .find(|option| option.name == other)
                        .ok_or_else(|| format!("unknown option '{other}'"))?;
                    let value = match option.value {
                        OptionValue::Flag => String::new(),
                        _ => args
                            .next()
                            .ok_or_else(|| format!("{other} needs a value"))?,
                    };
                    check(option, &value)?;
                    settings.given.insert(option.name, value);
                }
            }
        }
        Ok(settings)
    }

    /// The same settings with one more option given, as if typed on the
    /// command line; for tests that switch a chapter's option on.
    pub fn with(mut self, name: &str, value: &str) -> Result<Self, String> {
        let option = self.option(name);
        check(option, value)?;
        self.given.insert(option.name, value.to_string());
        Ok(self)
    }

    /// Whether a `Flag` option was given.
    pub fn flag(&self, name: &str) -> bool {
        self.option(name);
        self.given.contains_key(name)
    }

    /// A `Seconds` option's value.
    pub fn seconds(&self, name: &str) -> Duration {
        let OptionValue::Seconds { default } = self.option(name).value else {
            panic!("{name} is not declared as a Seconds option");
        };
        let seconds = self
            .given
            .get(name)
            .and_then(|text| text.parse().ok())
            .unwrap_or(default);
        Duration::from_secs(seconds)
    }

    /// A `Text` option's value, or its default.
    pub fn text(&self, name: &str) -> Option<&str> {
        let OptionValue::Text { default, .. } = self.option(name).value else {
            panic!("{name} is not declared as a Text option");
        };
        self.given.get(name).map(String::as_str).or(default)
    }

    /// A `OneOf` option's value, or its default.
    pub fn choice(&self, name: &str) -> &str {
        let OptionValue::OneOf { default, .. } = self.option(name).value else {
            panic!("{name} is not declared as a OneOf option");
        };
        self.given.get(name).map_or(default, String::as_str)
    }

    /// The declaration of an option. Asking for one the chapter did not
    /// declare is a mistake in the chapter's code, found by its first test.
    fn option(&self, name: &str) -> &'static CliOption {
        self.options
            .iter()
            .find(|option| option.name == name)
            .unwrap_or_else(|| panic!("the chapter declares no option {name}"))
    }
}

fn parse_port(text: &str) -> Result<u16, String> {
    text.parse::<u16>()
        .ok()
        .filter(|&port| port != 0)
        .ok_or_else(|| format!("'{text}' is not a port number (1-65535)"))
}

/// Checks an option's value before the server starts.
fn check(option: &CliOption, value: &str) -> Result<(), String> {
    let name = option.name;
    match option.value {
        OptionValue::Flag => Ok(()),
        OptionValue::Seconds { .. } => match value.parse::<u64>() {
            Ok(seconds) if (1..=31_536_000).contains(&seconds) => Ok(()),
            _ => Err(format!(
                "{name}: '{value}' is not a number of seconds (1 to 31536000, a year)"
            )),
        },
        OptionValue::Text { .. } if value.is_empty() => Err(format!("{name} needs a value")),
        OptionValue::Text { .. } => Ok(()),
        OptionValue::OneOf { values, .. } if values.contains(&value) => Ok(()),
        OptionValue::OneOf { values, .. } => Err(format!(
            "{name}: '{value}' is not one of {}",
            values.join(", ")
        )),
    }
}

/// The `--help` text for a chapter.
pub(crate) fn usage(chapter: &Chapter) -> String {
    let mut text = format!(
        "Usage: cargo run -p chapter-{} -- [options]\n\nOptions:\n\
         \x20 --port P    listen on port P (default: {}; or set PORT)\n\
         \x20 --host H    listen on address H (default: 127.0.0.1; use 0.0.0.0 to let a class connect)\n",
        chapter.number,
        chapter.default_port()
    );
    for option in chapter.options {
        let (argument, default) = match option.value {
            OptionValue::Flag => (String::new(), String::new()),
            OptionValue::Seconds { default } => {
                (" SECONDS".to_string(), format!(" (default: {default})"))
            }
            OptionValue::Text {
                placeholder,
                default,
            } => (
                format!(" {placeholder}"),
                default.map_or(String::new(), |d| format!(" (default: {d})")),
            ),
            OptionValue::OneOf { values, default } => (
                format!(" {}", values.join("|")),
                format!(" (default: {default})"),
            ),
        };
        text.push_str(&format!(
            "  {}{argument}\n      {}{default}\n",
            option.name, option.help
        ));
    }
    text.push_str("  --help      print this help\n");
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::PageLink;

    const CHAPTER: Chapter = Chapter::new(3, "t", &[PageLink::new("/", "Home")]).with_options(&[
        CliOption {
            name: "--session-expiry",
            value: OptionValue::Seconds { default: 300 },
            help: "end a session after this many seconds without a request",
        },
        CliOption {
            name: "--no-rotate",
            value: OptionValue::Flag,
            help: "turn the defence off",
        },
        CliOption {
            name: "--store",
            value: OptionValue::OneOf {
                values: &["sqlite", "memory"],
                default: "sqlite",
            },
            help: "where sessions live",
        },
    ]);

    fn parse(args: &[&str], port: Option<&str>) -> Result<Settings, String> {
        Settings::parse(
            &CHAPTER,
            args.iter().map(|s| s.to_string()),
            port.map(String::from),
        )
    }

    #[test]
    fn port_and_host_come_from_the_command_line_or_port() {
        let defaults = parse(&[], None).unwrap();
        assert_eq!((defaults.host.as_str(), defaults.port), ("127.0.0.1", 3003));
        assert_eq!(parse(&[], Some("8080")).unwrap().port, 8080);
        assert_eq!(parse(&["--port", "9000"], Some("8080")).unwrap().port, 9000);
        assert_eq!(parse(&["--host", "0.0.0.0"], None).unwrap().host, "0.0.0.0");
        assert!(parse(&["--port", "99999"], None).is_err());
        assert!(parse(&["--port", "0"], None).is_err());
        assert!(parse(&["--port"], None).is_err());
        assert!(parse(&[], Some("abc")).is_err());
        assert!(parse(&["--bogus"], None).is_err());
        assert_eq!(parse(&["--help"], None).unwrap_err(), "");
    }

    #[test]
    fn chapter_options_are_checked_at_start_up() {
        let defaults = parse(&[], None).unwrap();
        assert_eq!(
            defaults.seconds("--session-expiry"),
            Duration::from_secs(300)
        );
        assert!(!defaults.flag("--no-rotate"));
        assert_eq!(defaults.choice("--store"), "sqlite");

        let given = parse(
            &["--session-expiry", "10", "--no-rotate", "--store", "memory"],
            None,
        )
        .unwrap();
        assert_eq!(given.seconds("--session-expiry"), Duration::from_secs(10));
        assert!(given.flag("--no-rotate"));
        assert_eq!(given.choice("--store"), "memory");

        assert!(parse(&["--session-expiry", "0"], None).is_err());
        assert!(parse(&["--session-expiry", "ten"], None).is_err());
        assert!(parse(&["--session-expiry"], None).is_err());
        assert!(parse(&["--store", "redis"], None).is_err());
        assert!(usage(&CHAPTER).contains("--session-expiry SECONDS"));
        assert!(usage(&CHAPTER).contains("(default: 300)"));
    }
}
