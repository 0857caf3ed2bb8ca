# The course's commands. `just` with no arguments lists them.

# just_executable() is the `just` that is running this file, so `just` alone
# works even when it is not on PATH (run as ~/.cargo/bin/just, say).

# List the recipes.
default:
    @{{ quote(just_executable()) }} --justfile {{ quote(justfile()) }} --list

# Serve a chapter: `just run chapter-3`, or `just run 3`. Extra options go to the server (`--port 4000`).
run chapter *options:
    cargo run -p {{ if chapter =~ '^[0-9]+$' { "chapter-" + chapter } else { chapter } }} -- {{options}}

# Run Redis for chapter 11 in the foreground on 127.0.0.1:6379 (or `just redis 6380`), keeping nothing on disk. Ctrl-C stops it.
redis port="6379":
    #!/usr/bin/env bash
    set -euo pipefail
    if ! command -v redis-server >/dev/null; then
        echo "error: redis-server is not installed. On Debian or Ubuntu: sudo apt-get install redis-server" >&2
        exit 1
    fi
    if command -v redis-cli >/dev/null && redis-cli -p {{port}} ping >/dev/null 2>&1; then
        echo "A Redis server already answers on 127.0.0.1:{{port}} (Debian's package starts one as a service)."
        echo "Chapter 11 can use it as it is: just run 11 --store redis{{ if port == "6379" { "" } else { " --redis-url redis://127.0.0.1:" + port } }}"
        exit 0
    fi
    echo "Redis for chapter 11 on 127.0.0.1:{{port}}, keeping nothing on disk. Ctrl-C stops it."
    echo "Then, in another terminal: just run 11 --store redis{{ if port == "6379" { "" } else { " --redis-url redis://127.0.0.1:" + port } }}"
    exec redis-server --port {{port}} --bind 127.0.0.1 --save "" --appendonly no

# Race "add 1 apple" requests across two running instances of chapter 11 (`just run 11` and `just run 11 --port 3012`), and print how many apples each cart lost. `just race --help` lists the options.
race *options:
    cargo run -p chapter-11 --example race -- {{options}}

# Run every test, or one chapter's: `just test`, `just test chapter-3`, `just test 3`.
test chapter="":
    {{ if chapter == "" { "cargo test" } else { "cargo test -p session-course --test chapter_" + trim_start_match(chapter, "chapter-") } }}

# Run the browser tests in headless Chromium (Debian: apt-get install chromium chromium-driver). Fails if Chromium is missing.
e2e *filter:
    E2E_REQUIRED=1 cargo test -p session-course --test e2e -- {{filter}}

# Save a PNG of each page of each chapter into book/src/screenshots/, taken by headless Chromium.
screenshots:
    E2E_REQUIRED=1 cargo test -p session-course --test e2e -- --ignored screenshots

# Flood each session chapter (release build) with 100,000 cookie-less requests, twice, and check that its memory stays bounded. Needs oha (`just setup`).
memory:
    bash .ci/memory

# Review changed snapshots one by one (accept or reject each).
review:
    cargo insta review

# Install the cargo tools the course uses, at the versions pinned in .ci/tools.env: cargo-insta, mdbook, mdbook-mermaid, oxipng, oha.
setup:
    bash .ci/install-tools
    @echo "The browser tests need Chromium and chromedriver, and chapter 11 needs Redis. On Debian or Ubuntu:"
    @echo "    sudo apt-get install chromium chromium-driver redis-server"

# Build the book into book/book/ (open book/book/index.html). CI's stricter build: `bash .ci/book`.
book:
    mdbook build book

# Serve the book on http://localhost:3000, rebuilding it when a page changes.
serve-book:
    mdbook serve book

# Format and lint, as CI does.
check:
    cargo fmt --all -- --check
    cargo clippy --workspace --all-targets -- -D warnings
