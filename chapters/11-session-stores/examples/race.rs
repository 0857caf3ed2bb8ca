//! `just race`: races "add 1 apple" requests of one session across two
//! running instances of chapter 11, for each of the lab's two carts, and
//! prints how many apples each cart lost.
//!
//! Start the instances first, on the same store:
//!
//! ```text
//! just run 11                    # or: cargo run -p chapter-11
//! just run 11 --port 3012        # in a second terminal
//! just race                      # in a third: 2,000 apples per cart
//! just race --adds 500 --at-once 8 127.0.0.1:3011 127.0.0.1:3012
//! ```
//!
//! The requests are sent by `chapter_11::race` (src/race.rs).

use std::process::ExitCode;

use chapter_11::race::{self, Strategy};

const USAGE: &str = "Usage: just race [--adds N] [--at-once N] [INSTANCE…]
  (or: cargo run -p chapter-11 --example race -- …)
  --adds N      how many apples to add to each cart (default: 2000)
  --at-once N   how many requests are under way at a time (default: 32)
  INSTANCE      host:port of a running chapter 11 (default: 127.0.0.1:3011 127.0.0.1:3012)";

struct Options {
    adds: usize,
    at_once: usize,
    instances: Vec<String>,
}

fn options(args: impl Iterator<Item = String>) -> Result<Options, String> {
    let mut options = Options {
        adds: 2000,
        at_once: 32,
        instances: Vec::new(),
    };
    let mut args = args;
    while let Some(arg) = args.next() {
        let mut number = |name: &str| -> Result<usize, String> {
            args.next()
                .and_then(|n| n.parse().ok())
                .filter(|&n| n > 0)
                .ok_or_else(|| format!("{name} needs a whole number above 0"))
        };
        match arg.as_str() {
            "--adds" => options.adds = number("--adds")?,
            "--at-once" => options.at_once = number("--at-once")?,
            "--help" | "-h" => return Err(String::new()),
            other => options.instances.push(race::address(other)?),
        }
    }
    if options.instances.is_empty() {
        options.instances = vec!["127.0.0.1:3011".into(), "127.0.0.1:3012".into()];
    }
    Ok(options)
}

#[tokio::main]
async fn main() -> ExitCode {
    let options = match options(std::env::args().skip(1)) {
        Ok(options) => options,
        Err(message) if message.is_empty() => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(message) => {
            eprintln!("error: {message}\n\n{USAGE}");
            return ExitCode::FAILURE;
        }
    };
    println!("The instances:");
    let mut stores = Vec::new();
    for instance in &options.instances {
        match race::where_sessions_live(instance).await {
            Ok(store) => {
                println!("  http://{instance}/  sessions in {store}");
                stores.push(store);
            }
            Err(error) => {
                eprintln!(
                    "error: {error}\nIs it running? Start two instances on one store first: \
                     `just run 11` and `just run 11 --port 3012`."
                );
                return ExitCode::FAILURE;
            }
        }
    }
    if stores.iter().any(|store| store.contains("memory")) {
        println!("  (memory is each instance's own: the instances share no session.)");
    }
    println!(
        "\nEach cart gets {} \"add 1 apple\" requests of one new session, {} at a time, \
         to each instance in turn.\n",
        options.adds, options.at_once
    );
    for strategy in Strategy::BOTH {
        match race::race(&options.instances, strategy, options.adds, options.at_once).await {
            Ok(outcome) => println!("{}", outcome.report()),
            Err(error) => {
                eprintln!("error: {error}");
                return ExitCode::FAILURE;
            }
        }
    }
    ExitCode::SUCCESS
}
