//! # Chapter 9: Login to logout
//!
//! (Being written: see the project's issue for what this chapter teaches.)

use axum::Router;
use course_kit::{Chapter, PageLink};

pub fn app() -> Router {
    CHAPTER.app(Router::new())
}

pub const CHAPTER: Chapter = Chapter::new(9, "Login to logout", &[PageLink::new("/login/", "Log in")]);
