#!/usr/bin/env python3
"""The backfill benchmark behind bench/backfill (which installs what it needs, builds, then runs this).

Measures, in one run on this machine, against a loopback stand-in API serving 90 days:
  1. 1 account x 12 services end to end, until a past day is queryable in Prometheus:
     (a) backfill --output, promtool tsdb create-blocks-from openmetrics, Prometheus started on
         the blocks (the recipe's "picked up at restart");
     (b) backfill --remote-write.url into a Prometheus already running with an out-of-order
         window. Reports both times and their ratio, the file's size and the blocks' count.
  2. The same file with a coarser step (every 12th sample: --step 1h), its size and promtool's
     time, and what it costs a graph: points a 1-minute range query returns across a day.
  3. 10 accounts x 12 services over remote write alone, into Prometheus and into
     VictoriaMetrics: samples per second and the backfill's peak RSS.
Prints one markdown report and writes it to bench/results/backfill.md (raw: backfill.json).

Environment: PAYGO_BENCH_BIN_DIR (bench/backfill sets it), BACKFILL_DAYS (90), BACKFILL_SERVICES (12).
"""
import datetime
import json
import os
import platform
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
RESULTS = os.path.join(HERE, "results")
sys.path.insert(0, HERE)
sys.dont_write_bytecode = True
import standin_api  # noqa: E402  (records of the same catalog bench/run uses)

TOKEN = "bench-token"
DAYS = int(os.environ.get("BACKFILL_DAYS", "90"))
SERVICES = int(os.environ.get("BACKFILL_SERVICES", "12"))
MANY_ACCOUNTS = 10
MIB = 1024 * 1024
CHILDREN = []


def account_ids(count):
    import hashlib
    return [hashlib.sha256(f"backfill-account-{n}".encode()).hexdigest()[:32] for n in range(count)]


class Handler(BaseHTTPRequestHandler):
    """GET .../accounts/<id>/billable-usage?from=&to=: one record per (service, unit, day); 404 for
    anything else (the info endpoint too)."""

    def do_GET(self):
        url = urllib.parse.urlparse(self.path)
        if url.path.endswith("/billable-usage/info") or "from" not in url.query:
            # An older API generation: no info endpoint, so backfill keeps plain 62-day windows.
            return self.answer(404, b'{"success":false,"errors":[{"code":7003,"message":"Could not route"}],"messages":[],"result":null}')
        query = urllib.parse.parse_qs(url.query)
        first = datetime.date.fromisoformat(query["from"][0])
        last = datetime.date.fromisoformat(query["to"][0])
        days = [first + datetime.timedelta(days=n) for n in range((last - first).days + 1)]
        seed = int(url.path.split("/accounts/")[1][:6], 16)
        self.answer(200, standin_api.envelope(standin_api.records(SERVICES, days, seed)))

    def answer(self, status, body):
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def spawn(args, **kwargs):
    process = subprocess.Popen(args, **kwargs)
    CHILDREN.append(process)
    return process


def stop(process):
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    if process in CHILDREN:
        CHILDREN.remove(process)


def run_measured(args, env=None, log=None):
    """(seconds, exit code, peak RSS bytes) of one child, from wait4."""
    started = time.monotonic()
    process = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=open(log, "w") if log else subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    return time.monotonic() - started, os.waitstatus_to_exitcode(status), usage.ru_maxrss * 1024


def get_json(url, timeout=30):
    with urllib.request.urlopen(url, timeout=timeout) as answer:
        return json.loads(answer.read())


def wait_ready(url, timeout=600):
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        try:
            with urllib.request.urlopen(url, timeout=5) as answer:
                if answer.status == 200:
                    return time.monotonic() - started
        except OSError:
            pass
        time.sleep(0.05)
    raise RuntimeError(f"no answer from {url} after {timeout} s")


def instant(base, query, at):
    data = get_json(f"{base}/api/v1/query?" + urllib.parse.urlencode({"query": query, "time": at}))["data"]["result"]
    return float(data[0]["value"][1]) if data else None


