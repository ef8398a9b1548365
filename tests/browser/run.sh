#!/usr/bin/env bash
# Runs the headless-browser test of Swagger UI (swagger-ui.test.mjs): installs the pinned
# playwright-core (npm ci; it downloads no browser) and runs `node --test`, which starts
# its own crm-trends server with an empty database and drives Debian's /usr/bin/chromium.
#
#   tests/browser/run.sh [SERVER_BINARY]
#
# SERVER_BINARY (or CRM_TRENDS_BIN) defaults to target/debug/crm-trends of this repository;
# a relative path is taken from the current directory. Works from any current directory.
# Screenshots land in tests/browser/output/ (swagger-ui.png, and failure-*.png on failure),
# with the test output in output/node-test.log.
set -euo pipefail

here="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)"
if [[ $# -gt 0 ]]; then
  case "$1" in
    /*) CRM_TRENDS_BIN="$1" ;;
    *) CRM_TRENDS_BIN="$PWD/$1" ;;
  esac
  export CRM_TRENDS_BIN
fi
binary="${CRM_TRENDS_BIN:-$(cd -- "$here/../.." && pwd)/target/debug/crm-trends}"
if [[ ! -f $binary || ! -x $binary ]]; then
  echo "browser test: no executable server binary at $binary" >&2
  echo "browser test: build it (cargo build) or pass its path as the first argument" >&2
  exit 1
fi
if [[ ! -x ${CHROMIUM_BIN:-/usr/bin/chromium} ]]; then
  echo "browser test: no Chromium at ${CHROMIUM_BIN:-/usr/bin/chromium} (apt-get install chromium)" >&2
  exit 1
fi

cd "$here"
echo "==> npm ci"
npm ci --no-audit --no-fund
mkdir -p output
echo "==> node --test"
node --test 2>&1 | tee output/node-test.log
