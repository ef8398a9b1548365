#!/usr/bin/env bash
# Analytics benchmark: refresh time, dashboard latency and insight-card throughput on a
# database built by the ingest benchmark (1,100,000 sales, 100,000 customers by default),
# and the dashboard on a small one (11,000 sales) for comparison. Needs wrk (Debian: wrk).
# Usage: scripts/bench-analytics.sh [WORK_DIR]   (default: a temporary directory)
set -euo pipefail
cd "$(dirname "$0")/.."
command -v wrk >/dev/null || { echo "wrk is needed: apt-get install wrk" >&2; exit 1; }
cargo build --release -p crm-server --bin crm-trends --example ingest_bench
work="${1:-$(mktemp -d)}"
bench=target/release/examples/ingest_bench

measure() { # DIR CUSTOMERS LABEL
  local dir=$1 customers=$2 label=$3 pid url
  target/release/crm-trends serve --port 0 --refresh-delay-secs 3600 --database-url "$dir/api.sqlite" \
    >"$dir/server.out" 2>"$dir/server.log" &
  pid=$!
  trap 'kill $pid 2>/dev/null || true' RETURN
  for _ in $(seq 50); do grep -q listening "$dir/server.out" 2>/dev/null && break; sleep 0.2; done
  url=$(grep -o 'http://[^ ]*' "$dir/server.out" | head -1)
  echo "== $label: refresh as of the data's last day (3 runs)"
  for _ in 1 2 3; do /usr/bin/time -f "   %e s" curl -s -o /dev/null -X POST "$url/api/analytics/refresh?as_of=2025-12-31"; done
  echo "== $label: dashboard (30 days), 1 connection, 10 s"
  wrk -t1 -c1 -d10s --latency "$url/api/analytics/dashboard?days=30" | grep -E "Requests/sec|50%|99%"
  echo "== $label: dashboard (30 days), 8 connections, 10 s"
  wrk -t2 -c8 -d10s --latency "$url/api/analytics/dashboard?days=30" | grep -E "Requests/sec|50%|99%"
  echo "== $label: insight cards of random customers, 32 connections, 15 s"
  wrk -t2 -c32 -d15s --latency -s scripts/insights.lua "$url" -- "$customers" | grep -E "Requests/sec|50%|99%"
  echo "== $label: store forecast, 28 days from 2025-12-01 (computed per request), 1 connection, 10 s"
  wrk -t1 -c1 -d10s --latency "$url/api/analytics/forecast?as_of=2025-12-01&days=28" | grep -E "Requests/sec|50%|99%"
  echo "== $label: store forecast, 90 days from 2026-01-01 (prepared by the refresh), 1 connection, 10 s"
  wrk -t1 -c1 -d10s --latency "$url/api/analytics/forecast?as_of=2026-01-01&days=90" | grep -E "Requests/sec|50%|99%"
  echo "== $label: product forecast, 90 days (prepared), 1 connection, 10 s"
  wrk -t1 -c1 -d10s --latency "$url/api/analytics/forecast?as_of=2026-01-01&days=90&product_id=P00001" | grep -E "Requests/sec|50%|99%"
  echo "== $label: forecast accuracy report (computed per request), 1 connection, 10 s"
  wrk -t1 -c1 -d10s --latency "$url/api/analytics/forecast/accuracy?as_of=2026-01-01" | grep -E "Requests/sec|50%|99%"
  echo "== $label: insight cards, 32 connections, 15 s, while refreshes run back to back"
  ( end=$((SECONDS + 16)); while [ $SECONDS -lt $end ]; do
      curl -s -o /dev/null -X POST "$url/api/analytics/refresh?as_of=2025-12-31"; done ) &
  local refreshing=$!
  wrk -t2 -c32 -d15s --latency -s scripts/insights.lua "$url" -- "$customers" | grep -E "Requests/sec|50%|99%"
  wait $refreshing
  echo "   server peak RSS: $(grep VmHWM /proc/$pid/status | awk '{print $2 / 1024 " MiB"}')"
}

"$bench" --dir "$work/large" >/dev/null
"$bench" --dir "$work/small" --preload 10000 --sales 1000 --customers 1000 --products 400 >/dev/null
measure "$work/large" 100000 "1,100,000 sales"
measure "$work/small" 1000 "11,000 sales"
