//! The root package holds the course's integration tests, one file per
//! chapter in `tests/`. It has no code of its own; the test client they use
//! is `course_kit::testing`.
