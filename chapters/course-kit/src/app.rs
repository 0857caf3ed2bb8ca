//! What a chapter's `app` function may look like, so that [`crate::serve`]
//! and the tests can start every chapter the same way.
//!
//! A chapter writes the function its lesson needs, and the kit adapts:
//!
//! - `fn app() -> Router`: a chapter without options (chapters 1, 3, 4);
//! - `fn app(settings: &Settings) -> Router`: a chapter with command-line
//!   options, such as `--session-expiry`;
//! - `fn app(settings: &Settings) -> Sites`: a chapter that also serves a
//!   second site, such as an attack lab's attacker page on another port;
//! - `async fn app(settings: Settings) -> Result<Sites, String>`: a chapter
//!   that must connect to something before it can serve, such as a database.

use std::future::Future;

use axum::Router;

use crate::Settings;

/// The site a chapter serves, and any other sites that go with it.
pub struct Sites {
    main: Router,
    others: Vec<OtherSite>,
}

/// A second site a chapter serves from the same program, on a port of its
/// own: for example the attacker page of an attack lab.
#[derive(Clone)]
pub struct OtherSite {
    /// What the start-up message calls it, e.g. `"Attacker"`.
    pub name: &'static str,
    /// The host name its links use: `127.0.0.1`, or `localhost` for a site
    /// that must count as *another site* to the browser.
    pub host: &'static str,
    pub port: u16,
    pub router: Router,
}

impl Sites {
    pub fn new(main: Router) -> Self {
        Self {
            main,
            others: Vec::new(),
        }
    }

    /// Adds another site, served beside the main one.
    pub fn with(mut self, site: OtherSite) -> Self {
        self.others.push(site);
        self
    }

    /// The chapter's own site.
    pub fn main(&self) -> &Router {
        &self.main
    }

    /// The other sites, in the order they were added.
    pub fn others(&self) -> &[OtherSite] {
        &self.others
    }

    /// The other site called `name`, if there is one.
    pub fn other(&self, name: &str) -> Option<&OtherSite> {
        self.others.iter().find(|site| site.name == name)
    }
}

impl From<Router> for Sites {
    fn from(main: Router) -> Self {
        Self::new(main)
    }
}

/// A chapter's `app` function, in any of the shapes listed in the module
/// documentation. `Shape` only tells the shapes apart; a chapter never names it.
pub trait App<Shape> {
    /// Builds the chapter's sites for these settings.
    fn build(self, settings: &Settings) -> impl Future<Output = Result<Sites, String>>;
}

/// `fn app() -> Router`
impl<F: FnOnce() -> Router> App<()> for F {
    async fn build(self, _settings: &Settings) -> Result<Sites, String> {
        Ok(self().into())
    }
}

/// `fn app(settings: &Settings) -> Router`
impl<F: FnOnce(&Settings) -> Router> App<(Settings,)> for F {
    async fn build(self, settings: &Settings) -> Result<Sites, String> {
        Ok(self(settings).into())
    }
}

/// `fn app(settings: &Settings) -> Sites`
impl<F: FnOnce(&Settings) -> Sites> App<(Settings, Sites)> for F {
    async fn build(self, settings: &Settings) -> Result<Sites, String> {
        Ok(self(settings))
    }
}

/// `async fn app(settings: Settings) -> Result<Sites, String>`
impl<F, Fut> App<(Settings, Fut)> for F
where
    F: FnOnce(Settings) -> Fut,
    Fut: Future<Output = Result<Sites, String>>,
{
    async fn build(self, settings: &Settings) -> Result<Sites, String> {
        self(settings.clone()).await
    }
}
