//! Starts chapter 10 on http://127.0.0.1:3010. The lesson is in `src/lib.rs`.

fn main() -> std::process::ExitCode {
    course_kit::serve(chapter_10::CHAPTER, chapter_10::app)
}
