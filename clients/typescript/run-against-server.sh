#!/usr/bin/env bash
# Regenerates the TypeScript types from openapi/openapi.json, type-checks and builds the
# example, starts a throwaway crm-trends server on a free port with an empty database, and
# runs the POS flow (dist/pos-flow.js) against it. Exits non-zero if any step fails.
#
#   clients/typescript/run-against-server.sh [SERVER_BINARY]
#
# SERVER_BINARY defaults to target/debug/crm-trends of this repository; a relative path is
# taken from the current directory. Works from any current directory.
set -euo pipefail

here="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)"
binary="${1:-$(cd -- "$here/../.." && pwd)/target/debug/crm-trends}"
case "$binary" in
  /*) ;;
  *) binary="$PWD/$binary" ;;
esac
if [[ ! -f $binary || ! -x $binary ]]; then
  echo "run-against-server: no executable server binary at $binary" >&2
  echo "run-against-server: build it (cargo build) or pass its path as the first argument" >&2
  exit 1
fi

readonly startup_timeout_s=20

workdir="$(mktemp -d "${TMPDIR:-/tmp}/crm-trends-ts.XXXXXX")"
server_pid=""

server_log_tail() {
  echo "run-against-server: last lines of the server log:" >&2
  tail -n 20 "$workdir/server.log" >&2 || true
}

cleanup() {
  local status=$?
  if [[ -n $server_pid ]] && kill -0 "$server_pid" 2>/dev/null; then
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  rm -rf -- "$workdir"
  if [[ $status -eq 0 ]]; then
    echo "run-against-server: passed"
  else
    echo "run-against-server: FAILED (exit status $status)" >&2
  fi
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

cd "$here"

echo "==> npm ci"
npm ci --no-audit --no-fund
echo "==> npm run generate"
npm run --silent generate
echo "==> npm run typecheck"
npm run --silent typecheck
echo "==> npm run build"
npm run --silent build

echo "==> starting $binary (database in $workdir)"
# Explicit host and time zone, so CRM_HOST / CRM_TIMEZONE in the environment cannot change
# what the flow checks (the day of each sale depends on the store's time zone).
# The server requires an API key, as a production one would: the flow sends it, and checks
# that a request without it is refused. It travels in the environment, not in argv.
CRM_API_KEY="ci-$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')"
export CRM_API_KEY
CRM_WRITE_KEYS="$CRM_API_KEY" \
"$binary" serve --host 127.0.0.1 --port 0 --timezone UTC --database-url "$workdir/crm.sqlite" \
  >"$workdir/server.out" 2>"$workdir/server.log" &
server_pid=$!

addr=""
deadline=$((SECONDS + startup_timeout_s))
while [[ -z $addr ]]; do
  addr="$(sed -n 's|^crm-trends listening on http://\([^[:space:]]*\).*$|\1|p' "$workdir/server.out" | head -n 1)"
  [[ -n $addr ]] && break
  if ! kill -0 "$server_pid" 2>/dev/null; then
    wait "$server_pid" && code=0 || code=$?
    server_pid=""
    echo "run-against-server: the server exited (status $code) before listening" >&2
    server_log_tail
    exit 1
  fi
  if ((SECONDS >= deadline)); then
    echo "run-against-server: no 'crm-trends listening on http://...' line within ${startup_timeout_s} s" >&2
    server_log_tail
    exit 1
  fi
  sleep 0.1
done
echo "==> server listening on http://$addr (pid $server_pid)"

echo "==> node dist/pos-flow.js http://$addr"
node dist/pos-flow.js "http://$addr"
