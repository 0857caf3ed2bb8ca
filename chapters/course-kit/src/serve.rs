//! Starting a chapter: the command line, binding the port, printing where the
//! pages are, logging requests, and stopping cleanly on Ctrl-C.

use std::{net::SocketAddr, process::ExitCode};

use axum::{Router, middleware};

use crate::{Chapter, request_log::log_request};

const USAGE: &str = "\
Options:
  --port P   listen on port P (default: 3000 + the chapter's number; or set PORT)
  --host H   listen on address H (default: 127.0.0.1; use 0.0.0.0 to let a class connect)
  --help     print this help";

/// Where to listen, as the command line and the `PORT` variable say.
#[derive(Debug, PartialEq)]
pub struct Listen {
    pub host: String,
    pub port: u16,
}

/// Reads `--port`, `--host` and `PORT`. The command line wins over `PORT`.
pub fn parse_args(
    chapter: &Chapter,
    args: impl IntoIterator<Item = String>,
    port_variable: Option<String>,
) -> Result<Listen, String> {
    let parse_port = |text: &str| {
        text.parse::<u16>()
            .ok()
            .filter(|&port| port != 0)
            .ok_or_else(|| format!("'{text}' is not a port number (1-65535)"))
    };
    let mut listen = Listen {
        host: "127.0.0.1".to_string(),
        port: match port_variable {
            Some(text) => parse_port(&text).map_err(|e| format!("PORT: {e}"))?,
            None => chapter.default_port(),
        },
    };
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--port" => {
                let value = args.next().ok_or("--port needs a number")?;
                listen.port = parse_port(&value)?;
            }
            "--host" => listen.host = args.next().ok_or("--host needs an address")?,
            "--help" | "-h" => return Err(String::new()),
            other => return Err(format!("unknown option '{other}'")),
        }
    }
    Ok(listen)
}

/// Runs a chapter's app until Ctrl-C. This is all a chapter's `main.rs` calls.
pub fn serve(chapter: Chapter, app: fn() -> Router) -> ExitCode {
    let listen = match parse_args(
        &chapter,
        std::env::args().skip(1),
        std::env::var("PORT").ok(),
    ) {
        Ok(listen) => listen,
        Err(message) => {
            if !message.is_empty() {
                eprintln!("error: {message}");
            }
            eprintln!(
                "Usage: cargo run -p chapter-{} -- [options]\n{USAGE}",
                chapter.number
            );
            return if message.is_empty() {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            };
        }
    };
    // One thread is plenty for a classroom, and keeps start-up light.
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("error: could not start the async runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(run(chapter, app(), listen))
}

async fn run(chapter: Chapter, app: Router, listen: Listen) -> ExitCode {
    let address = format!("{}:{}", listen.host, listen.port);
    let listener = match tokio::net::TcpListener::bind(&address).await {
        Ok(listener) => listener,
        Err(error) => {
            let hint = if error.kind() == std::io::ErrorKind::AddrInUse {
                "is another chapter still running?"
            } else {
                "is the address right?"
            };
            eprintln!(
                "error: cannot listen on {address}: {error} ({hint}). Pick another port with: cargo run -p chapter-{} -- --port {}",
                chapter.number,
                listen.port.wrapping_add(1000),
            );
            return ExitCode::FAILURE;
        }
    };
    let shown_host = match listener.local_addr() {
        Ok(SocketAddr::V6(addr)) => format!("[{}]", addr.ip()),
        Ok(addr) => addr.ip().to_string(),
        Err(_) => listen.host.clone(),
    };
    println!("Chapter {}: {}", chapter.number, chapter.title);
    for page in chapter.pages {
        println!(
            "  http://{shown_host}:{}{}  {}",
            listen.port, page.path, page.label
        );
    }
    if listen.host == "0.0.0.0" {
        println!("  (listening on every address: others reach it at this machine's own address)");
    }
    println!("Each request is logged below (the stylesheet's are not). Press Ctrl-C to stop.\n");

    let app = app.layer(middleware::from_fn(log_request));
    let shutdown = async {
        // If the signal handler cannot be installed, the server runs until killed.
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    match axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await
    {
        Ok(()) => {
            println!("\nStopped.");
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("error: the server stopped: {error}");
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CHAPTER: Chapter = Chapter {
        number: 3,
        title: "t",
        pages: &[],
    };

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn port_and_host_come_from_the_command_line_or_port() {
        let listen =
            |a: &[&str], port: Option<&str>| parse_args(&CHAPTER, args(a), port.map(String::from));
        assert_eq!(
            listen(&[], None),
            Ok(Listen {
                host: "127.0.0.1".into(),
                port: 3003
            })
        );
        assert_eq!(listen(&[], Some("8080")).unwrap().port, 8080);
        assert_eq!(
            listen(&["--port", "9000"], Some("8080")).unwrap().port,
            9000
        );
        assert_eq!(
            listen(&["--host", "0.0.0.0"], None).unwrap().host,
            "0.0.0.0"
        );
        assert!(listen(&["--port", "99999"], None).is_err());
        assert!(listen(&["--port", "0"], None).is_err());
        assert!(listen(&["--port"], None).is_err());
        assert!(listen(&[], Some("abc")).is_err());
        assert!(listen(&["--bogus"], None).is_err());
    }
}
