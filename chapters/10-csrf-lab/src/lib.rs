//! # Chapter 10: Cross-site request forgery, a lab
//!
//! (Being written: see the project's issue for what this chapter teaches.)

use axum::Router;
use course_kit::{Chapter, PageLink};

pub fn app() -> Router {
    CHAPTER.app(Router::new())
}

pub const CHAPTER: Chapter = Chapter::new(10, "Cross-site request forgery, a lab", &[PageLink::new("/", "The victim")]);
