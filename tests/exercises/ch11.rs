//! The checks of chapter 11's exercises (`book/src/chapter-11.md`): none yet.
//! How to add one: `tests/exercises/README.md`.
