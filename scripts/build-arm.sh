#!/usr/bin/env bash
# Builds the release binary for 64-bit ARM Linux (a Raspberry Pi 4 or 5 beside the till,
# running a 64-bit OS), cross-compiled on an x86-64 Debian machine:
#
#   scripts/build-arm.sh        -> target/aarch64-unknown-linux-gnu/release/crm-trends
#
# Needs the Rust target (rustup target add aarch64-unknown-linux-gnu) and Debian's cross C
# compiler for the bundled SQLite (apt-get install gcc-aarch64-linux-gnu
# libc6-dev-arm64-cross). With qemu-user installed it also runs the binary once
# (`--version`) to show it works. On the Pi itself, `cargo build --release` needs nothing
# of this.
set -euo pipefail
cd "$(dirname "$0")/.."
target=aarch64-unknown-linux-gnu
export CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_LINKER=aarch64-linux-gnu-gcc
export CC_aarch64_unknown_linux_gnu=aarch64-linux-gnu-gcc
cargo build --release --locked --target "$target" -p crm-server --bin crm-trends
binary="target/$target/release/crm-trends"
file "$binary" 2>/dev/null || true
if command -v qemu-aarch64 >/dev/null; then
  qemu-aarch64 -L /usr/aarch64-linux-gnu "$binary" --version
fi
