//! Starts chapter 11 on http://127.0.0.1:3011. The lesson is in `src/lib.rs`.

fn main() -> std::process::ExitCode {
    course_kit::serve(chapter_11::CHAPTER, chapter_11::app)
}
