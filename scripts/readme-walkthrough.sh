#!/usr/bin/env bash
# Runs every README block that starts with `API=http://localhost:3000` (the English and Korean
# walk-throughs) against a fresh sandbox each, so the README's curls keep working as written.
# Needs the built binary (target/debug/portone-subscriptions), curl and jq.
set -euo pipefail
cd "$(dirname "$0")/.."
blocks=$(mktemp -d)
python3 - "$blocks" <<'PY'
import pathlib, sys
text = pathlib.Path("README.md").read_text()
out, start, n = pathlib.Path(sys.argv[1]), 0, 0
while (at := text.find("```sh\nAPI=http://localhost:3000", start)) >= 0:
    end = text.find("```", at + 5)
    n += 1
    (out / f"{n}.sh").write_text(text[at + 6:end])
    start = end + 3
if n == 0:
    sys.exit("no walk-through found in README.md")
PY
for block in "$blocks"/*.sh; do
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  HOST=127.0.0.1 PORT=$port RUST_LOG=warn ./target/debug/portone-subscriptions --sandbox >/dev/null 2>&1 &
  service=$!
  for _ in $(seq 1 200); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.05; done
  # The block as written, pointed at this sandbox; every command must succeed.
  if ! sed "s#^API=http://localhost:3000#API=http://127.0.0.1:$port#" "$block" | bash -euo pipefail >/dev/null; then
    kill "$service"
    echo "README walk-through $(basename "$block") failed" >&2
    exit 1
  fi
  kill "$service"
  wait "$service" 2>/dev/null || true
  echo "README walk-through $(basename "$block"): ok"
done
