#!/usr/bin/env python3
"""Issue 17's scale proof, in one run on this machine (bench/scale builds, then runs this):
3 replicas (--shard 0..2 --total-shards 3), 3 credentials in one --config.file, 3,000 accounts
(1,000 per token: half given in the file, the rest found by discovery) against one stand-in API
(bench/standin_api.py --tokens) that counts each token's calls in a sliding window, as Cloudflare
does, scaled from 1,200 per 5 minutes to WINDOW_CALLS per WINDOW_SECONDS, and reports the quota
left in headers.

Reports counts and ratios, not absolute times:
  - every account served by exactly one replica, the one its id hashes to (FNV-1a, as the
    exporter documents);
  - zero 429s on every token;
  - each token's first full cycle (from its first account's first usage answer to its last
    one's) against the time its budget allows the busiest replica for the calls it needs
    (each replica has 1/3 of the credential's rate_limit): at most 1.1x;
  - the cycles after it: within 1.1x of the time the budget allows the busiest replica for one
    usage call per account, every account of every token has been refreshed again; and over
    the next STEADY_CYCLES cycles no account waits longer than that between two refreshes.
Prints one markdown report and writes bench/results/scale.md (raw: scale.json).

Environment: PAYGO_BENCH_BIN_DIR (bench/scale sets it), SCALE_ACCOUNTS_PER_TOKEN (1000).
"""
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
RESULTS = os.path.join(HERE, "results")
PER_TOKEN = int(os.environ.get("SCALE_ACCOUNTS_PER_TOKEN", "1000"))
TOKENS = 3
REPLICAS = 3
WINDOW_CALLS, WINDOW_SECONDS = 1200, 30    # 1,200 per 5 minutes, ten times faster
RATE = 1080                                # each credential's rate_limit: 90% of its token
INFO_AND_USAGE = 2                         # first sight: /info, then usage (current path)
STEADY_CYCLES = 2                          # watched after the one that follows the first


def fnv1a(text: str) -> int:
    value = 0xcbf29ce484222325
    for byte in text.encode():
        value = ((value ^ byte) * 0x100000001b3) & 0xFFFFFFFFFFFFFFFF
    return value


def get(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=30) as response:
        return response.read()


