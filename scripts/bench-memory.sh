#!/usr/bin/env bash
# Memory and checkout-card benchmark (issue 23): the server's resident memory from its start
# through refreshes and card load, the card's throughput and tail steady and while refreshes
# run, and each refresh's time. On a database built by the ingest benchmark (100,000
# customers, 1,100,000 sales by default), copied fresh so every run starts alike. Needs wrk
# and sqlite3 (Debian: wrk, sqlite3).
# Usage: scripts/bench-memory.sh [WORK_DIR] [-- ENV=VALUE ...]   (default: a temporary
# directory; ENV=VALUE pairs are set for the server, e.g. MALLOC_ARENA_MAX=2). To compare
# builds, CRM_TRENDS_BIN names the server binary to run (default: the release build).
set -euo pipefail
cd "$(dirname "$0")/.."
for tool in wrk sqlite3; do
  command -v "$tool" >/dev/null || { echo "$tool is needed: apt-get install $tool" >&2; exit 1; }
done
work="$(mktemp -d)"
if [[ $# -gt 0 && $1 != -- ]]; then work=$1; shift; fi
[[ ${1:-} == -- ]] && shift
bin=${CRM_TRENDS_BIN:-target/release/crm-trends}
if [[ -z ${CRM_TRENDS_BIN:-} ]]; then
  cargo build --release -p crm-server --bin crm-trends --example ingest_bench
fi
mkdir -p "$work"
if [[ ! -f $work/api.sqlite ]]; then
  cargo build --release -p crm-server --example ingest_bench
  target/release/examples/ingest_bench --dir "$work"
  sqlite3 "$work/api.sqlite" "PRAGMA wal_checkpoint(TRUNCATE);" >/dev/null
fi
run="$work/run"
rm -rf "$run" && mkdir -p "$run"
cp "$work/api.sqlite" "$run/crm.sqlite"

env RUST_LOG=warn,crm_service=debug "$@" "$bin" serve --port 0 --refresh-delay-secs 3600 \
  --database-url "$run/crm.sqlite" >"$run/server.out" 2>"$run/server.log" &
pid=$!
trap 'kill $pid 2>/dev/null || true' EXIT
for _ in $(seq 50); do grep -q listening "$run/server.out" 2>/dev/null && break; sleep 0.2; done
url=$(grep -o 'http://[^ ]*' "$run/server.out" | head -1)

rss() { awk '/VmRSS|VmHWM/ { printf "%s %d MiB  ", $1, $2 / 1024 }' "/proc/$pid/status"; echo; }
refresh() { curl -s -o /dev/null -w "refresh %{http_code} in %{time_total} s\n" -X POST "$url/api/analytics/refresh?as_of=2025-12-31"; }
cards() { wrk -t2 -c32 -d15s --latency -s scripts/insights.lua "$url" -- 100000 | grep -E "Requests/sec|50%|99%"; }

echo "== at start: $(rss)"
# Steady is at rest: the allocator hands freed pages back within its 10 s decay.
settled() { sleep 15; echo "== 15 s later: $(rss)"; }
for n in 1 2; do echo "== $(refresh); after refresh $n: $(rss)"; settled; done
for n in 1 2; do echo "== insight cards, 32 connections, 15 s, steady ($n)"; cards; done
echo "== after the steady load: $(rss)"
settled
(for _ in 1 2 3; do refresh; done) >"$run/refreshes.txt" &
background=$!
sleep 1
echo "== insight cards, 32 connections, 15 s, while three refreshes run back to back"
cards
wait "$background"
sed 's/^/== /' "$run/refreshes.txt"
echo "== at the end: $(rss)"
settled
echo "== each refresh's steps (the server's debug log)"
grep "analytics refresh as of" "$run/server.log" | sed 's/.*refresh as of/   as of/'
ls -l "$run"/crm.sqlite*
