//! Starts chapter 8 on http://127.0.0.1:3008. The lesson is in `src/lib.rs`.

fn main() -> std::process::ExitCode {
    course_kit::serve(chapter_8::CHAPTER, chapter_8::app)
}
