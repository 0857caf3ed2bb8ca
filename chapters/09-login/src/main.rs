//! Starts chapter 9 on http://127.0.0.1:3009. The lesson is in `src/lib.rs`.

fn main() -> std::process::ExitCode {
    course_kit::serve(chapter_9::CHAPTER, chapter_9::app)
}
