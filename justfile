# The course's commands. `just` with no arguments lists them.

# List the recipes.
default:
    @just --list

# Serve a chapter: `just run chapter-3`, or `just run 3`. Extra options go to the server (`--port 4000`).
run chapter *options:
    cargo run -p {{ if chapter =~ '^[0-9]+$' { "chapter-" + chapter } else { chapter } }} -- {{options}}

# Run every test, or one chapter's: `just test`, `just test chapter-3`, `just test 3`.
test chapter="":
    {{ if chapter == "" { "cargo test" } else { "cargo test -p session-course --test chapter_" + trim_start_match(chapter, "chapter-") } }}

# Run the browser tests in headless Chromium (Debian: apt-get install chromium chromium-driver). Fails if Chromium is missing.
e2e *filter:
    E2E_REQUIRED=1 cargo test -p session-course --test e2e -- {{filter}}

# Save a PNG of each page of each chapter into book/src/screenshots/, taken by headless Chromium.
screenshots:
    E2E_REQUIRED=1 cargo test -p session-course --test e2e -- --ignored screenshots

# Review changed snapshots one by one (accept or reject each).
review:
    cargo insta review

# Install the tools the course uses: cargo-insta, mdbook and mdbook-mermaid.
setup:
    cargo install cargo-insta --locked
    cargo install mdbook --version 0.5.4 --locked
    cargo install mdbook-mermaid --version 0.17.1 --locked

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
