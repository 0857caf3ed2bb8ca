//! Starting a chapter: the command line, binding the ports, printing where
//! the pages are, serving connections with timeouts, logging requests, and
//! stopping cleanly on Ctrl-C.
//!
//! A teacher may run a chapter with `--host 0.0.0.0` for a whole class, so
//! the server must not let one client hold it: a client that opens a
//! connection and sends nothing, or half a request, is cut off after
//! [`HEADER_TIMEOUT`]; a request that takes longer than [`REQUEST_TIMEOUT`]
//! (a body sent one byte a minute) gets a 408 page; and at most
//! [`MAX_CONNECTIONS`] connections are served at once, the next ones waiting
//! their turn.

use std::{net::SocketAddr, process::ExitCode, sync::Arc, time::Duration};

use axum::{
    Router,
    extract::Request,
    http::StatusCode,
    middleware::{self, Next},
    response::{IntoResponse, Response},
};
use hyper_util::{
    rt::{TokioIo, TokioTimer},
    server::graceful::GracefulShutdown,
    service::TowerToHyperService,
};
use tokio::{
    net::TcpListener,
    sync::{Semaphore, watch},
};
use tower::ServiceBuilder;

use crate::{App, Chapter, ErrorPage, Settings, request_log, settings::usage};

/// How long a client has to send a request's headers. An idle keep-alive
/// connection waits for the headers of its next request, so it is closed
/// after this time too.
pub(crate) const HEADER_TIMEOUT: Duration = Duration::from_secs(10);
/// How long one request may take, body and answer included.
pub(crate) const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// How long Ctrl-C waits for requests in progress before the server exits.
pub(crate) const GRACE: Duration = Duration::from_secs(2);
/// How many connections are served at once. Each is a file descriptor, and
/// a process may have only so many (often 1024); the rest wait in the
/// operating system's queue until one closes.
pub(crate) const MAX_CONNECTIONS: usize = 512;

