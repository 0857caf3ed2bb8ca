//! The yardstick of `just bench`: the barest axum server there is, one route
//! that answers `Hello, world!`, on tokio's multi-thread runtime (one worker
//! per core), served by `axum::serve` with its defaults.
//!
//! It has none of the course's machinery (no page layout, no wire inspector,
//! no request log, no timeouts), so the bench reports each chapter's speed as
//! a share of this one's, measured in the same run on the same machine: a
//! ratio means the same on a teacher's laptop and on a CI runner, where a
//! number of requests per second would not.
//!
//! It lives here, as an example of the kit, so that no chapter's build and no
//! student's `cargo run -p chapter-N` ever compiles it, and it needs no
//! dependency the kit does not already have. Run it by hand with
//! `cargo run --release -p course-kit --example hello -- --port 4000`.

use axum::{Router, routing::get};

#[tokio::main]
async fn main() -> std::process::ExitCode {
    // The only option is `--port N` (the bench picks a free port); 3000 otherwise.
    let arguments: Vec<String> = std::env::args().skip(1).collect();
    let port = match arguments.as_slice() {
        [] => 3000,
        [flag, port] if flag == "--port" => match port.parse::<u16>() {
            Ok(port) => port,
            Err(_) => return usage(&format!("not a port: {port}")),
        },
        _ => return usage("unexpected arguments"),
    };
    let listener = match tokio::net::TcpListener::bind(("127.0.0.1", port)).await {
        Ok(listener) => listener,
        Err(error) => return usage(&format!("cannot listen on 127.0.0.1:{port}: {error}")),
    };
    println!("Hello on http://127.0.0.1:{port}/ (Ctrl-C stops it)");
    let app = Router::new().route("/", get(|| async { "Hello, world!" }));
    match axum::serve(listener, app).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => usage(&format!("the server stopped: {error}")),
    }
}

fn usage(problem: &str) -> std::process::ExitCode {
    eprintln!("error: {problem}\nusage: hello [--port N]");
    std::process::ExitCode::FAILURE
}
