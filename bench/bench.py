#!/usr/bin/env python3
"""The benchmark harness behind bench/run (which installs what it needs, builds, then runs this).

Measures cloudflare-paygo-exporter against references in one run, on this machine:
  1. serving: req/s, p99 and peak RSS under wrk, against nginx serving the same bytes as a
     static file and a prometheus_client exporter in Python (bench/reference_exporter.py);
  2. refresh: decoding one large answer (paygo-bench runs the exporter's decoder and Foundation's
     JSONDecoder; Python's json.loads), and refreshing 1,000 accounts from a loopback stand-in
     (exporter `once` vs Python urllib);
  3. soak: RSS of the exporter before and after minutes of scrapes.
Prints one markdown report and writes it to bench/results/latest.md (raw numbers: latest.json).

Only the standard library: the Python reference exporter runs in its own venv.

Environment (bench/run sets the first two):
  PAYGO_BENCH_BIN_DIR      folder with cloudflare-paygo-exporter (and paygo-bench, if built)
  PAYGO_BENCH_VENV_PYTHON  python with prometheus_client, for the reference exporter
  BENCH_SECONDS            seconds per wrk run (default 10)
  BENCH_SOAK_SECONDS       seconds of the soak (default 600; 0 skips it)

Internal sub-commands (run as children, so their memory is measured alone):
  bench.py _py-decode FILE [--repeat N]
  bench.py _py-fetch --api-url URL --accounts FILE [--threads N]
"""
import argparse
import atexit
import ctypes
import datetime
import hashlib
import json
import os
import platform
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import traceback
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
RESULTS = os.path.join(HERE, "results")
sys.path.insert(0, HERE)            # standin_api, for the large answer
sys.dont_write_bytecode = True      # no __pycache__ in the work tree

TOKEN = "bench-token"
WRK_THREADS, WRK_CONNECTIONS = 2, 32
RATE_LIMIT = "1000000/5m"       # effectively unlimited: the bench measures work, not waiting
DECODE_REPEAT = 5
FETCH_THREADS = 8
SOAK_WARMUP_SECONDS = 5
SOAK_WINDOW_SECONDS = 60        # start and end RSS are medians over this long (RSS jitters)
SINGLE_SCRAPES = 3              # sequential scrapes timed alone before each wrk run
PAGE_REPEAT = 20                # cached landing-page answers timed after the first (rendering) one
MAX_SUMMARY_BYTES = 512 * 1024  # `/` is paged (200 rows), so this holds at any number of accounts
MAX_ACCOUNT_PAGE_BYTES = 64 * 1024
MAX_FIRST_RENDER_MS = 250       # the first answer of `/` at 1,000 accounts, rendering included
ROUNDS = 3                      # interleaved wrk runs per server and encoding (exporter, nginx); the median is reported
SOAK_TOLERANCE_BYTES = 2 * 1024 * 1024  # allocator noise; more than this counts as growth
MIB = 1024 * 1024
OTHER_CPU_WARNING = 0.05        # more than this much CPU used by others flags the run as disturbed

# Bodies served: (label, accounts, services per account).
SMALL = ("20x12", 20, 12)
MID = ("100x10", 100, 10)        # about 10,000 series: the body the RSS target is about
LARGE = ("1000x10", 1000, 10)
DECODE_DAYS, DECODE_SERVICES = 62, 100


# ----------------------------------------------------------------------------------------------
# Child processes: every one is registered, dies with the harness (PR_SET_PDEATHSIG) and is
# stopped on exit, so an interrupted run leaves nothing listening.

CHILDREN: list = []
TEMP_DIRS: list = []
_libc = ctypes.CDLL(None, use_errno=True)


def _die_with_parent() -> None:
    _libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def spawn(args: list, **kwargs) -> subprocess.Popen:
    process = subprocess.Popen(args, preexec_fn=_die_with_parent, **kwargs)
    CHILDREN.append(process)
    return process


def stop(process: subprocess.Popen) -> None:
    if process.returncode is None and process.poll() is None:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    if process in CHILDREN:
        CHILDREN.remove(process)


def stop_all() -> None:
    for process in reversed(list(CHILDREN)):
        stop(process)


def clean_up() -> None:
    stop_all()
    for folder in TEMP_DIRS:
        shutil.rmtree(folder, ignore_errors=True)


def _on_signal(signum, _frame) -> None:
    sys.exit(128 + signum)  # runs atexit, which stops the children


def clean_up_on_exit() -> None:
    """Stops every child and removes every temporary folder when the script ends, however it ends."""
    atexit.register(clean_up)
    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, _on_signal)


def in_turns(items: list, round_index: int) -> list:
    """`items` in the order of round `round_index`: as given in even rounds, reversed in odd ones,
    so that no one always goes first."""
    return list(items) if round_index % 2 == 0 else list(reversed(list(items)))


