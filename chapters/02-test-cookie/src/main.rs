//! Starts chapter 2 on http://127.0.0.1:3002. The lesson is in `src/lib.rs`.

fn main() -> std::process::ExitCode {
    course_kit::serve(chapter_2::CHAPTER, chapter_2::app)
}
