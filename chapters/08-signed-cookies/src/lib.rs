//! # Chapter 8: Cookies you can trust
//!
//! (Being written: see the project's issue for what this chapter teaches.)

use axum::Router;
use course_kit::{Chapter, PageLink};

pub fn app() -> Router {
    CHAPTER.app(Router::new())
}

pub const CHAPTER: Chapter = Chapter::new(8, "Cookies you can trust", &[PageLink::new("/signed/", "Signed counter")]);
