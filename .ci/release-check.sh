#!/usr/bin/env bash
# The release build as it ships (deploy/build-release, which the Dockerfile and bench/run use),
# then checks on that binary:
#   - the link applied Sources/cloudflare-paygo-exporter/ReleaseLink: the functions listed in
#     symbol-order.txt sit together at the start of the code, and the private helpers the
#     linker script gathers are in .text.private (a build that silently lost either still works,
#     with about 10 MiB more RSS)
#   - it starts in --demo mode and serves /metrics
# Peak RSS itself is measured by bench/run, not here.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="/opt/swift/usr/bin:$PATH"

deploy/build-release --product cloudflare-paygo-exporter
bin="$(deploy/build-release --show-bin-path)/cloudflare-paygo-exporter"

python3 - "$bin" Sources/cloudflare-paygo-exporter/ReleaseLink/symbol-order.txt <<'PY'
import re, subprocess, sys
binary, order_file = sys.argv[1], sys.argv[2]
sections = {}
for line in subprocess.run(["readelf", "-SW", binary], capture_output=True, text=True, check=True).stdout.splitlines():
    m = re.match(r"\s*\[\s*\d+\]\s+(\S+)\s+\S+\s+([0-9a-f]+)\s+[0-9a-f]+\s+([0-9a-f]+)", line)
    if m:
        sections[m.group(1)] = (int(m.group(2), 16), int(m.group(3), 16))
if ".text.private" not in sections:
    sys.exit(f"{binary}: no .text.private section: ReleaseLink/private-functions.ld was not applied")
text_start, text_size = sections[".text"]
addresses = {}
for line in subprocess.run(["nm", "--defined-only", binary], capture_output=True, text=True, check=True).stdout.splitlines():
    parts = line.split(" ", 2)
    if len(parts) == 3 and parts[1] in "tTwW":
        addresses[parts[2]] = int(parts[0], 16)
listed = [line.strip() for line in open(order_file) if line.strip() and not line.startswith("#")]
present = [addresses[name] for name in listed if name in addresses]
if len(present) < len(listed) // 2:
    sys.exit(f"only {len(present)} of the {len(listed)} functions in {order_file} are in the binary: "
             "regenerate it with bench/symbol-order")
# Listed functions come first; whole sections that hold several functions (the toolchain's
# libraries) stretch that part to about a quarter of the code.
front = text_start + text_size // 3
share = sum(1 for address in present if text_start <= address < front) / len(present)
print(f"{len(present)} of {len(listed)} listed functions in the binary; {share:.1%} of them in the first third of .text; "
      f".text.private {sections['.text.private'][1] // 1024} KiB")
if share < 0.95:
    sys.exit(f"{binary}: the listed functions are not at the start of .text: --symbol-ordering-file was not applied")
PY

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$bin" --demo --web.listen-address="127.0.0.1:$port" >/tmp/release-check.log 2>&1 &
pid=$!
trap 'kill "$pid" 2>/dev/null || true' EXIT
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/-/ready" >/dev/null && break; sleep 0.1; done
curl -sf "http://127.0.0.1:$port/metrics" | grep -q '^cloudflare_paygo_contracted_cost{' \
    || { cat /tmp/release-check.log; echo "the release binary does not serve cloudflare_paygo_contracted_cost in --demo"; exit 1; }
echo "release binary: serves --demo; $(grep -E 'VmHWM' "/proc/$pid/status" | tr -s ' \t' ' ')"
