#!/usr/bin/env bash
# The whole test suite: the Rust tests (they start their own throwaway PostgreSQL), then the
# TypeScript client's type check, then the Next.js example built and driven in Chromium against
# the service in sandbox mode. Needs cargo, PostgreSQL's server binaries, Node.js 20+ with npm,
# and Chromium (`CHROMIUM_PATH`, default /usr/bin/chromium; Debian: `apt-get install chromium`).
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== Rust: cargo test"
cargo test --locked
cargo build --locked --bin portone-subscriptions

echo "== TypeScript client: type check"
(cd clients/typescript && npm ci --no-audit --no-fund --loglevel=error && npm run --silent check)

echo "== Next.js example: build (type-checked by next build), end-to-end in Chromium"
(
  cd examples/nextjs
  npm ci --no-audit --no-fund --loglevel=error
  npx next build > /tmp/portone-subscriptions-next-build.log 2>&1 || {
    cat /tmp/portone-subscriptions-next-build.log
    exit 1
  }
  npm run --silent e2e
)
echo "== every test passed"
