//! Starts chapter 1 on http://127.0.0.1:3001. The lesson is in `src/lib.rs`.

fn main() -> std::process::ExitCode {
    course_kit::serve(chapter_1::CHAPTER, chapter_1::app)
}
