#!/usr/bin/env bash
# Runs schemathesis (pinned, from PyPI) against a live crm-trends server with API keys
# configured, giving it the write key: every check on every operation of the committed
# spec, but for the per-operation exclusions in schemathesis.toml (each with its reason).
#
#   tests/schemathesis/run.sh [SERVER_BINARY]
#
# One worker: with two, CPython 3.11's ast module (which hypothesis calls to describe
# strategies) can fail with "SystemError: AST constructor recursion depth mismatch" when two
# threads parse at once; seen once in CI, a crash of the tool, not a finding.
#
# SERVER_BINARY defaults to target/debug/crm-trends of this repository. SCHEMATHESIS_SEED
# (default 1) fixes the generated cases, so a run can be repeated exactly; set another to
# explore. The virtualenv is kept in target/schemathesis-venv (under CARGO_TARGET_DIR when
# set) between runs.
set -euo pipefail

here="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd -- "$here/../.." && pwd)"
binary="${1:-$root/target/debug/crm-trends}"
case "$binary" in /*) ;; *) binary="$PWD/$binary" ;; esac
if [[ ! -x $binary ]]; then
  echo "schemathesis: no executable server binary at $binary (cargo build first)" >&2
  exit 1
fi

venv="${CARGO_TARGET_DIR:-$root/target}/schemathesis-venv"
if [[ ! -x $venv/bin/schemathesis ]] || ! cmp -s "$here/requirements.txt" "$venv/requirements.txt"; then
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$here/requirements.txt"
  cp "$here/requirements.txt" "$venv/requirements.txt"
fi

work="$(mktemp -d)"
write_key="st-write-$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')"
read_key="st-read-$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')"
# Rate limits off: schemathesis calls far faster than a till and tries wrong keys on
# purpose; the limits have tests of their own (tests/faults.rs).
CRM_WRITE_KEYS="$write_key" CRM_READ_KEYS="$read_key" RUST_LOG=warn \
  CRM_RATE_FAILED_AUTH=0 CRM_RATE_WRITES=0 CRM_RATE_EXPENSIVE=0 \
  "$binary" serve --port 0 --database-url "$work/crm.sqlite" >"$work/stdout" 2>"$work/server.log" &
server=$!
cleanup() {
  kill "$server" 2>/dev/null || true
  wait "$server" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

url=""
for _ in $(seq 1 100); do
  url="$(sed -n 's/^crm-trends listening on //p' "$work/stdout" | head -n 1)"
  [[ -n $url ]] && break
  if ! kill -0 "$server" 2>/dev/null; then
    echo "schemathesis: the server did not start:" >&2
    cat "$work/server.log" >&2
    exit 1
  fi
  sleep 0.1
done
if [[ -z $url ]]; then
  echo "schemathesis: the server printed no address within 10 s" >&2
  exit 1
fi

echo "==> schemathesis $("$venv/bin/schemathesis" --version | awk '{print $NF}') against $url (keys configured)"
"$venv/bin/schemathesis" --config-file "$here/schemathesis.toml" run "$root/openapi/openapi.json" \
  --url "$url" \
  --header "Authorization: Bearer $write_key" \
  --seed "${SCHEMATHESIS_SEED:-1}" \
  --workers 1 \
  --no-color
