//! Starts chapter 5 on http://127.0.0.1:3005. The lesson is in `src/lib.rs`.

fn main() -> std::process::ExitCode {
    course_kit::serve(chapter_5::CHAPTER, chapter_5::app)
}