def wait_queryable(base, at, timeout=600):
    """Polls until the backfilled day answers (the end of "end to end")."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        try:
            if instant(base, "count(cloudflare_paygo_contracted_cost)", at):
                return
        except OSError:
            pass
        time.sleep(0.05)
    raise RuntimeError(f"{base} never answered for the backfilled day")


def range_points(base, query, start, end, step):
    data = get_json(f"{base}/api/v1/query_range?" + urllib.parse.urlencode(
        {"query": query, "start": start, "end": end, "step": step}))["data"]["result"]
    return len(data[0]["values"]) if data else 0


class Bench:
    def __init__(self):
        self.bin = os.path.join(os.environ["PAYGO_BENCH_BIN_DIR"], "cloudflare-paygo-exporter")
        self.tmp = tempfile.mkdtemp(prefix="paygo-backfill-bench-")
        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, daemon=True).start()
        self.api = f"http://127.0.0.1:{server.server_address[1]}/client/v4"
        today = datetime.datetime.now(datetime.timezone.utc).date()
        self.first = today - datetime.timedelta(days=DAYS)
        self.last = today - datetime.timedelta(days=1)
        middle = self.first + datetime.timedelta(days=DAYS // 2)
        self.noon = datetime.datetime(middle.year, middle.month, middle.day, 12, tzinfo=datetime.timezone.utc).timestamp()
        self.results = {"days": DAYS, "services": SERVICES}

    def path(self, *parts):
        return os.path.join(self.tmp, *parts)

    def backfill(self, accounts, destination, log):
        args = [self.bin, "backfill", f"--cloudflare.api-url={self.api}", "--cloudflare.rate-limit=1000000/5m", "--log.level=warn",
                "--cloudflare.account-id=" + ",".join(account_ids(accounts)),
                "--from", self.first.isoformat(), "--to", self.last.isoformat()] + destination
        seconds, code, rss = run_measured(args, env=dict(os.environ, CLOUDFLARE_API_TOKEN=TOKEN), log=self.path(log))
        if code != 0:
            raise RuntimeError(f"backfill exited {code}: {open(self.path(log)).read()[-2000:]}")
        return seconds, rss

    def prometheus(self, name, data, remote_write):
        port = free_port()
        config = self.path(f"{name}.yml")
        with open(config, "w") as file:
            file.write("global: {scrape_interval: 1m}\nscrape_configs: []\n")
            if remote_write:
                file.write(f"storage:\n  tsdb:\n    out_of_order_time_window: {DAYS + 10}d\n")
        args = ["prometheus", f"--config.file={config}", f"--storage.tsdb.path={data}", "--storage.tsdb.retention.time=400d",
                f"--web.listen-address=127.0.0.1:{port}"] + (["--web.enable-remote-write-receiver"] if remote_write else [])
        process = spawn(args, stdout=subprocess.DEVNULL, stderr=open(self.path(f"{name}.log"), "w"))
        return process, f"http://127.0.0.1:{port}"

    def victoria_metrics(self):
        port = free_port()
        process = spawn(["victoria-metrics", f"-storageDataPath={self.path('vm')}", "-retentionPeriod=400d",
                         f"-httpListenAddr=127.0.0.1:{port}"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        base = f"http://127.0.0.1:{port}"
        wait_ready(base + "/health")
        return process, base

    def promtool(self, source, blocks):
        started = time.monotonic()
        subprocess.run(["promtool", "tsdb", "create-blocks-from", "openmetrics", source, blocks], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        return time.monotonic() - started

    def file_path(self):
        history = self.path("history.om")
        fetch_seconds, rss = self.backfill(1, ["--output", history], "file.log")
        promtool_seconds = self.promtool(history, self.path("blocks"))
        blocks = len(os.listdir(self.path("blocks")))
        started = time.monotonic()
        process, base = self.prometheus("prom-file", self.path("blocks"), remote_write=False)
        wait_ready(base + "/-/ready")
        wait_queryable(base, self.noon)
        start_seconds = time.monotonic() - started
        day_start = self.noon - 12 * 3600
        points = range_points(base, "count(cloudflare_paygo_contracted_cost)", day_start, day_start + 86_399, 60)
        stop(process)
        self.results["file"] = {
            "bytes": os.path.getsize(history), "lines": sum(1 for _ in open(history, "rb")), "blocks": blocks,
            "backfill_seconds": fetch_seconds, "backfill_peak_rss_bytes": rss, "promtool_seconds": promtool_seconds,
            "prometheus_start_seconds": start_seconds, "points_per_day_1m": points,
            "seconds": fetch_seconds + promtool_seconds + start_seconds,
        }
        # The same samples at every 12th step (--step 1h): what a coarser default would write.
        coarse = self.path("history-1h.om")
        with open(history, "rb") as source, open(coarse, "wb") as out:
            for line in source:
                if line.startswith(b"#") or int(line.rsplit(b" ", 1)[1]) % 3600 == 0:
                    out.write(line)
        coarse_promtool = self.promtool(coarse, self.path("blocks-1h"))
        process, base = self.prometheus("prom-coarse", self.path("blocks-1h"), remote_write=False)
        wait_ready(base + "/-/ready")
        wait_queryable(base, self.noon)
        coarse_points = range_points(base, "count(cloudflare_paygo_contracted_cost)", day_start, day_start + 86_399, 60)
        at_random = instant(base, "count(cloudflare_paygo_contracted_cost)", self.noon + 17 * 60)
        stop(process)
        self.results["file_1h"] = {
            "bytes": os.path.getsize(coarse), "blocks": len(os.listdir(self.path("blocks-1h"))), "promtool_seconds": coarse_promtool,
            "points_per_day_1m": coarse_points, "instant_at_12_17": at_random,
        }
        os.remove(history)
        os.remove(coarse)

    def remote_write_path(self):
        process, base = self.prometheus("prom-rw", self.path("prom-rw"), remote_write=True)
        wait_ready(base + "/-/ready")
        started = time.monotonic()
        seconds, rss = self.backfill(1, ["--remote-write.url", base + "/api/v1/write"], "rw.log")
        wait_queryable(base, self.noon)
        total = time.monotonic() - started
        day_start = self.noon - 12 * 3600
        points = range_points(base, "count(cloudflare_paygo_contracted_cost)", day_start, day_start + 86_399, 60)
        end = datetime.datetime(self.last.year, self.last.month, self.last.day, 23, 59, tzinfo=datetime.timezone.utc).timestamp()
        families = ["contracted_cost", "cumulated_contracted_cost", "consumed_quantity", "pricing_quantity",
                    "cumulated_pricing_quantity", "billing_period_start_timestamp_seconds"]
        samples = sum(instant(base, f"sum(count_over_time(cloudflare_paygo_{family}[{DAYS + 1}d]))", end) or 0 for family in families)
        stop(process)
        self.results["remote_write"] = {"seconds": total, "backfill_seconds": seconds, "backfill_peak_rss_bytes": rss,
                                        "points_per_day_1m": points, "samples_stored": samples}

    def many_accounts(self):
        out = {}
        process, base = self.prometheus("prom-many", self.path("prom-many"), remote_write=True)
        wait_ready(base + "/-/ready")
        seconds, rss = self.backfill(MANY_ACCOUNTS, ["--remote-write.url", base + "/api/v1/write"], "many-prom.log")
        out["prometheus"] = {"seconds": seconds, "peak_rss_bytes": rss, "summary": open(self.path("many-prom.log")).read().strip().splitlines()[-1]}
        stop(process)
        process, base = self.victoria_metrics()
        seconds, rss = self.backfill(MANY_ACCOUNTS, ["--remote-write.url", base + "/api/v1/write"], "many-vm.log")
        out["victoria-metrics"] = {"seconds": seconds, "peak_rss_bytes": rss, "summary": open(self.path("many-vm.log")).read().strip().splitlines()[-1]}
        stop(process)
        for entry in out.values():
            sent = entry["summary"].split("sent ", 1)[1].split(" samples", 1)[0].replace(",", "")
            entry["samples"] = int(sent)
            entry["samples_per_second"] = entry["samples"] / entry["seconds"]
        self.results["many"] = out

    def run(self):
        self.results["machine"] = {"cpus": os.cpu_count(), "python": platform.python_version(),
                                   "prometheus": subprocess.run(["prometheus", "--version"], capture_output=True, text=True).stdout.splitlines()[0],
                                   "started": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
                                   "git": subprocess.run(["git", "-C", REPO, "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()}
        print(f"1/3 file + promtool, {DAYS} days x 1 account x {SERVICES} services (promtool takes minutes)", file=sys.stderr)
        self.file_path()
        print("2/3 remote write into a running Prometheus", file=sys.stderr)
        self.remote_write_path()
        print(f"3/3 {MANY_ACCOUNTS} accounts over remote write into Prometheus and VictoriaMetrics", file=sys.stderr)
        self.many_accounts()
        report = self.report()
        os.makedirs(RESULTS, exist_ok=True)
        with open(os.path.join(RESULTS, "backfill.json"), "w") as file:
            json.dump(self.results, file, indent=2)
        with open(os.path.join(RESULTS, "backfill.md"), "w") as file:
            file.write(report)
        print(report)
        return 0

    def report(self):
        r = self.results
        f, c, w, m = r["file"], r["file_1h"], r["remote_write"], r["many"]
        ratio = f["seconds"] / w["seconds"]
        lines = [
            f"# Backfill benchmark", "",
            f"- run: {r['machine']['started']}, git {r['machine']['git']}, {r['machine']['cpus']} CPUs, {r['machine']['prometheus']}",
            f"- {r['days']} days x 1 account x {r['services']} services from a loopback stand-in API", "",
            "## End to end, until a past day is queryable", "",
            "| path | seconds | of which | result |", "|---|---:|---|---|",
            f"| file + promtool + Prometheus start | {f['seconds']:.1f} | backfill {f['backfill_seconds']:.1f} s, promtool {f['promtool_seconds']:.1f} s, "
            f"start on the blocks {f['prometheus_start_seconds']:.1f} s | {f['bytes'] / MIB:.0f} MiB file ({f['lines']:,} lines), {f['blocks']} blocks |",
            f"| remote write into a running Prometheus | {w['seconds']:.1f} | backfill {w['backfill_seconds']:.1f} s (peak RSS {w['backfill_peak_rss_bytes'] / MIB:.1f} MiB) | "
            f"{int(w['samples_stored'] or 0):,} samples stored |", "",
            f"**Remote write is {ratio:.1f}x faster** (target: at least 20x): {'PASS' if ratio >= 20 else 'FAIL'}.", "",
            "## A coarser --step for the file", "",
            "| step | file MiB | blocks | promtool s | points of a 1-minute graph across a day |", "|---|---:|---:|---:|---:|",
            f"| 5m (default) | {f['bytes'] / MIB:.0f} | {f['blocks']} | {f['promtool_seconds']:.1f} | {f['points_per_day_1m']} of 1440 |",
            f"| 1h | {c['bytes'] / MIB:.0f} | {c['blocks']} | {c['promtool_seconds']:.1f} | {c['points_per_day_1m']} of 1440 |", "",
            f"With the 1h step an instant query at 12:17 finds {'nothing' if not c['instant_at_12_17'] else c['instant_at_12_17']} "
            "(Prometheus looks back 5 minutes for a sample).", "",
            f"## {MANY_ACCOUNTS} accounts over remote write", "",
            "| receiver | samples | seconds | samples/s | backfill peak RSS MiB |", "|---|---:|---:|---:|---:|",
        ]
        for name, entry in m.items():
            lines.append(f"| {name} | {entry['samples']:,} | {entry['seconds']:.1f} | {entry['samples_per_second']:,.0f} | {entry['peak_rss_bytes'] / MIB:.1f} |")
        return "\n".join(lines) + "\n"


def main():
    bench = Bench()
    try:
        return bench.run()
    finally:
        for process in list(CHILDREN):
            stop(process)
        shutil.rmtree(bench.tmp, ignore_errors=True)


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    sys.exit(main())
