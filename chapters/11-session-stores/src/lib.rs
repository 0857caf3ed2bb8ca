//! # Chapter 11: Where sessions live
//!
//! (Being written: see the project's issue for what this chapter teaches.)

use axum::Router;
use course_kit::{Chapter, PageLink};

pub fn app() -> Router {
    CHAPTER.app(Router::new())
}

pub const CHAPTER: Chapter = Chapter::new(11, "Where sessions live", &[PageLink::new(" SQLite, Redis, memory, and lost updates", "/:Shop")]);