def main() -> int:
    binary = os.path.join(os.environ.get("PAYGO_BENCH_BIN_DIR", ".build/debug"), "cloudflare-paygo-exporter")
    work = tempfile.mkdtemp(prefix="paygo-scale-")
    accounts = {token: [f"{n:032x}" for n in range(token * PER_TOKEN + 1, (token + 1) * PER_TOKEN + 1)] for token in range(TOKENS)}
    spans = ",".join(f"scale-token-{t}={t * PER_TOKEN + 1}-{(t + 1) * PER_TOKEN}" for t in range(TOKENS))
    standin = subprocess.Popen(
        [sys.executable, os.path.join(HERE, "standin_api.py"), "serve", "--services", "2", "--old-paths", "0",
         "--window", f"{WINDOW_CALLS}/{WINDOW_SECONDS}", "--tokens", spans], stdout=subprocess.PIPE, text=True)
    api_port = int(standin.stdout.readline())
    config = os.path.join(work, "exporter.yml")
    with open(config, "w") as file:
        file.write("credentials:\n")
        for token in range(TOKENS):
            given = accounts[token][: PER_TOKEN // 2]
            file.write(f"  - name: team-{token}\n    api_token_env: SCALE_TOKEN_{token}\n    rate_limit: {RATE}/{WINDOW_SECONDS}s\n"
                       f"    discover: true\n    accounts: [{', '.join(given)}]\n")
    environment = {**os.environ, **{f"SCALE_TOKEN_{t}": f"scale-token-{t}" for t in range(TOKENS)}}
    replicas, ports = [], []
    started = time.monotonic()
    for shard in range(REPLICAS):
        port = 10300 + shard
        ports.append(port)
        replicas.append(subprocess.Popen(
            [binary, f"--config.file={config}", f"--shard={shard}", f"--total-shards={REPLICAS}",
             f"--cloudflare.api-url=http://127.0.0.1:{api_port}/client/v4", "--cloudflare.refresh-interval=1s",
             f"--web.listen-address=127.0.0.1:{port}", "--log.level=warn"],
            env=environment, stderr=open(os.path.join(work, f"replica-{shard}.log"), "w")))
    # Calls each replica needs per token in the first cycle: /info and usage for each of its
    # accounts, and the listing's pages. The busiest replica sets the pace.
    pages = -(-PER_TOKEN // 50)
    owned = {token: [sum(1 for a in accounts[token] if fnv1a(a) % REPLICAS == shard) for shard in range(REPLICAS)]
             for token in range(TOKENS)}
    allowed = {token: max(owned[token]) * INFO_AND_USAGE / (RATE / REPLICAS / WINDOW_SECONDS)
               + pages / (RATE / REPLICAS / WINDOW_SECONDS) for token in range(TOKENS)}
    stats = {}
    try:
        deadline = started + 3 * max(allowed.values()) + 30
        while time.monotonic() < deadline:
            time.sleep(1)
            stats = json.loads(get(f"http://127.0.0.1:{api_port}/stats"))
            if all(stats[f"scale-token-{t}"]["accounts"] == PER_TOKEN for t in range(TOKENS)):
                break
        # One steady cycle after the first, with 10% to spare: every account refreshed again.
        steady = {token: max(owned[token]) / (RATE / REPLICAS / WINDOW_SECONDS) for token in range(TOKENS)}
        since = min(stats[f"scale-token-{t}"]["since_first_cycle_seconds"] for t in range(TOKENS))
        time.sleep(max(2.0, 1.1 * max(steady.values()) - since))
        again = {t: json.loads(get(f"http://127.0.0.1:{api_port}/stats"))[f"scale-token-{t}"]["again_after_first_cycle"]
                 for t in range(TOKENS)}
        # Then the steady cycles: how long each account waits between two refreshes.
        time.sleep(STEADY_CYCLES * 1.1 * max(steady.values()))
        served = []
        for port in ports:
            body = get(f"http://127.0.0.1:{port}/metrics").decode()
            served.append({line.split('account_id="', 1)[1].split('"', 1)[0]
                           for line in body.splitlines() if line.startswith("cloudflare_paygo_up{")})
        stats = json.loads(get(f"http://127.0.0.1:{api_port}/stats"))
    finally:
        for process in replicas:
            process.terminate()
        standin.terminate()
        for process in replicas:
            process.wait(timeout=10)
    every = {a for token in accounts.values() for a in token}
    union = set().union(*served)
    twice = sum(len(a & b) for i, a in enumerate(served) for b in served[i + 1:])
    misplaced = sum(1 for shard, ids in enumerate(served) for a in ids if fnv1a(a) % REPLICAS != shard)
    rows, problems = [], []
    for token in range(TOKENS):
        entry = stats[f"scale-token-{token}"]
        ratio = entry["first_cycle_seconds"] / allowed[token] if allowed[token] else 0
        gap_ratio = entry["steady_max_gap_seconds"] / steady[token]
        rows.append((f"team-{token}", entry["accounts"], entry["calls"], entry["refused"], entry["first_cycle_seconds"], allowed[token], ratio,
                     again[token], steady[token], entry["steady_max_gap_seconds"], gap_ratio))
        if entry["refused"]:
            problems.append(f"team-{token}: {entry['refused']} calls refused with 429")
        if entry["accounts"] != PER_TOKEN:
            problems.append(f"team-{token}: {entry['accounts']} of {PER_TOKEN} accounts refreshed")
        if ratio > 1.1:
            problems.append(f"team-{token}: first cycle {ratio:.2f}x the time its budget allows")
        if again[token] != PER_TOKEN:
            problems.append(f"team-{token}: {again[token]} of {PER_TOKEN} accounts refreshed again within "
                            f"1.1x of a steady cycle ({steady[token]:.1f} s) after the first")
        if entry["steady_accounts"] != PER_TOKEN or gap_ratio > 1.1:
            problems.append(f"team-{token}: in the steady cycles, {entry['steady_accounts']} of {PER_TOKEN} accounts refreshed twice, "
                            f"the longest wait between two refreshes {gap_ratio:.2f}x a steady cycle")
    if union != every:
        problems.append(f"{len(every - union)} accounts served by no replica")
    if twice:
        problems.append(f"{twice} accounts served by two replicas")
    if misplaced:
        problems.append(f"{misplaced} accounts served by a replica their id does not hash to")
    report = [
        "# Scale: 3 replicas, 3 credentials, accounts discovered and given", "",
        f"{TOKENS * PER_TOKEN} accounts ({PER_TOKEN} per token, half given in --config.file, half discovered), "
        f"{REPLICAS} replicas (--total-shards {REPLICAS}), each token limited to {WINDOW_CALLS} calls in any "
        f"{WINDOW_SECONDS} s (a sliding window with quota headers), each credential's rate_limit {RATE}/{WINDOW_SECONDS}s.", "",
        f"Accounts served: {len(union)} of {len(every)}; by two replicas: {twice}; by a replica their id does not hash to: {misplaced}; "
        f"per replica: {', '.join(str(len(s)) for s in served)}.", "",
        "| credential | accounts refreshed | calls | 429s | first cycle (s) | budget allows (s) | ratio | refreshed again within 1.1x a steady cycle (s) | longest wait between two later refreshes (s) |",
        "|---|---|---|---|---|---|---|---|---|",
    ] + [f"| {n} | {a} | {c} | {r} | {s:.1f} | {w:.1f} | {x:.2f}x | {g} ({1.1 * d:.1f}) | {m:.1f} ({q:.2f}x a steady cycle) |"
         for n, a, c, r, s, w, x, g, d, m, q in rows] + [
        "", "Result: " + ("PASS" if not problems else "FAIL: " + "; ".join(problems)), ""]
    text = "\n".join(report)
    print(text)
    os.makedirs(RESULTS, exist_ok=True)
    with open(os.path.join(RESULTS, "scale.md"), "w") as file:
        file.write(text)
    with open(os.path.join(RESULTS, "scale.json"), "w") as file:
        json.dump({"stats": stats, "served": [len(s) for s in served], "allowed": allowed, "problems": problems}, file, indent=1)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
