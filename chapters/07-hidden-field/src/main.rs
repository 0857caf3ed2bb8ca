//! Starts chapter 7 on http://127.0.0.1:3007. The lesson is in `src/lib.rs`.

fn main() -> std::process::ExitCode {
    course_kit::serve(chapter_7::CHAPTER, chapter_7::app)
}
