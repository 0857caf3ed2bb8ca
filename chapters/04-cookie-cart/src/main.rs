//! Starts chapter 4 on http://127.0.0.1:3004. The lesson is in `src/lib.rs`.

fn main() -> std::process::ExitCode {
    course_kit::serve(chapter_4::CHAPTER, chapter_4::app)
}
