#!/usr/bin/env bash
# PostgreSQL benchmarks (issue 24): ingest through the HTTP API onto 1,000,000 stored sales
# with one replica and with two, next to SQLite on the same machine; then the checkout
# card on the resulting 1,100,000-sale store, from one replica and from two at once, with
# each replica's RSS. Needs wrk (Debian: wrk) and a PostgreSQL server whose role may
# create databases.
# Usage: scripts/bench-postgres.sh [ADMIN_URL]   (default postgres://postgres@127.0.0.1:5432/postgres)
set -euo pipefail
cd "$(dirname "$0")/.."
command -v wrk >/dev/null || { echo "wrk is needed: apt-get install wrk" >&2; exit 1; }
admin="${1:-postgres://postgres@127.0.0.1:5432/postgres}"
cargo build --release -p crm-server --bin crm-trends --example ingest_bench
bench=target/release/examples/ingest_bench
work=$(mktemp -d)

echo "== ingest, SQLite, one server"
"$bench" --dir "$work/sqlite"
echo "== ingest, PostgreSQL, one replica"
"$bench" --postgres "$admin"
echo "== ingest, PostgreSQL, two replicas (the clients take turns)"
"$bench" --postgres "$admin" --replicas 2 --keep | tee "$work/two.out"
url=$(grep -o '^kept: .*' "$work/two.out" | head -1 | cut -d' ' -f2)
drop() { psql -q "$admin" -c "DROP DATABASE IF EXISTS ${1##*/} WITH (FORCE)"; }
trap 'for u in $(grep -o "^kept: .*" "$work/two.out" | cut -d" " -f2); do drop "$u"; done' EXIT

start() { # LABEL -> prints the URL; the pid is in $work/LABEL.pid
  target/release/crm-trends serve --port 0 --refresh-delay-secs 3600 --database-url "$url" \
    >"$work/$1.out" 2>"$work/$1.log" &
  echo $! >"$work/$1.pid"
  for _ in $(seq 100); do grep -q listening "$work/$1.out" 2>/dev/null && break; sleep 0.2; done
  grep -o 'http://[^ ]*' "$work/$1.out" | head -1
}
rss() { echo "$(grep VmRSS /proc/"$(cat "$work/$1.pid")"/status | awk '{print $2 / 1024}') MiB now, peak $(grep VmHWM /proc/"$(cat "$work/$1.pid")"/status | awk '{print $2 / 1024}') MiB"; }
cards() { wrk -t2 -c"$2" -d15s --latency -s scripts/insights.lua "$1" -- 100000 | grep -E "Requests/sec|50%|99%"; }

a=$(start a)
echo "== refresh on replica a, as of the data's last day"
/usr/bin/time -f "   %e s" curl -s -o /dev/null -X POST "$a/api/analytics/refresh?as_of=2025-12-31"
echo "== checkout cards, one replica, 32 connections, 15 s"
cards "$a" 32
echo "   replica a: $(rss a)"
b=$(start b)
echo "== refresh on replica b (waits for none: a is idle)"
/usr/bin/time -f "   %e s" curl -s -o /dev/null -X POST "$b/api/analytics/refresh?as_of=2025-12-31"
echo "== checkout cards, two replicas at once, 16 connections each, 15 s"
cards "$a" 16 >"$work/cards-a" & cards "$b" 16 >"$work/cards-b"; wait
echo "   through a:"; cat "$work/cards-a"; echo "   through b:"; cat "$work/cards-b"
echo "   replica a: $(rss a)"; echo "   replica b: $(rss b)"
kill "$(cat "$work/a.pid")" "$(cat "$work/b.pid")"
