//! The book's exercises, checked. Each exercise in a chapter's `## Exercises`
//! has one check here, named after it: `ch3_1_…` checks exercise 1 of
//! chapter 3. A student runs it with `just exercise 3.1` (or
//! `cargo test --test exercises -- ch3_1`), watches it fail with a message
//! that says what is missing and where to work, does the exercise, and
//! watches it pass.
//!
//! A check tests what the exercise asks for, as a browser would see it (the
//! page says this, the cookie has that attribute, a post from another site is
//! refused), never that a snapshot changed. Since every check fails until its
//! exercise is done, this target is not part of plain `cargo test`
//! (`test = false` in Cargo.toml), which stays green on a fresh clone.
//!
//! Each exercise's reference solution is a patch against the course,
//! `solutions/chN_M.patch`, kept here and not on the book's page.
//! `.ci/exercises` checks every exercise both ways: its check fails on the
//! course as it is, and passes once its solution is applied, in a copy.
//! How to add an exercise: `tests/exercises/README.md`.

mod check;

mod ch1;
mod ch10;
mod ch11;
mod ch2;
mod ch3;
mod ch4;
mod ch5;
mod ch6;
mod ch7;
mod ch8;
mod ch9;

// Chapter 3 is also built from scratch, step by step, in its skeleton crate
// `tests/exercises/skeletons/03-cookie-counter` (`cargo run -p skeleton-3`). Its source is
// compiled here as a module as well, so that the checks can drive it, and
// so that plain `cargo test` never builds the skeleton (it is not one of
// the root package's dependencies).
// (Its `pub` items are its interface as a crate; here, the checks call only
// some of them, so the rest would be reported as dead code.)
#[path = "skeletons/03-cookie-counter/src/lib.rs"]
#[allow(dead_code)]
mod skeleton_3;