def median_run(runs: list, key: str) -> dict:
    """The middle of `runs` by `key`, with every run's `key` in run order under rounds_<key>."""
    median = dict(sorted(runs, key=lambda run: run[key] or 0)[len(runs) // 2])
    median[f"rounds_{key}"] = [run[key] for run in runs]
    return median


def wait_measured(process: subprocess.Popen) -> tuple:
    """Waits for one child; (exit code, its own peak RSS in bytes) from wait4's rusage."""
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    CHILDREN.remove(process)
    return process.returncode, usage.ru_maxrss * 1024


# ----------------------------------------------------------------------------------------------
# Small helpers.

def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def proc_status(pid: int, key: str) -> int:
    """VmRSS, VmHWM, ... of a process in bytes (0 if it is gone)."""
    try:
        with open(f"/proc/{pid}/status") as file:
            for line in file:
                if line.startswith(key + ":"):
                    return int(line.split()[1]) * 1024
    except FileNotFoundError:
        pass
    return 0


def child_pids(parent: int) -> list:
    pids = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as file:
                    fields = file.read().rsplit(")", 1)[1].split()
                if int(fields[1]) == parent:
                    pids.append(int(entry))
            except (FileNotFoundError, ProcessLookupError, IndexError):
                pass
    return pids


def http_get(url: str, headers: dict = None, timeout: float = 30) -> tuple:
    """(status, headers, body); error statuses are returned, not raised."""
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as answer:
            return answer.status, answer.headers, answer.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def wait_until(check, timeout: float, what: str, process: subprocess.Popen = None) -> float:
    """Polls check() until true; seconds taken. Fails early if `process` exits."""
    started = time.monotonic()
    while True:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"{what}: the process exited with {process.returncode}")
        try:
            if check():
                return time.monotonic() - started
        except OSError:
            pass
        if time.monotonic() - started > timeout:
            raise RuntimeError(f"{what}: not after {timeout:.0f} s")
        time.sleep(0.05)


def read_port(process: subprocess.Popen, what: str) -> int:
    """Children that bind port 0 print the port on their first line."""
    line = process.stdout.readline()
    if not line.strip():
        raise RuntimeError(f"{what} exited before printing its port ({process.wait()})")
    return int(line)


class CPUWatch:
    """CPU time the rest of the machine used while the bench ran: the whole machine's busy time
    (/proc/stat) less this process's and its reaped children's. Anything else busy (a build, say)
    shares the 2 cores with the servers and wrk, and every number with it."""

    def __init__(self) -> None:
        self.started, self.busy, self.own = time.monotonic(), self.machine_busy(), self.own_seconds()

    @staticmethod
    def machine_busy() -> float:
        with open("/proc/stat") as file:
            fields = [int(n) for n in file.readline().split()[1:]]
        return sum(fields[:3]) / os.sysconf("SC_CLK_TCK")  # user, nice, system

    @staticmethod
    def own_seconds() -> float:
        times = os.times()
        return times.user + times.system + times.children_user + times.children_system

    def other_share(self) -> float:
        """Share of the machine's CPU capacity used by others; call once every child is reaped."""
        other = (self.machine_busy() - self.busy) - (self.own_seconds() - self.own)
        capacity = (time.monotonic() - self.started) * len(os.sched_getaffinity(0))
        return max(0.0, other / capacity)


def account_ids(count: int) -> list:
    return [hashlib.sha256(f"bench-account-{n}".encode()).hexdigest()[:32] for n in range(count)]


def series_count(body: bytes) -> int:
    return sum(1 for line in body.splitlines() if line.strip() and not line.startswith(b"#"))


def tail(path: str, lines: int = 15) -> str:
    try:
        with open(path, errors="replace") as file:
            return "".join(file.readlines()[-lines:])
    except FileNotFoundError:
        return ""


# ----------------------------------------------------------------------------------------------
# wrk.

UNIT_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0, "h": 3600000.0}


def parse_wrk(text: str) -> dict:
    def number(pattern, default=0.0):
        match = re.search(pattern, text, re.MULTILINE)
        return float(match.group(1)) if match else default

    def latency(percent):
        match = re.search(rf"^\s+{percent}%\s+([\d.]+)(us|ms|s|m|h)\s*$", text, re.MULTILINE)
        return float(match.group(1)) * UNIT_MS[match.group(2)] if match else None

    sockets = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
    connect, read, write, timeouts = (int(n) for n in sockets.groups()) if sockets else (0, 0, 0, 0)
    return {
        "rps": number(r"^Requests/sec:\s+([\d.]+)"),
        "requests": int(number(r"^\s*(\d+) requests in")),
        "p50_ms": latency(50), "p90_ms": latency(90), "p99_ms": latency(99),
        "connect_errors": connect, "read_errors": read, "write_errors": write, "timeouts": timeouts,
        "non_2xx": int(number(r"Non-2xx or 3xx responses: (\d+)")),
    }


