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

# Check one of the book's exercises: `just exercise 3.1` fails, saying what is missing, until exercise 1 of chapter 3 is done. `just exercise` lists them.
exercise id="":
    #!/usr/bin/env bash
    set -euo pipefail
    # The checks' names say their exercise: ch3::ch3_1_… checks exercise 3.1.
    if ! list=$(cargo test --quiet --test exercises -- --list 2>&1); then
        echo "$list"
        exit 1
    fi
    if [ -z "{{id}}" ]; then
        sed -n 's/^ch[0-9]*::ch\([0-9]*\)_\([0-9]*\)_\(.*\): test$/\1.\2  \3/p' <<<"$list" \
            | tr '_' ' ' | sort -t. -k1,1n -k2,2n
        echo "Check one: just exercise 3.1 (the book's chapter 3, exercise 1)"
        exit 0
    fi
    filter="ch$(echo '{{id}}' | sed 's/^ch//; s/[.]/_/')_"
    if ! grep -q "::$filter" <<<"$list"; then
        echo "error: there is no exercise {{id}}; \`just exercise\` lists them" >&2
        exit 1
    fi
    RUST_BACKTRACE=0 cargo test --test exercises -- "$filter"

# Run the browser tests in headless Chromium (Debian: apt-get install chromium chromium-driver). Fails if Chromium is missing.
e2e *filter:
    E2E_REQUIRED=1 cargo test -p session-course --test e2e -- {{filter}}

# Take the book's screenshots (book/src/screenshots/, or SCREENSHOT_DIR) in headless Chromium, each chapter's in a process of its own, then shrink them with oxipng: `just screenshots`, or `just screenshots 4`.
screenshots chapter="":
    #!/usr/bin/env bash
    set -euo pipefail
    if ! command -v oxipng >/dev/null; then
        echo "error: oxipng is not installed: run just setup" >&2
        exit 1
    fi
    export E2E_REQUIRED=1
    if [ -z "{{chapter}}" ]; then
        tests=$(cargo test -q -p session-course --test e2e -- --ignored --list screenshots:: | sed -n 's/: test$//p')
        pictures='*.png'
    else
        tests="screenshots::chapter_{{trim_start_match(chapter, "chapter-")}}"
        pictures='chapter-{{trim_start_match(chapter, "chapter-")}}-*.png'
    fi
    for test in $tests; do
        cargo test -q -p session-course --test e2e -- --ignored --exact "$test"
    done
    cd "${SCREENSHOT_DIR:-book/src/screenshots}" && oxipng -q -o 4 --strip safe $pictures

# Flood each session chapter (release build) with 100,000 cookie-less requests, twice, and check that its memory stays bounded. Needs oha (`just setup`).
memory:
    bash .ci/memory

# Measure what sessions cost: chapters 3, 5 and 11 (memory, SQLite, Redis) against a bare axum hello, with oha (`just setup`). Prints the table and writes it into book/bench-results.md.
bench:
    bash .ci/bench

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
    cargo clippy --test exercises -- -D warnings
