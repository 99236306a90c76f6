#!/usr/bin/env bash
# The release build as it ships (deploy/build-release, which the Dockerfile and bench/run use),
# then checks on that binary:
#   - the Swift runtime and Foundation are linked in (--static-swift-stdlib): no libswift*,
#     libFoundation*, libdispatch or libBlocksRuntime among its needed libraries
#   - the link applied Sources/cloudflare-paygo-exporter/ReleaseLink: the functions listed in
#     symbol-order.txt sit at the start of the code in the order listed, and the private
#     helpers the linker script gathers are in .text.private (a build that silently lost either
#     still works, with several MiB more RSS: docs/performance.md)
#   - it starts in --demo mode and serves /metrics
# Peak RSS itself is measured by bench/run, not here.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="/opt/swift/usr/bin:$PATH"

deploy/build-release --product cloudflare-paygo-exporter
bin="$(deploy/build-release --show-bin-path)/cloudflare-paygo-exporter"

dynamic_swift=$(readelf -dW "$bin" | grep -E 'NEEDED.*\[(libswift|libFoundation|lib_Foundation|libdispatch|libBlocksRuntime)' || true)
if [ -n "$dynamic_swift" ]; then
    echo "$bin loads Swift libraries dynamically (deploy/build-release must pass --static-swift-stdlib):"
    echo "$dynamic_swift"
    exit 1
fi

python3 - "$bin" Sources/cloudflare-paygo-exporter/ReleaseLink/symbol-order.txt <<'PY'
import bisect, re, subprocess, sys
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
if not listed:
    sys.exit(f"{order_file} lists no functions: regenerate it with bash bench/symbol-order")
present = [addresses[name] for name in listed if name in addresses]
if len(present) < len(listed) // 2:
    sys.exit(f"only {len(present)} of the {len(listed)} functions in {order_file} are in the binary: "
             "regenerate it with bash bench/symbol-order")
# In the order listed: the longest run of listed functions whose addresses rise in list order.
# Functions of the toolchain's libraries come in whole sections that hold many functions, so
# those keep their own order; everything compiled with -function-sections follows the list
# (an ordered link: 86% in order; link order: under 5%).
tails = []
for address in present:
    position = bisect.bisect_left(tails, address)
    tails[position:position + 1] = [address]
in_order = len(tails) / len(present)
# At the start: listed functions come first, stretched by those whole sections to about a
# quarter of the code.
front = text_start + text_size // 3
at_start = sum(1 for address in present if text_start <= address < front) / len(present)
print(f"{len(present)} of {len(listed)} listed functions in the binary; {in_order:.1%} of them in the order listed, "
      f"{at_start:.1%} in the first third of .text; .text.private {sections['.text.private'][1] // 1024} KiB")
if in_order < 0.5 or at_start < 0.95:
    sys.exit(f"{binary}: the listed functions are not placed first and in order: --symbol-ordering-file "
             "was not applied, or the code was not compiled with -function-sections (deploy/build-release)")
PY

work=$(mktemp -d)
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$bin" --demo --web.listen-address="127.0.0.1:$port" >"$work/exporter.log" 2>&1 &
pid=$!
trap 'kill "$pid" 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/-/ready" >/dev/null && break; sleep 0.1; done
# The body goes to a file first: grep -q stopping early would fail curl under pipefail.
if ! curl -sf -o "$work/metrics" "http://127.0.0.1:$port/metrics" || ! grep -q '^cloudflare_paygo_contracted_cost{' "$work/metrics"; then
    cat "$work/exporter.log"
    echo "the release binary does not serve cloudflare_paygo_contracted_cost in --demo"
    exit 1
fi
echo "release binary: serves --demo; $(grep -E 'VmHWM' "/proc/$pid/status" | tr -s ' \t' ' ')"