/// Runs a chapter until Ctrl-C. This is all a chapter's `main.rs` calls.
pub fn serve<Shape>(chapter: Chapter, app: impl App<Shape>) -> ExitCode {
    let settings = match Settings::parse(
        &chapter,
        std::env::args().skip(1),
        std::env::var("PORT").ok(),
    ) {
        Ok(settings) => settings,
        // An empty message means `--help`.
        Err(message) if message.is_empty() => {
            println!("{}", usage(&chapter));
            return ExitCode::SUCCESS;
        }
        Err(message) => {
            eprintln!("error: {message}\n\n{}", usage(&chapter));
            return ExitCode::FAILURE;
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
    runtime.block_on(run(chapter, app, settings))
}

async fn run<Shape>(chapter: Chapter, app: impl App<Shape>, settings: Settings) -> ExitCode {
    let sites = match app.build(&settings).await {
        Ok(sites) => sites,
        Err(error) => {
            eprintln!("error: chapter {} could not start: {error}", chapter.number);
            return ExitCode::FAILURE;
        }
    };

    let mut served = Vec::new();
    let main = bind(&chapter, &settings.host, settings.port).await;
    served.push((main, sites.main().clone(), None));
    for site in sites.others() {
        let listener = bind(&chapter, &settings.host, site.port).await;
        served.push((listener, site.router.clone(), Some(site.name)));
    }
    let Some(listeners) = served
        .into_iter()
        .map(|(listener, router, name)| Some((listener?, router, name)))
        .collect::<Option<Vec<_>>>()
    else {
        return ExitCode::FAILURE;
    };

    let shown_host = match listeners[0].0.local_addr() {
        Ok(SocketAddr::V6(addr)) => format!("[{}]", addr.ip()),
        Ok(addr) => addr.ip().to_string(),
        Err(_) => settings.host.clone(),
    };
    println!("Chapter {}: {}", chapter.number, chapter.title);
    for page in chapter.pages {
        println!(
            "  http://{shown_host}:{}{}  {}",
            settings.port, page.path, page.label
        );
    }
    for site in sites.others() {
        println!("  http://{}:{}/  {}", site.host, site.port, site.name);
    }
    if settings.host == "0.0.0.0" {
        println!("  (listening on every address: others reach it at this machine's own address)");
    }
    println!("Each request is logged below (the stylesheet's are not). Press Ctrl-C to stop.\n");

    let (stop, stopped) = watch::channel(false);
    tokio::spawn(stop_on_ctrl_c(stop));
    serve_until_stopped(listeners, stopped).await;
    println!("Stopped.");
    ExitCode::SUCCESS
}

async fn bind(chapter: &Chapter, host: &str, port: u16) -> Option<TcpListener> {
    let address = format!("{host}:{port}");
    match TcpListener::bind(&address).await {
        Ok(listener) => Some(listener),
        Err(error) => {
            let hint = if error.kind() == std::io::ErrorKind::AddrInUse {
                "is another chapter still running?"
            } else {
                "is the address right?"
            };
            eprintln!(
                "error: cannot listen on {address}: {error} ({hint}). Pick another port with: \
                 cargo run -p chapter-{} -- --port {}",
                chapter.number,
                port.wrapping_add(1000),
            );
            None
        }
    }
}

/// The first Ctrl-C asks the server to stop; a second one, while it waits
/// for requests in progress, ends the program at once.
async fn stop_on_ctrl_c(stop: watch::Sender<bool>) {
    // If the handler cannot be installed, the server runs until killed.
    if tokio::signal::ctrl_c().await.is_err() {
        return;
    }
    println!(
        "\nStopping: no new connections; requests in progress get up to {} s. \
         Press Ctrl-C again to stop at once.",
        GRACE.as_secs()
    );
    let _ = stop.send(true);
    if tokio::signal::ctrl_c().await.is_ok() {
        println!("Stopped at once.");
        std::process::exit(130);
    }
}

/// Serves every listener until `stopped` turns true, then lets requests in
/// progress finish for at most [`GRACE`].
pub(crate) async fn serve_until_stopped(
    listeners: Vec<(TcpListener, Router, Option<&'static str>)>,
    mut stopped: watch::Receiver<bool>,
) {
    // Every connection is watched, so that stopping can tell the idle ones
    // to close and wait for the busy ones.
    let graceful = Arc::new(GracefulShutdown::new());
    let slots = Arc::new(Semaphore::new(MAX_CONNECTIONS));
    let mut tasks = tokio::task::JoinSet::new();
    for (listener, router, site) in listeners {
        let app = router
            .layer(
                ServiceBuilder::new()
                    .layer(middleware::from_fn(time_limit))
                    .layer(middleware::from_fn_with_state(
                        site,
                        request_log::log_request,
                    )),
            )
            // A Router served as it is turns each handler into a service on
            // every request; `with_state(())` does it once, here, as
            // `axum::serve` does.
            .with_state(());
        let graceful = graceful.clone();
        let slots = slots.clone();
        let mut stopped = stopped.clone();
        tasks.spawn(async move {
            loop {
                let accepted = tokio::select! {
                    () = stop_requested(&mut stopped) => break,
                    slot = slots.clone().acquire_owned() => match slot {
                        Ok(slot) => (slot, listener.accept().await),
                        Err(_) => break,
                    },
                };
                let (stream, slot) = match accepted {
                    (slot, Ok((stream, _))) => (stream, slot),
                    // Out of file descriptors, or a connection reset before
                    // it was accepted: wait a moment and go on serving.
                    (_, Err(_)) => {
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    }
                };
                let connection = hyper::server::conn::http1::Builder::new()
                    .timer(TokioTimer::new())
                    .header_read_timeout(HEADER_TIMEOUT)
                    .serve_connection(TokioIo::new(stream), TowerToHyperService::new(app.clone()));
                let connection = graceful.watch(connection);
                tokio::spawn(async move {
                    // A connection that ends badly (a timeout, a client that
                    // hangs up) concerns only that client.
                    let _ = connection.await;
                    drop(slot);
                });
            }
        });
    }
    stop_requested(&mut stopped).await;
    // The accept loops end here, and with them their handles on `graceful`.
    tasks.shutdown().await;
    if let Ok(graceful) = Arc::try_unwrap(graceful) {
        let _ = tokio::time::timeout(GRACE, graceful.shutdown()).await;
    }
}

/// Waits until the server is asked to stop.
async fn stop_requested(stopped: &mut watch::Receiver<bool>) {
    // An error means the sender is gone, and nobody can ask any more.
    if stopped.wait_for(|stop| *stop).await.is_err() {
        std::future::pending::<()>().await;
    }
}

/// Answers 408 with a page when a request takes longer than [`REQUEST_TIMEOUT`].
async fn time_limit(request: Request, next: Next) -> Response {
    match tokio::time::timeout(REQUEST_TIMEOUT, next.run(request)).await {
        Ok(response) => response,
        Err(_) => ErrorPage::new(
            StatusCode::REQUEST_TIMEOUT,
            "Request timed out",
            format!(
                "This request took longer than {} seconds, so the server stopped waiting for it. \
                 Nothing was changed.",
                REQUEST_TIMEOUT.as_secs()
            ),
        )
        .into_response(),
    }
}

// The tests start a real server on a free port of 127.0.0.1 and talk to it
// over sockets, because timeouts and shutdown only exist there.
#[cfg(test)]
mod tests {
    use tokio::time::Instant;

    use axum::routing::get;
    use tokio::{
        io::{AsyncReadExt, AsyncWriteExt},
        net::TcpStream,
    };

    use super::*;

    async fn start() -> (SocketAddr, watch::Sender<bool>, tokio::task::JoinHandle<()>) {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        let router = Router::new().route("/", get(|| async { "hello" }));
        let (stop, stopped) = watch::channel(false);
        let server = tokio::spawn(serve_until_stopped(vec![(listener, router, None)], stopped));
        (address, stop, server)
    }

    /// Reads until the server closes the connection, and says how long it took.
    async fn time_until_closed(stream: &mut TcpStream, limit: Duration) -> Option<Duration> {
        let started = Instant::now();
        let mut buffer = [0u8; 1024];
        let read_all = async { while stream.read(&mut buffer).await.is_ok_and(|n| n > 0) {} };
        tokio::time::timeout(limit, read_all)
            .await
            .ok()
            .map(|()| started.elapsed())
    }

    #[tokio::test(start_paused = true)]
    async fn a_connection_that_sends_half_its_headers_is_closed() {
        let (address, _stop, _server) = start().await;
        let mut stream = TcpStream::connect(address).await.unwrap();
        stream
            .write_all(b"GET / HTTP/1.1\r\nHost: x\r\n")
            .await
            .unwrap();
        let closed = time_until_closed(&mut stream, Duration::from_secs(60)).await;
        let closed = closed.expect("the server must close a connection that stalls");
        assert!(
            closed >= HEADER_TIMEOUT && closed < HEADER_TIMEOUT + Duration::from_secs(2),
            "closed after {closed:?}"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn an_idle_keep_alive_connection_is_closed() {
        let (address, _stop, _server) = start().await;
        let mut stream = TcpStream::connect(address).await.unwrap();
        stream
            .write_all(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
            .await
            .unwrap();
        let mut buffer = [0u8; 1024];
        let n = stream.read(&mut buffer).await.unwrap();
        assert!(String::from_utf8_lossy(&buffer[..n]).starts_with("HTTP/1.1 200"));
        // The answer came; the connection stays open for a next request,
        // but not forever.
        let closed = time_until_closed(&mut stream, Duration::from_secs(60)).await;
        assert!(
            closed.expect("an idle connection must be closed")
                <= HEADER_TIMEOUT + Duration::from_secs(1)
        );
    }

    #[tokio::test(start_paused = true)]
    async fn stopping_waits_at_most_the_grace_period_for_a_stalled_client() {
        let (address, stop, server) = start().await;
        let mut stream = TcpStream::connect(address).await.unwrap();
        stream.write_all(b"GET / HTTP/1.1\r\nHo").await.unwrap();
        tokio::time::sleep(Duration::from_millis(100)).await;
        let asked = Instant::now();
        stop.send(true).unwrap();
        tokio::time::timeout(Duration::from_secs(60), server)
            .await
            .expect("the server must stop")
            .unwrap();
        assert!(asked.elapsed() <= GRACE + Duration::from_millis(500));
        // After stopping, nobody is listening any more.
        assert!(TcpStream::connect(address).await.is_err());
    }

    #[tokio::test]
    async fn stopping_lets_a_request_in_progress_finish() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        let router = Router::new().route(
            "/slow/",
            get(|| async {
                tokio::time::sleep(Duration::from_millis(300)).await;
                "done"
            }),
        );
        let (stop, stopped) = watch::channel(false);
        let server = tokio::spawn(serve_until_stopped(vec![(listener, router, None)], stopped));
        let mut stream = TcpStream::connect(address).await.unwrap();
        stream
            .write_all(b"GET /slow/ HTTP/1.1\r\nHost: x\r\n\r\n")
            .await
            .unwrap();
        tokio::time::sleep(Duration::from_millis(50)).await;
        stop.send(true).unwrap();
        let mut answer = String::new();
        let _ =
            tokio::time::timeout(Duration::from_secs(5), stream.read_to_string(&mut answer)).await;
        assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
        assert!(answer.ends_with("done"), "{answer}");
        tokio::time::timeout(Duration::from_secs(5), server)
            .await
            .expect("the server must stop")
            .unwrap();
    }
}
