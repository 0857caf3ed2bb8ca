//! The yardstick of `just bench`: the barest axum server there is, one route
//! that answers `Hello, world!`, served by `axum::serve` with its defaults,
//! on tokio's multi-thread runtime (one worker thread per core).
//!
//! It has none of the course's machinery (no page layout, no wire inspector,
//! no request log, no timeouts), so the bench reports each chapter's speed as
//! a share of this one's, measured in the same run on the same machine: a
//! ratio means the same on a teacher's laptop and on a CI runner, where a
//! number of requests per second would not. With `--one-thread` it runs on
//! one thread, as the chapters do, which shows what the runtime alone costs.
//!
//! It lives here, as an example of the kit, so that no chapter's build and no
//! student's `cargo run -p chapter-N` ever compiles it, and it needs no
//! dependency the kit does not already have. Run it by hand with
//! `cargo run --release -p course-kit --example hello -- --port 4000`.

use std::process::ExitCode;

use axum::{Router, routing::get};

fn main() -> ExitCode {
    let mut port: u16 = 3000;
    let mut one_thread = false;
    let mut arguments = std::env::args().skip(1);
    while let Some(argument) = arguments.next() {
        match argument.as_str() {
            "--one-thread" => one_thread = true,
            "--port" => match arguments.next().map(|text| text.parse()) {
                Some(Ok(number)) => port = number,
                _ => return usage("--port needs a port number"),
            },
            other => return usage(&format!("unknown argument {other}")),
        }
    }
    let runtime = if one_thread {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
    } else {
        tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
    };
    match runtime {
        Ok(runtime) => runtime.block_on(serve(port)),
        Err(error) => usage(&format!("could not start the async runtime: {error}")),
    }
}

async fn serve(port: u16) -> ExitCode {
    let listener = match tokio::net::TcpListener::bind(("127.0.0.1", port)).await {
        Ok(listener) => listener,
        Err(error) => return usage(&format!("cannot listen on 127.0.0.1:{port}: {error}")),
    };
    println!("Hello on http://127.0.0.1:{port}/ (Ctrl-C stops it)");
    let app = Router::new().route("/", get(|| async { "Hello, world!" }));
    match axum::serve(listener, app).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => usage(&format!("the server stopped: {error}")),
    }
}

fn usage(problem: &str) -> ExitCode {
    eprintln!("error: {problem}\nusage: hello [--port N] [--one-thread]");
    ExitCode::FAILURE
}
