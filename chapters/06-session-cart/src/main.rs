//! Starts chapter 6 on http://127.0.0.1:3006. The lesson is in `src/lib.rs`.

fn main() -> std::process::ExitCode {
    course_kit::serve(chapter_6::CHAPTER, chapter_6::app)
}
