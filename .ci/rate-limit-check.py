#!/usr/bin/env python3
"""Issue 7's scale proof with the real binary, alone on the machine (not beside other tests):
1,000 accounts on one token against a stand-in that enforces a token bucket of 200 calls per
2 s (Cloudflare's 1,200 per 5 minutes, scaled down), the exporter's budget at 90% of it.

The stand-in (bench/standin_api.py --old-paths 16) puts one account in 16 on /paygo-usage and
one in 16 on /billing/usage/paygo only, the rest on /billable-usage with its /info endpoint. At
first sight the exporter asks each account's /info and then its usage, falling back on 404 to
the older paths, so the first cycle needs FIRST_CALLS calls, not one per account:
  current path: /info + usage = 2; /paygo-usage: /info 404, /billable-usage 404, usage = 3;
  /billing/usage/paygo only: /info 404, two 404s, usage = 4.
Then one usage call per account and cycle (the path remembered, /info again about daily).

Passes when no call is refused, every account is refreshed and up, every account on the current
path had its /info asked and shows cloudflare_paygo_account_covered 1, the first full cycle
takes at most 1.1x the time the budget allows for FIRST_CALLS, no 404 is asked for again in the
second cycle (the path is remembered per account) and the exporter reports the stretched
interval (ACCOUNTS usage calls per cycle at 95% of the budget, the share a stretched interval
plans to fill; the daily /info calls add about 0.01%).

usage: rate-limit-check.py EXPORTER_BINARY
"""
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(HERE, "..", "bench"))
import standin_api  # noqa: E402  (the stand-in's own rule for which account is on which path)

ACCOUNTS, BUCKET, WINDOW, BUDGET, OLD_PATHS = 1000, 200, 2.0, 180, 16
IDS = [f"{n:032x}" for n in range(1, ACCOUNTS + 1)]
GENERATIONS = [standin_api.generation(account, OLD_PATHS) for account in IDS]
CURRENT_ACCOUNTS = GENERATIONS.count(standin_api.CURRENT)
CALLS_AT_FIRST_SIGHT = {standin_api.CURRENT: 2, standin_api.OLD: 3, standin_api.OLDEST: 4}
FIRST_CALLS = sum(CALLS_AT_FIRST_SIGHT[g] for g in GENERATIONS)
FIRST_NOT_FOUND = FIRST_CALLS - ACCOUNTS - CURRENT_ACCOUNTS   # every call but usage and current /info
PLANNED_SHARE = 0.95                           # of the budget, for a stretched interval
ALLOWED = ACCOUNTS * WINDOW / BUDGET / PLANNED_SHARE  # seconds one planned cycle takes
ALLOWED_FIRST = FIRST_CALLS * WINDOW / BUDGET  # seconds the first cycle's calls take at the budget


def get(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=5) as response:
        return response.read()


def main() -> int:
    standin = subprocess.Popen(
        [sys.executable, os.path.join(HERE, "..", "bench", "standin_api.py"), "serve", "--services", "2",
         "--bucket", f"{BUCKET}/{WINDOW}", "--old-paths", str(OLD_PATHS)],
        stdout=subprocess.PIPE, text=True)
    api_port = int(standin.stdout.readline())
    # The log goes to a file: a pipe nobody reads until the end fills up and stalls the exporter.
    log_file = tempfile.TemporaryFile(mode="w+")
    exporter = subprocess.Popen(
        [sys.argv[1], f"--cloudflare.api-url=http://127.0.0.1:{api_port}/client/v4",
         f"--cloudflare.account-id={','.join(IDS)}", "--cloudflare.refresh-interval=1s", f"--cloudflare.rate-limit={BUDGET}/{WINDOW:g}s",
         "--web.listen-address=127.0.0.1:10199", "--log.level=info"],
        env={**os.environ, "CLOUDFLARE_API_TOKEN": "rate-limit-check"}, stderr=log_file, text=True)
    try:
        deadline = time.monotonic() + 3 * ALLOWED_FIRST
        first = {}
        while time.monotonic() < deadline:
            time.sleep(0.5)
            first = json.loads(get(f"http://127.0.0.1:{api_port}/stats"))
            if first["accounts"] == ACCOUNTS:
                break
        time.sleep(5)   # into the second cycle, on the spread slots
        stats = json.loads(get(f"http://127.0.0.1:{api_port}/stats"))
        metrics = get("http://127.0.0.1:10199/metrics").decode().splitlines()
        interval = next(float(line.split()[1]) for line in metrics if line.startswith('cloudflare_paygo_refresh_interval_seconds{credential="default"} '))
        up = sum(1 for line in metrics if line.startswith("cloudflare_paygo_up{") and line.endswith(" 1"))
        covered = sum(1 for line in metrics if line.startswith("cloudflare_paygo_account_covered{") and line.endswith(" 1"))
    finally:
        exporter.terminate()
        standin.terminate()
    exporter.wait(timeout=10)
    log_file.seek(0)
    log = log_file.read()
    print(f"rate-limit check: {stats['calls']} calls ({stats['usage_calls']} usage, {stats['info_calls']} info, "
          f"{stats['not_found']} 404), {stats['refused']} refused, {stats['accounts']} accounts "
          f"({ACCOUNTS - CURRENT_ACCOUNTS} on older paths), first cycle {first.get('first_cycle_seconds', 0):.2f} s "
          f"over {first.get('first_cycle_calls', 0)} calls (budget allows {ALLOWED_FIRST:.2f} s for the {FIRST_CALLS} calls "
          f"it needs), effective interval {interval:.2f} s (budget: {ALLOWED:.2f} s), {up} accounts up, {covered} covered")
    problems = []
    if stats["refused"]:
        problems.append(f"{stats['refused']} calls were refused with 429")
    if first.get("accounts") != ACCOUNTS or stats["accounts"] != ACCOUNTS or up != ACCOUNTS:
        problems.append("not every account was refreshed")
    if stats["info_accounts"] != CURRENT_ACCOUNTS or covered != CURRENT_ACCOUNTS:
        problems.append(f"/info answered for {stats['info_accounts']} accounts and {covered} are shown covered, "
                        f"want every account on the current path ({CURRENT_ACCOUNTS})")
    if first.get("first_cycle_seconds", 0) > 1.1 * ALLOWED_FIRST:
        problems.append("the first cycle took longer than 1.1x what the budget allows for its calls")
    if first.get("not_found", 0) > FIRST_NOT_FOUND or stats["not_found"] != first.get("not_found"):
        problems.append(f"{first.get('not_found')} 404s in the first cycle (at most {FIRST_NOT_FOUND} needed) and "
                        f"{stats['not_found'] - first.get('not_found', 0)} after it: the path that answered is not remembered")
    if not ALLOWED - 0.01 <= interval <= 1.01 * ALLOWED + 0.01 or "refresh interval stretched" not in log:
        problems.append("the stretched interval is not reported in the metrics and the log")
    for problem in problems:
        print("FAIL: " + problem)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
