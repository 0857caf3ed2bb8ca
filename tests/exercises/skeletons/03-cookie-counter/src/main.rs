//! Starts your chapter 3 on http://127.0.0.1:3003 (stop chapter 3 first, or
//! add `--port 3103`). The code you write is in `src/lib.rs`.

fn main() -> std::process::ExitCode {
    course_kit::serve(skeleton_3::CHAPTER, skeleton_3::app)
}