def wrk(url: str, seconds: int, gzip: bool) -> dict:
    args = ["wrk", f"-t{WRK_THREADS}", f"-c{WRK_CONNECTIONS}", f"-d{seconds}s", "--latency"]
    if gzip:
        args += ["-H", "Accept-Encoding: gzip"]
    process = spawn(args + [url], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    output, _ = process.communicate()
    CHILDREN.remove(process)
    if process.returncode != 0:
        raise RuntimeError(f"wrk failed ({process.returncode}): {output.strip()}")
    result = parse_wrk(output)
    result.update(seconds=seconds, raw=output)
    return result


# ----------------------------------------------------------------------------------------------
# The servers.

class Bench:
    def __init__(self) -> None:
        self.bin_dir = os.environ["PAYGO_BENCH_BIN_DIR"]
        self.exporter = os.path.join(self.bin_dir, "cloudflare-paygo-exporter")
        self.paygo_bench = os.path.join(self.bin_dir, "paygo-bench")
        self.venv_python = os.environ.get("PAYGO_BENCH_VENV_PYTHON", "")
        self.seconds = int(os.environ.get("BENCH_SECONDS", "10"))
        self.soak_seconds = int(os.environ.get("BENCH_SOAK_SECONDS", "600"))
        self.tmp = tempfile.mkdtemp(prefix="paygo-bench-")
        TEMP_DIRS.append(self.tmp)
        os.chmod(self.tmp, 0o755)  # nginx's workers (not root) read the bodies from here
        self.standins: dict = {}
        self.results: dict = {"serving": {}, "refresh": {}, "soak": None, "errors": []}
        self.nginx = shutil.which("nginx") or "/usr/sbin/nginx"
        help_text = subprocess.run([self.exporter, "--help"], capture_output=True, text=True).stdout
        self.rate_flags = [f"--cloudflare.rate-limit={RATE_LIMIT}"] if "rate-limit" in help_text else []

    def path(self, *parts: str) -> str:
        return os.path.join(self.tmp, *parts)

    def standin(self, services: int) -> int:
        """Port of a stand-in API serving `services` services per account (started once)."""
        if services not in self.standins:
            process = spawn([sys.executable, os.path.join(HERE, "standin_api.py"), "serve", "--services", str(services)],
                            stdout=subprocess.PIPE, text=True)
            self.standins[services] = read_port(process, "the stand-in API")
        return self.standins[services]

    def exporter_args(self, accounts: int, services: int) -> list:
        return [
            f"--cloudflare.api-url=http://127.0.0.1:{self.standin(services)}/client/v4",
            # In flags of 1,000 ids: one argument may not exceed 128 KiB on Linux.
            *["--cloudflare.account-id=" + ",".join(ids[start:start + 1000]) for ids in [account_ids(accounts)]
              for start in range(0, len(ids), 1000)],
            "--log.level=warn",
        ] + self.rate_flags

    def start_exporter(self, label: str, accounts: int, services: int) -> tuple:
        """(process, port, seconds until /-/ready)."""
        port = free_port()
        log = self.path(f"exporter-{label}.log")
        process = spawn([self.exporter, f"--web.listen-address=127.0.0.1:{port}", "--cloudflare.refresh-interval=1h"]
                        + self.exporter_args(accounts, services),
                        env=dict(os.environ, CLOUDFLARE_API_TOKEN=TOKEN),
                        stdout=open(log, "w"), stderr=subprocess.STDOUT)
        try:
            ready = wait_until(lambda: http_get(f"http://127.0.0.1:{port}/-/ready", timeout=5)[0] == 200,
                               600, "the exporter's /-/ready", process)
        except RuntimeError as error:
            raise RuntimeError(f"{error}\n{tail(log)}") from None
        return process, port, ready

    def start_nginx(self, label: str, root: str) -> tuple:
        """(process, port): nginx in the foreground with its own prefix, not the system's."""
        port = free_port()
        prefix = self.path(f"nginx-{label}")
        os.makedirs(prefix)
        with open(os.path.join(HERE, "nginx.conf.template")) as file:
            config = file.read().replace("@PREFIX@", prefix).replace("@ROOT@", root).replace("@PORT@", str(port))
        with open(os.path.join(prefix, "nginx.conf"), "w") as file:
            file.write(config)
        process = spawn([self.nginx, "-p", prefix, "-c", os.path.join(prefix, "nginx.conf"), "-e", os.path.join(prefix, "error.log")],
                        stdout=subprocess.DEVNULL, stderr=open(os.path.join(prefix, "stderr.log"), "w"))
        try:
            wait_until(lambda: http_get(f"http://127.0.0.1:{port}/metrics", timeout=5)[0] == 200, 30, "nginx", process)
        except RuntimeError as error:
            raise RuntimeError(f"{error}\n{tail(os.path.join(prefix, 'stderr.log'))}{tail(os.path.join(prefix, 'error.log'))}") from None
        return process, port

    def start_reference(self, label: str, body_file: str) -> tuple:
        """(process, port, seconds to load the body) of the Python reference exporter."""
        if not self.venv_python:
            raise RuntimeError("no venv with prometheus_client (PAYGO_BENCH_VENV_PYTHON)")
        started = time.monotonic()
        process = spawn([self.venv_python, os.path.join(HERE, "reference_exporter.py"), body_file, "0"],
                        stdout=subprocess.PIPE, stderr=open(self.path(f"reference-{label}.log"), "w"), text=True)
        port = read_port(process, "the reference exporter")
        return process, port, time.monotonic() - started

    # ------------------------------------------------------------------------------------------
    # 1. Serving.

    def measure_run(self, name: str, url: str, pids, encoding: str) -> dict:
        """One wrk run in `encoding` against one server; peak RSS of `pids()` after it.

        It is preceded by a few scrapes timed one at a time: the cost of one scrape without
        contention, and a number even for a server too slow to answer within wrk's 2 s timeout."""
        headers = {"Accept-Encoding": "gzip"} if encoding == "gzip" else {}
        single = []
        for _ in range(SINGLE_SCRAPES):
            started = time.monotonic()
            status, answer_headers, _ = http_get(url, headers, timeout=300)
            single.append(time.monotonic() - started)
            if status != 200:
                raise RuntimeError(f"{name} /metrics answered {status}")
        gzipped = answer_headers.get("Content-Encoding") == "gzip"
        if gzipped != (encoding == "gzip"):
            self.error(f"{name} {encoding}", RuntimeError(f"Content-Encoding {answer_headers.get('Content-Encoding')!r}"))
        print(f"  wrk {name} {encoding} ({self.seconds} s)", flush=True)
        result = wrk(url, self.seconds, encoding == "gzip")
        result.update(single_scrape_ms=statistics.median(single) * 1000, gzipped=gzipped)
        self.record_rss(result, pids())
        return result

    @staticmethod
    def record_rss(result: dict, processes: list) -> None:
        result["peak_rss_bytes"] = sum(proc_status(pid, "VmHWM") for pid in processes)
        result["peak_rss_max_process_bytes"] = max(proc_status(pid, "VmHWM") for pid in processes)
        result["rss_bytes"] = sum(proc_status(pid, "VmRSS") for pid in processes)
        # File-backed pages are the binary's and the libraries' (shared, reclaimable);
        # anonymous ones are the heap and stacks: what the data costs.
        result["rss_anon_bytes"] = sum(proc_status(pid, "RssAnon") for pid in processes)
        result["rss_file_bytes"] = sum(proc_status(pid, "RssFile") for pid in processes)
        result["processes"] = len(processes)

    def measure_server(self, name: str, url: str, pids) -> dict:
        """One wrk run in plain and one in gzip against one server (the slow reference)."""
        return {encoding: self.measure_run(name, url, pids, encoding) for encoding in ("plain", "gzip")}

    def measure_interleaved(self, servers: dict) -> dict:
        """`servers`: name -> (url, pids), all running. Per encoding, ROUNDS rounds in which each
        server gets one wrk run, in an order that alternates from round to round, so that the
        machine getting faster or slower during the run (these machines are shared) weighs on
        every server alike. Each server's median run by req/s is reported, with the req/s of
        every round; peak RSS is read after the last round."""
        results = {name: {} for name in servers}
        for encoding in ("plain", "gzip"):
            rounds = {name: [] for name in servers}
            for round_index in range(ROUNDS):
                for name in in_turns(servers, round_index):
                    url, pids = servers[name]
                    rounds[name].append(self.measure_run(name, url, pids, encoding))
            for name, runs in rounds.items():
                median = median_run(runs, "rps")
                self.record_rss(median, servers[name][1]())
                results[name][encoding] = median
        return results

    def serving(self, label: str, accounts: int, services: int) -> None:
        print(f"serving: {label} ({accounts} accounts x {services} services)", flush=True)
        body_dir = self.path(f"body-{label}")
        os.makedirs(body_dir)
        os.chmod(body_dir, 0o755)
        body_file = os.path.join(body_dir, "metrics")
        entry = self.results["serving"][label] = {"accounts": accounts, "services": services, "servers": {}}

        process, port, ready = self.start_exporter(label, accounts, services)
        entry.update(ready_seconds=ready, ready_peak_rss_bytes=proc_status(process.pid, "VmHWM"),
                     ready_rss_bytes=proc_status(process.pid, "VmRSS"))
        url = f"http://127.0.0.1:{port}/metrics"
        status, _, body = http_get(url)
        if status != 200:
            raise RuntimeError(f"exporter /metrics answered {status}")
        with open(body_file, "wb") as file:
            file.write(body)
        os.chmod(body_file, 0o644)
        subprocess.run(["gzip", "-k", "-6", "-f", body_file], check=True)
        _, headers, zipped = http_get(url, {"Accept-Encoding": "gzip"})
        entry.update(series=series_count(body), body_bytes=len(body), gzip6_bytes=os.path.getsize(body_file + ".gz"),
                     exporter_gzip_bytes=len(zipped), exporter_gzips=headers.get("Content-Encoding") == "gzip")
        # The exporter and nginx run side by side and take turns under wrk.
        servers = {"exporter": (url, lambda: [process.pid])}
        nginx = None
        try:
            try:
                nginx, nginx_port = self.start_nginx(label, body_dir)
                servers["nginx"] = (f"http://127.0.0.1:{nginx_port}/metrics", lambda: [nginx.pid] + child_pids(nginx.pid))
            except Exception as error:  # one reference failing must not lose the others
                self.error(f"serving {label}: nginx", error)
            entry["servers"].update(self.measure_interleaved(servers))
        finally:
            stop(process)
            if nginx is not None:
                stop(nginx)

        try:
            process, port, loaded = self.start_reference(label, body_file)
            try:
                reference_body = http_get(f"http://127.0.0.1:{port}/metrics", timeout=120)[2]
                entry["python_series"] = series_count(reference_body)
                entry["python_load_seconds"] = loaded
                entry["servers"]["python"] = self.measure_server(
                    "python", f"http://127.0.0.1:{port}/metrics", lambda: [process.pid])
            finally:
                stop(process)
        except Exception as error:
            self.error(f"serving {label}: python", error)

    # ------------------------------------------------------------------------------------------
    # 2. Refresh.

    def decode(self) -> None:
        import standin_api
        print(f"refresh: decoding one answer of {DECODE_DAYS} days x {DECODE_SERVICES} services", flush=True)
        answer_file = self.path("answer.json")
        with open(answer_file, "wb") as file:
            file.write(standin_api.answer(DECODE_SERVICES, DECODE_DAYS))
        entry = self.results["refresh"]["decode"] = {
            "answer_bytes": os.path.getsize(answer_file), "days": DECODE_DAYS, "services": DECODE_SERVICES, "modes": {}}
        runs = [("python", [sys.executable, os.path.abspath(__file__), "_py-decode", answer_file, "--repeat", str(DECODE_REPEAT)])]
        if os.access(self.paygo_bench, os.X_OK):
            runs = [(mode, [self.paygo_bench, "decode", "--mode", mode, "--answer", answer_file, "--repeat", str(DECODE_REPEAT)])
                    for mode in ("exporter", "jsondecoder")] + runs
        else:
            entry["note"] = f"paygo-bench not found in {self.bin_dir}: the Swift rows are skipped"
        # Decoders take turns, ROUNDS times in alternating order, and each one's median run is
        # kept: on these shared machines the same decode takes 15 ms one minute and 24 the next.
        rounds = {mode: [] for mode, _ in runs}
        for round_index in range(ROUNDS):
            for mode, args in in_turns(runs, round_index):
                if rounds[mode] is None:   # failed once: its error is recorded
                    continue
                print(f"  {mode}", flush=True)
                try:
                    done = subprocess.run(args, capture_output=True, text=True, timeout=600)
                    if done.returncode != 0:
                        raise RuntimeError(f"exit {done.returncode}: {done.stderr.strip()[-500:]}")
                    line = [text for text in done.stdout.splitlines() if text.strip().startswith("{")][-1]
                    result = json.loads(line)
                    result["growth_bytes"] = result["peak_rss_bytes"] - result["rss_before_bytes"]
                    rounds[mode].append(result)
                except Exception as error:
                    self.error(f"decode {mode}", error)
                    rounds[mode] = None
        for mode, results in rounds.items():
            if results:
                entry["modes"][mode] = median_run(results, "seconds")

    def refresh_many(self, accounts: int, services: int) -> None:
        print(f"refresh: {accounts} accounts x {services} services, once", flush=True)
        entry = self.results["refresh"]["accounts"] = {"accounts": accounts, "services": services, "clients": {}}
        ids_file = self.path("accounts.txt")
        with open(ids_file, "w") as file:
            file.write("\n".join(account_ids(accounts)) + "\n")
        api = f"http://127.0.0.1:{self.standin(services)}/client/v4"
        _, _, sample = http_get(f"{api}/accounts/{account_ids(1)[0]}/billable-usage", {"Authorization": f"Bearer {TOKEN}"})
        entry["answer_bytes"] = len(sample)
        entry["records_per_answer"] = len(json.loads(sample)["result"])

        clients = [
            ("exporter", [self.exporter, "once"] + self.exporter_args(accounts, services)),
            ("python", [sys.executable, os.path.abspath(__file__), "_py-fetch", "--api-url", api,
                        "--accounts", ids_file, "--threads", str(FETCH_THREADS)]),
        ]
        for name, args in clients:
            print(f"  {name}", flush=True)
            output, log = self.path(f"once-{name}.out"), self.path(f"once-{name}.log")
            try:
                started = time.monotonic()
                process = spawn(args, env=dict(os.environ, CLOUDFLARE_API_TOKEN=TOKEN),
                                stdout=open(output, "wb"), stderr=open(log, "w"))
                code, peak = wait_measured(process)
                wall = time.monotonic() - started
                with open(output, "rb") as file:
                    body = file.read()
                result = {"seconds": wall, "peak_rss_bytes": peak, "exit": code}
                if name == "exporter":
                    result["series"] = series_count(body)
                else:
                    result.update(json.loads(body.decode().strip().splitlines()[-1]))
                if code != 0:
                    result["log_tail"] = tail(log)
                    self.error(f"refresh {name}", RuntimeError(f"exit {code}: {tail(log, 5)}"))
                entry["clients"][name] = result
            except Exception as error:
                self.error(f"refresh {name}", error)

    def many(self, accounts: int, services: int) -> None:
        """One process watching `accounts` x `services` (issue 17's 10,000 x 10): the time until
        every account has been refreshed once (/-/ready), per account, and the resident memory
        then and at its peak. Not in the default steps (BENCH_STEPS=many): the stand-in serves
        about a gigabyte for it."""
        print(f"many: {accounts} accounts x {services} services, serving", flush=True)
        process, port, ready = self.start_exporter("many", accounts, services)
        try:
            _, _, body = http_get(f"http://127.0.0.1:{port}/metrics", timeout=120)
            self.results["many"] = {
                "accounts": accounts, "services": services, "ready_seconds": ready,
                "per_account_ms": ready / accounts * 1000, "rss_bytes": proc_status(process.pid, "VmRSS"),
                "peak_rss_bytes": proc_status(process.pid, "VmHWM"), "series": series_count(body), "body_bytes": len(body)}
        finally:
            stop(process)

    # ------------------------------------------------------------------------------------------
    # 2b. The landing pages.

    def landing(self, label: str, accounts: int, services: int) -> None:
        """Size and render time of `/` and an account page: the first answer after the refresh
        renders (nothing is cached yet), the ones after it come from the page cache."""
        print(f"landing pages: {label} ({accounts} accounts x {services} services)", flush=True)
        entry = self.results.setdefault("landing", {})[label] = {"accounts": accounts, "services": services, "pages": {}}
        process, port, _ = self.start_exporter(f"landing-{label}", accounts, services)
        base = f"http://127.0.0.1:{port}"

        def timed(path: str) -> tuple:
            started = time.monotonic()
            status, _, body = http_get(base + path, timeout=60)
            if status != 200:
                raise RuntimeError(f"{path} answered {status}")
            return (time.monotonic() - started) * 1000, len(body)

        try:
            metrics = [timed("/metrics")[0] for _ in range(SINGLE_SCRAPES)]
            entry["metrics_scrape_ms"] = statistics.median(metrics)
            account = account_ids(accounts)[accounts // 2]
            for name, path in (("summary", "/"), ("by name", "/?sort=name"), ("by state", "/?sort=state"),
                               ("account", f"/accounts/{account}")):
                first_ms, size = timed(path)
                cached = [timed(path)[0] for _ in range(PAGE_REPEAT)]
                entry["pages"][name] = {"path": path, "bytes": size, "first_ms": first_ms, "cached_ms": statistics.median(cached)}
        finally:
            stop(process)

    # ------------------------------------------------------------------------------------------
    # 3. Soak.

    def soak(self, label: str, accounts: int, services: int) -> None:
        print(f"soak: {self.soak_seconds} s of gzip scrapes, {label} body", flush=True)
        process, port, _ = self.start_exporter(f"soak-{label}", accounts, services)
        url = f"http://127.0.0.1:{port}/metrics"
        try:
            wrk(url, SOAK_WARMUP_SECONDS, gzip=True)  # caches and buffers reach their size first
            args = ["wrk", f"-t{WRK_THREADS}", f"-c{WRK_CONNECTIONS}", f"-d{self.soak_seconds}s", "--latency",
                    "-H", "Accept-Encoding: gzip", url]
            load = spawn(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
            started = time.monotonic()
            samples = []
            while load.poll() is None:
                samples.append((round(time.monotonic() - started, 1), proc_status(process.pid, "VmRSS")))
                time.sleep(1)
            output = load.stdout.read()
            CHILDREN.remove(load)
            # Under load at both ends: medians of the first and last window (a quarter of a
            # short soak), so one sample's jitter is not taken for growth.
            window = min(SOAK_WINDOW_SECONDS, max(1, self.soak_seconds / 4))
            last = samples[-1][0]
            start = statistics.median([rss for t, rss in samples if t <= window])
            end = statistics.median([rss for t, rss in samples if t >= last - window])
            self.results["soak"] = dict(parse_wrk(output), raw=output, label=label, seconds=self.soak_seconds,
                                        rss_start_bytes=start, rss_end_bytes=end,
                                        rss_max_bytes=max(rss for _, rss in samples),
                                        peak_rss_bytes=proc_status(process.pid, "VmHWM"),
                                        growth_bytes=end - start, window_seconds=window, samples=samples)
        finally:
            stop(process)

    # ------------------------------------------------------------------------------------------

    def error(self, what: str, error: Exception) -> None:
        message = f"{what}: {error}".strip()
        print(f"  ERROR {message}", file=sys.stderr, flush=True)
        self.results["errors"].append(message)

    def machine(self) -> dict:
        model = ""
        with open("/proc/cpuinfo") as file:
            for line in file:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break

        def run(*args, any_exit=False):
            try:
                done = subprocess.run(args, capture_output=True, text=True, timeout=30)
                return (done.stdout + done.stderr).strip() if done.returncode == 0 or any_exit else ""
            except (OSError, subprocess.TimeoutExpired):
                return ""

        revision = run("git", "-C", REPO, "rev-parse", "--short", "HEAD") or "unknown"
        if run("git", "-C", REPO, "status", "--porcelain", "--untracked-files=no"):
            revision += "-dirty"
        return {
            "nproc": len(os.sched_getaffinity(0)), "cpu": model, "kernel": platform.release(),
            "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
            "git": revision,
            "exporter_version": run(self.exporter, "--version").splitlines()[0:1],
            "nginx": run(self.nginx, "-v").replace("nginx version: ", ""),
            "wrk": (run("wrk", "-v", any_exit=True).splitlines() or [""])[0].split(" Copyright")[0],
            "python": platform.python_version(),
            "prometheus_client": run(self.venv_python, "-c", "import importlib.metadata as m; print(m.version('prometheus_client'))") if self.venv_python else "",
            "rate_limit_flag": " ".join(self.rate_flags) or "(not supported by this build; omitted)",
            "wrk_args": f"-t{WRK_THREADS} -c{WRK_CONNECTIONS} -d{self.seconds}s --latency",
            "soak_seconds": self.soak_seconds,
        }

    def run(self) -> int:
        self.results["machine"] = self.machine()
        load = float(open("/proc/loadavg").read().split()[0])
        self.results["machine"]["loadavg_at_start"] = load
        if load >= 1:
            print(f"warning: load average {load} before the bench started: something else is busy, "
                  "numbers will be disturbed", file=sys.stderr, flush=True)
        watch = CPUWatch()
        steps = [
            ("serving " + SMALL[0], lambda: self.serving(*SMALL)),
            ("serving " + MID[0], lambda: self.serving(*MID)),
            ("serving " + LARGE[0], lambda: self.serving(*LARGE)),
            ("decode", self.decode),
            ("refresh", lambda: self.refresh_many(LARGE[1], LARGE[2])),
            ("landing " + LARGE[0], lambda: self.landing(*LARGE)),
        ]
        if self.soak_seconds > 0:
            steps.append(("soak", lambda: self.soak(*SMALL)))  # last: it is the long one
        if "many" in os.environ.get("BENCH_STEPS", ""):
            steps.append(("many", lambda: self.many(10_000, 10)))
        # BENCH_STEPS=decode,refresh runs only those steps (by their first word); the other
        # rows read "not measured". The committed report comes from a run of every step.
        wanted = {word.strip() for word in os.environ.get("BENCH_STEPS", "").split(",") if word.strip()}
        if wanted:
            steps = [(name, step) for name, step in steps if name.split()[0] in wanted]
        for name, step in steps:
            try:
                step()
            except Exception as error:
                traceback.print_exc()
                self.error(name, error)
        stop_all()  # reaped, so their CPU time counts as the bench's own
        self.results["machine"]["other_cpu_share"] = watch.other_share()
        report = render(self.results)
        os.makedirs(RESULTS, exist_ok=True)
        with open(os.path.join(RESULTS, "latest.md"), "w") as file:
            file.write(report)
        with open(os.path.join(RESULTS, "latest.json"), "w") as file:
            json.dump(self.results, file, indent=1, default=str)
            file.write("\n")
        print()
        print(report)
        print(f"(written to {os.path.relpath(RESULTS, os.getcwd())}/latest.md and latest.json)")
        return 1 if self.results["errors"] else 0


# ----------------------------------------------------------------------------------------------
# The report.

def mib(value) -> str:
    return "–" if value is None else f"{value / MIB:.1f}"


def num(value, digits=0) -> str:
    if value is None:
        return "–"
    return f"{value:,.{digits}f}"


def ratio(a, b) -> str:
    if not a or not b:
        return "–"
    value = a / b
    return f"{value:.2f}×" if value < 10 else f"{value:.0f}×"


def kib(value) -> str:
    return f"{value / 1024:,.0f} KiB"


def render(results: dict) -> str:
    machine = results["machine"]
    out = ["# cloudflare-paygo-exporter benchmark", ""]
    out.append(f"- machine: {machine['nproc']} CPUs, {machine['cpu']}, Linux {machine['kernel']}")
    out.append(f"- run: {machine['date']}, git {machine['git']}, wrk {machine['wrk_args']}, soak {machine['soak_seconds']} s")
    out.append(f"- versions: exporter {' '.join(machine['exporter_version']) or '?'}, nginx {machine['nginx']}, "
               f"Python {machine['python']}, prometheus_client {machine['prometheus_client']}")
    out.append(f"- exporter rate limit: {machine['rate_limit_flag']}")
    other = machine.get("other_cpu_share", 0)
    warning = (f" — **the machine was busy with other work: numbers are disturbed, ratios included**"
               if other > OTHER_CPU_WARNING else "")
    out.append(f"- CPU used by other processes during the run: {other:.0%} of the machine "
               f"(load average {machine.get('loadavg_at_start', 0):.2f} at the start){warning}")
    out.append("")

    # 1. Serving
    out += ["## Serving", ""]
    for label, entry in results["serving"].items():
        gz = "" if entry.get("exporter_gzips", True) else " (**the exporter did not gzip**)"
        out.append(f"- **{label}** ({entry['accounts']} accounts × {entry['services']} services): "
                   f"{num(entry.get('series'))} series, {kib(entry.get('body_bytes', 0))} plain, "
                   f"{kib(entry.get('gzip6_bytes', 0))} gzip -6 (exporter's own gzip: {kib(entry.get('exporter_gzip_bytes', 0))}){gz}; "
                   f"exporter ready after {num(entry.get('ready_seconds'), 1)} s with RSS {mib(entry.get('ready_rss_bytes'))} MiB "
                   f"(peak {mib(entry.get('ready_peak_rss_bytes'))} MiB) before any scrape"
                   + (f"; Python reference serves {num(entry['python_series'])} series, loaded in {num(entry.get('python_load_seconds'), 1)} s"
                      if "python_series" in entry else ""))
    out += ["", "| body | encoding | server | req/s | p50 ms | p99 ms | errors | 1 scrape ms | peak RSS MiB | exporter req/s ÷ this |",
            "|---|---|---|---:|---:|---:|---|---:|---:|---:|"]
    for label, entry in results["serving"].items():
        for encoding in ("plain", "gzip"):
            base = entry["servers"].get("exporter", {}).get(encoding, {}).get("rps")
            for server in ("exporter", "nginx", "python"):
                run = entry["servers"].get(server, {}).get(encoding)
                if run is None:
                    out.append(f"| {label} | {encoding} | {server} | not measured | | | | | | |")
                    continue
                errors = [] if run["requests"] else [f"no request completed in {run.get('seconds', '?')} s"]
                for key, name in (("timeouts", "timeouts"), ("non_2xx", "non-2xx"), ("connect_errors", "connect"),
                                  ("read_errors", "read"), ("write_errors", "write")):
                    if run.get(key):
                        errors.append(f"{name} {run[key]}")
                rss = mib(run["peak_rss_bytes"]) + (f" ({run['processes']} procs)" if run["processes"] > 1 else "")
                latency = (lambda key: num(run[key], 2)) if run["requests"] else (lambda key: "–")
                speed = "" if server == "exporter" else ratio(base, run["rps"]) if run["rps"] else "∞"
                rounds = (" (" + " · ".join(num(rps, 0) for rps in run["rounds_rps"]) + ")") if len(run.get("rounds_rps", [])) > 1 else ""
                out.append(f"| {label} | {encoding} | {server} | {num(run['rps'], 1 if run['rps'] < 100 else 0)}{rounds} | "
                           f"{latency('p50_ms')} | {latency('p99_ms')} | {', '.join(errors) or '0'} | "
                           f"{num(run.get('single_scrape_ms'), 1)} | {rss} | {speed} |")
    out += ["", f"The exporter and nginx run side by side and take turns under wrk: {ROUNDS} runs each per body and "
            "encoding, in alternating order; the row is each one's median run (req/s of every run in brackets), so "
            "a machine that speeds up or slows down during the run weighs on both alike. The Python reference, "
            "hundreds of times slower, gets one run.",
            "", "Peak RSS is VmHWM after the run, over the process's whole life (the gzip run follows the plain "
            "run in the same process, and the exporter's includes its first refresh); for nginx it is the sum "
            "over master and workers. \"1 scrape ms\": median of "
            f"{SINGLE_SCRAPES} scrapes one at a time before the wrk run. wrk times a request out after 2 s "
            "(those are left out of its latencies). wrk shares the machine's CPUs with the server.", ""]

    # 2. Refresh
    out += ["## Refresh", ""]
    decode = results["refresh"].get("decode")
    if decode:
        modes = decode["modes"]
        out.append(f"(a) One answer of {decode['days']} days × {decode['services']} services: "
                   f"{decode['answer_bytes'] / MIB:.2f} MiB, {num(modes.get('python', {}).get('records'))} records; "
                   f"each run decodes it {DECODE_REPEAT} times and gives the median; the decoders take turns, "
                   f"{ROUNDS} runs each in alternating order, and the row is each one's median run "
                   "(seconds of every run in brackets).")
        if decode.get("note"):
            out.append(f"**{decode['note']}.**")
        out += ["", "| decoder | seconds | ÷ exporter | memory growth MiB | growth ÷ answer |", "|---|---:|---:|---:|---:|"]
        base = modes.get("exporter", {}).get("seconds")
        names = {"exporter": "exporter (decode + aggregate + render)", "jsondecoder": "Foundation JSONDecoder",
                 "python": "Python json.loads"}
        for mode, name in names.items():
            run = modes.get(mode)
            if run is None:
                out.append(f"| {name} | not measured | | | |")
                continue
            rounds = (" (" + " · ".join(f"{seconds:.4f}" for seconds in run["rounds_seconds"]) + ")") if len(run.get("rounds_seconds", [])) > 1 else ""
            out.append(f"| {name} | {run['seconds']:.4f}{rounds} | {ratio(run['seconds'], base)} | {mib(run['growth_bytes'])} | "
                       f"{run['growth_bytes'] / decode['answer_bytes']:.2f} |")
        out += ["", "Memory growth is peak RSS (VmHWM) at the end minus RSS before the file was read, so it "
                "includes the file's bytes.", ""]
    many = results["refresh"].get("accounts")
    if many:
        out.append(f"(b) {many['accounts']} accounts × {many['services']} services from the loopback stand-in "
                   f"(a Python server; one answer is {kib(many['answer_bytes'])}, {many['records_per_answer']} records: the current period so far).")
        out += ["", "| client | wall s | peak RSS MiB | result |", "|---|---:|---:|---|"]
        names = {"exporter": "exporter `once`", "python": f"Python urllib, {FETCH_THREADS} threads, json.loads"}
        for client, name in names.items():
            run = many["clients"].get(client)
            if run is None:
                out.append(f"| {name} | not measured | | |")
                continue
            what = (f"{num(run.get('series'))} series" if client == "exporter"
                    else f"{num(run.get('series'))} newest series kept, {run.get('failures', 0)} failures")
            out.append(f"| {name} | {run['seconds']:.2f} | {mib(run['peak_rss_bytes'])} | exit {run['exit']}, {what} |")
        large = results["serving"].get(LARGE[0], {})
        if "ready_seconds" in large:
            out.append(f"| exporter serving, until /-/ready | {large['ready_seconds']:.2f} | | first refresh of every account |")
        out.append("")

    # 2b. Landing pages
    out += ["## Landing pages", ""]
    for label, entry in results.get("landing", {}).items():
        out.append(f"{entry['accounts']} accounts × {entry['services']} services ({label}); a cached `/metrics` scrape "
                   f"takes {num(entry.get('metrics_scrape_ms'), 2)} ms on the same exporter.")
        out += ["", "| page | bytes | first answer ms (renders) | cached answer ms | first ÷ metrics scrape | cached ÷ first |",
                "|---|---:|---:|---:|---:|---:|"]
        for name, page in entry["pages"].items():
            out.append(f"| {name} (`{page['path'][:24]}`) | {kib(page['bytes'])} | {num(page['first_ms'], 1)} | {num(page['cached_ms'], 2)} | "
                       f"{ratio(page['first_ms'], entry.get('metrics_scrape_ms'))} | {ratio(page['cached_ms'], page['first_ms'])} |")
        out += ["", f"The summary shows {200} rows a page whatever the number of accounts; the first answer after a "
                "refresh renders the page, later ones until the next change come from the page cache. Medians of "
                f"{PAGE_REPEAT} cached answers.", ""]

    # 3. Soak
    soak = results.get("soak")
    out += ["## Soak", ""]
    if soak:
        out += ["| body | seconds | req/s | errors | RSS start MiB | RSS end MiB | RSS max MiB | growth MiB |",
                "|---|---:|---:|---|---:|---:|---:|---:|",
                f"| {soak['label']} gzip | {soak['seconds']} | {num(soak['rps'])} | "
                f"{soak['timeouts'] + soak['non_2xx'] + soak['connect_errors'] + soak['read_errors'] + soak['write_errors']} | "
                f"{mib(soak['rss_start_bytes'])} | {mib(soak['rss_end_bytes'])} | {mib(soak['rss_max_bytes'])} | "
                f"{(soak['growth_bytes']) / MIB:+.2f} |", "",
                f"RSS (VmRSS) is sampled every second under load, after {SOAK_WARMUP_SECONDS} s of warm-up scrapes; "
                f"start and end are medians over the first and last {soak['window_seconds']:.0f} s.", ""]
    else:
        out += ["Skipped (BENCH_SOAK_SECONDS=0)." if not any(e.startswith("soak") for e in results["errors"]) else "Failed.", ""]

    # Targets
    out += ["## Targets", "", "| target | measured | result |", "|---|---|---|"]
    for target, measured, passed in targets(results):
        out.append(f"| {target} | {measured} | {'SKIP' if passed is None else 'PASS' if passed else 'FAIL'} |")
    out.append("")

    if results["errors"]:
        out += ["## Errors", ""] + [f"- {e.splitlines()[0]}" for e in results["errors"]] + [""]
    return "\n".join(out)


def targets(results: dict) -> list:
    rows = []
    serving = results["serving"]

    def run(label, server, encoding):
        return serving.get(label, {}).get("servers", {}).get(server, {}).get(encoding)

    for label in (SMALL[0], MID[0], LARGE[0]):
        for encoding in ("plain", "gzip"):
            exporter = run(label, "exporter", encoding)
            for server, factor in (("nginx", 0.7), ("python", 50)):
                other = run(label, server, encoding)
                target = f"serving req/s ≥ {factor}× {server} ({label}, {encoding})"
                if exporter and other and other["rps"]:
                    value = exporter["rps"] / other["rps"]
                    rows.append((target, f"{value:.2f}×", value >= factor))
                elif exporter and other and other.get("single_scrape_ms"):
                    # No request finished under wrk. One process cannot serve faster than one
                    # scrape at a time, so 1/single scrape bounds its req/s from above.
                    bound = exporter["rps"] * other["single_scrape_ms"] / 1000
                    rows.append((target, f"≥ {bound:.0f}× ({server} completed no request under wrk; "
                                 f"bound from its {other['single_scrape_ms'] / 1000:.1f} s single scrape)", bound >= factor))
                else:
                    rows.append((target, "not measured", None))
    for encoding in ("plain", "gzip"):
        exporter = run(SMALL[0], "exporter", encoding)
        target = f"exporter p99 < 10 ms ({SMALL[0]}, {encoding})"
        rows.append((target, f"{exporter['p99_ms']:.2f} ms", exporter["p99_ms"] < 10) if exporter and exporter["p99_ms"] is not None
                    else (target, "not measured", None))
    for label in (MID[0], LARGE[0]):
        runs = [r for r in (run(label, "exporter", encoding) for encoding in ("plain", "gzip")) if r]
        series = serving.get(label, {}).get("series")
        target = f"exporter peak RSS < 30 MiB serving {label} ({num(series)} series)"
        if runs:
            last = runs[-1]
            split = f" (after the runs: {mib(last.get('rss_anon_bytes'))} MiB heap and stacks, {mib(last.get('rss_file_bytes'))} MiB binary and library pages)"
            rows.append((target, f"{mib(max(r['peak_rss_bytes'] for r in runs))} MiB" + split,
                         max(r["peak_rss_bytes"] for r in runs) < 30 * MIB))
        else:
            rows.append((target, "not measured", None))
    soak = results.get("soak")
    target = f"no RSS growth in the soak (≤ {SOAK_TOLERANCE_BYTES // MIB} MiB)"
    rows.append((target, f"{soak['growth_bytes'] / MIB:+.2f} MiB over {soak['seconds']} s", soak["growth_bytes"] <= SOAK_TOLERANCE_BYTES)
                if soak else (target, "not measured", None))
    landing = results.get("landing", {}).get(LARGE[0], {}).get("pages", {})
    summary, account = landing.get("summary"), landing.get("account")
    target = f"`/` at {LARGE[1]} accounts ≤ {MAX_SUMMARY_BYTES // 1024} KiB"
    rows.append((target, kib(summary["bytes"]), summary["bytes"] <= MAX_SUMMARY_BYTES) if summary else (target, "not measured", None))
    target = f"an account page ≤ {MAX_ACCOUNT_PAGE_BYTES // 1024} KiB"
    rows.append((target, kib(account["bytes"]), account["bytes"] <= MAX_ACCOUNT_PAGE_BYTES) if account else (target, "not measured", None))
    target = f"first answer of `/` at {LARGE[1]} accounts (renders) < {MAX_FIRST_RENDER_MS} ms"
    rows.append((target, f"{summary['first_ms']:.1f} ms", summary["first_ms"] < MAX_FIRST_RENDER_MS) if summary else (target, "not measured", None))
    target = "cached `/` answer ≤ 0.2× the first"
    rows.append((target, f"{summary['cached_ms'] / summary['first_ms']:.2f}×", summary["cached_ms"] <= 0.2 * summary["first_ms"])
                if summary else (target, "not measured", None))
    decode = results["refresh"].get("decode", {})
    modes = decode.get("modes", {})
    exporter, jsondecoder = modes.get("exporter"), modes.get("jsondecoder")
    target = "decode ≥ 3× faster than JSONDecoder"
    rows.append((target, f"{jsondecoder['seconds'] / exporter['seconds']:.2f}×", jsondecoder["seconds"] / exporter["seconds"] >= 3)
                if exporter and jsondecoder else (target, "not measured", None))
    target = "decode peak memory growth < 4× answer size"
    rows.append((target, f"{exporter['growth_bytes'] / decode['answer_bytes']:.2f}×", exporter["growth_bytes"] < 4 * decode["answer_bytes"])
                if exporter else (target, "not measured", None))
    return rows


# ----------------------------------------------------------------------------------------------
# Children measured alone: Python's json.loads and a Python refresh of many accounts.

def py_decode(args) -> None:
    def rss(key):
        return proc_status(os.getpid(), key)

    before = rss("VmRSS")
    with open(args.file, "rb") as file:
        data = file.read()
    times, records = [], 0
    for _ in range(args.repeat):
        started = time.perf_counter()
        answer = json.loads(data)
        times.append(time.perf_counter() - started)
        records = len(answer["result"])
        del answer
    print(json.dumps({"mode": "python", "answer_bytes": len(data), "seconds": statistics.median(times),
                      "records": records, "rss_before_bytes": before, "peak_rss_bytes": rss("VmHWM")}))


def py_fetch(args) -> None:
    """What a Python exporter does per refresh: fetch every account, parse, keep the newest
    record of each (service, unit, currency)."""
    with open(args.accounts) as file:
        accounts = file.read().split()

    def one(account):
        # No from/to: the current billing period, as the exporter asks. Today's path first,
        # the older ones on 404, as a careful hand-written client would.
        result = None
        for path in ("billable-usage", "paygo-usage", "billing/usage/paygo"):
            request = urllib.request.Request(f"{args.api_url}/accounts/{account}/{path}", headers={"Authorization": f"Bearer {TOKEN}"})
            try:
                with urllib.request.urlopen(request, timeout=60) as answer:
                    result = json.loads(answer.read())["result"]
                break
            except urllib.error.HTTPError as error:
                if error.code != 404:
                    break
            except (OSError, ValueError, KeyError):
                break
        if result is None:
            return account, None, {}
        newest = {}
        for record in result:
            key = (record["ServiceName"], record["ConsumedUnit"], record["BillingCurrency"])
            if key not in newest or record["ChargePeriodStart"] > newest[key]["ChargePeriodStart"]:
                newest[key] = record
        return account, len(result), newest

    with ThreadPoolExecutor(args.threads) as pool:
        kept = list(pool.map(one, accounts))
    print(json.dumps({"accounts": len(kept), "failures": sum(1 for _, n, _ in kept if n is None),
                      "records": sum(n or 0 for _, n, _ in kept), "series": sum(len(s) for _, _, s in kept)}))


def main() -> int:
    if len(sys.argv) > 1 and sys.argv[1] == "_py-decode":
        parser = argparse.ArgumentParser()
        parser.add_argument("file")
        parser.add_argument("--repeat", type=int, default=DECODE_REPEAT)
        py_decode(parser.parse_args(sys.argv[2:]))
        return 0
    if len(sys.argv) > 1 and sys.argv[1] == "_py-fetch":
        parser = argparse.ArgumentParser()
        parser.add_argument("--api-url", required=True)
        parser.add_argument("--accounts", required=True)
        parser.add_argument("--threads", type=int, default=FETCH_THREADS)
        py_fetch(parser.parse_args(sys.argv[2:]))
        return 0
    clean_up_on_exit()
    return Bench().run()


if __name__ == "__main__":
    sys.exit(main())
