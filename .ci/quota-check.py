#!/usr/bin/env python3
"""Issue 17's shared-token proof with the real binary: the token is shared with another client,
and the exporter reads the quota Cloudflare reports to slow down before it runs out.

The stand-in (bench/standin_api.py --window) counts calls as Cloudflare does, at most WINDOW_CALLS
in any WINDOW_SECONDS (Cloudflare's 1,200 in any 5 minutes, scaled down), and reports the quota
left on every answer (Ratelimit: "default";r=..;t=.. and Ratelimit-Policy). The exporter's plan
assumes 90% of the token (--cloudflare.rate-limit=90/10s) and its accounts ask for more than
that (stretched interval); meanwhile another client spends OTHER_PER_SECOND calls a second of
the same window, so the plan's share does not exist.

Run twice for RUN_SECONDS each:
  - control, the stand-in reporting no quota: the exporter keeps to its plan and gets 429s (this
    proves the check can fail);
  - with the quota headers: zero 429s, the exporter still makes at least half the calls left
    to it, and cloudflare_paygo_rate_limit_remaining{credential="default"} shows the quota.

usage: quota-check.py EXPORTER_BINARY
"""
import os
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import json

HERE = os.path.dirname(os.path.abspath(__file__))
ACCOUNTS, WINDOW_CALLS, WINDOW_SECONDS, BUDGET = 40, 100, 10, 90
OTHER_PER_SECOND, RUN_SECONDS = 4, 30


def get(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.read()


def run(headers: bool, binary: str, port: int) -> dict:
    args = [sys.executable, os.path.join(HERE, "..", "bench", "standin_api.py"), "serve", "--services", "2",
            "--old-paths", "0", "--window", f"{WINDOW_CALLS}/{WINDOW_SECONDS}"] + ([] if headers else ["--no-quota-headers"])
    standin = subprocess.Popen(args, stdout=subprocess.PIPE, text=True)
    api_port = int(standin.stdout.readline())
    ids = ",".join(f"{n:032x}" for n in range(1, ACCOUNTS + 1))
    log = tempfile.TemporaryFile(mode="w+")   # read at the end; a pipe would fill and stall the exporter
    exporter = subprocess.Popen(
        [binary, f"--cloudflare.api-url=http://127.0.0.1:{api_port}/client/v4", f"--cloudflare.account-id={ids}",
         "--cloudflare.refresh-interval=1s", f"--cloudflare.rate-limit={BUDGET}/{WINDOW_SECONDS}s",
         f"--web.listen-address=127.0.0.1:{port}", "--log.level=info"],
        env={**os.environ, "CLOUDFLARE_API_TOKEN": "quota-check"}, stderr=log, text=True)
    stop = threading.Event()

    def other_client() -> None:
        while not stop.wait(0.5):
            get(f"http://127.0.0.1:{api_port}/spend?n={OTHER_PER_SECOND // 2}")

    spender = threading.Thread(target=other_client, daemon=True)
    try:
        spender.start()
        time.sleep(RUN_SECONDS)
        stats = json.loads(get(f"http://127.0.0.1:{api_port}/stats"))
        metrics = get(f"http://127.0.0.1:{port}/metrics").decode().splitlines()
    finally:
        stop.set()
        exporter.terminate()
        standin.terminate()
    exporter.wait(timeout=10)
    remaining = [line for line in metrics if line.startswith('cloudflare_paygo_rate_limit_remaining{credential="default"}')]
    stats["remaining_metric"] = remaining[0].split()[-1] if remaining else None
    return stats


def main() -> int:
    binary = sys.argv[1]
    control = run(False, binary, 10197)
    shared = run(True, binary, 10198)
    # What the window left the exporter: every window's calls, less the other client's.
    left = WINDOW_CALLS * RUN_SECONDS / WINDOW_SECONDS - shared["other_calls"]
    exporter_calls = shared["calls"] - shared["refused"]
    print(f"quota check: control (no quota headers): {control['calls']} calls, {control['refused']} refused; "
          f"with headers: {shared['calls']} calls, {shared['refused']} refused, the other client {shared['other_calls']} "
          f"calls ({shared['other_refused']} refused); the exporter made {exporter_calls} of about {left:.0f} left to it; "
          f"cloudflare_paygo_rate_limit_remaining {shared['remaining_metric']}")
    problems = []
    if control["refused"] == 0:
        problems.append("the control run got no 429: the check would not notice an exporter that ignores the quota")
    if shared["refused"]:
        problems.append(f"{shared['refused']} calls were refused with 429 although the answers reported the quota")
    if exporter_calls < 0.5 * left:
        problems.append("the exporter made less than half the calls the window left to it: it slowed down too much")
    if shared["remaining_metric"] is None:
        problems.append('cloudflare_paygo_rate_limit_remaining{credential="default"} is not served')
    for problem in problems:
        print("FAIL: " + problem)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
