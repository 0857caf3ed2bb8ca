//! Starts chapter 3 on http://127.0.0.1:3003. The lesson is in `src/lib.rs`.

fn main() -> std::process::ExitCode {
    course_kit::serve(chapter_3::CHAPTER, chapter_3::app)
}
