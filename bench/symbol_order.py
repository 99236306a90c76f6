#!/usr/bin/env python3
"""Writes the exporter's symbol-ordering file: every function of the binary that a release
exporter runs while it starts, refreshes 100 accounts from the stand-in API and serves scrapes
of every kind, roughly in the order callgrind first met them.

The release link (Package.swift) puts the listed functions first, next to each other, so that
fewer code pages are resident: docs/performance.md, "The code that runs is placed together".

    python3 bench/symbol_order.py BINARY OUTPUT     (bench/symbol-order builds and calls this)

BINARY is a release build of cloudflare-paygo-exporter (its symbol names are what is listed;
the order it was linked in does not matter). Needs valgrind and wrk.
"""
import http.client
import os
import re
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time

from bench import (REPO, TOKEN, RATE_LIMIT, account_ids, clean_up_on_exit, free_port, http_get, read_port, spawn,
                   tail, wait_until, TEMP_DIRS, HERE)

ACCOUNTS = 100   # the bench's 10,000-series body
SERVICES = 10
KEEP_ALIVE_CLIENTS = 32   # wrk's connections in bench/run
KEEP_ALIVE_REQUESTS = 20


def keep_alive_scrapes(port: int, headers: dict, errors: list) -> None:
    """Scrapes on one connection, as Prometheus does: the event-loop fast path answers these."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        for _ in range(KEEP_ALIVE_REQUESTS):
            connection.request("GET", "/metrics", headers=headers)
            response = connection.getresponse()
            response.read()
            if response.status != 200:
                raise RuntimeError(f"a keep-alive scrape answered {response.status}")
    except (OSError, http.client.HTTPException, RuntimeError) as error:
        errors.append(error)
    finally:
        connection.close()


def abandoned_scrape(port: int) -> None:
    """A scraper that gives up mid-answer (timeout, restart): the connection is reset."""
    with socket.create_connection(("127.0.0.1", port), timeout=60) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        sock.sendall(b"GET /metrics HTTP/1.1\r\nHost: exporter\r\n\r\n")
        sock.recv(1)


def slow_scrape(port: int) -> None:
    """A reader slower than the exporter writes: the large plain body goes out in partial writes."""
    with socket.create_connection(("127.0.0.1", port), timeout=60) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        sock.sendall(b"GET /metrics HTTP/1.1\r\nHost: exporter\r\nConnection: close\r\n\r\n")
        while sock.recv(16384):
            time.sleep(0.001)


def exercise(port: int) -> None:
    """Every kind of request a scraper, a browser and a health check make."""
    base = f"http://127.0.0.1:{port}"
    plain, gzip = {}, {"Accept-Encoding": "gzip"}
    openmetrics = {"Accept": "application/openmetrics-text; version=1.0.0", "Accept-Encoding": "gzip"}
    for headers in (plain, gzip, openmetrics, plain, gzip):
        http_get(f"{base}/metrics", headers)
    for path in ("/", "/-/healthy", "/-/ready", "/no-such-page"):
        http_get(base + path)
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    connection.request("HEAD", "/metrics")
    connection.getresponse().read()
    connection.close()
    for headers in (plain, gzip):
        errors = []
        threads = [threading.Thread(target=keep_alive_scrapes, args=(port, headers, errors), daemon=True)
                   for _ in range(KEEP_ALIVE_CLIENTS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        if errors:
            raise RuntimeError(f"{len(errors)} of {KEEP_ALIVE_CLIENTS} keep-alive scrapers failed: {errors[0]}")
    # Many connections at once, closed together at the end, as bench/run's wrk does.
    for headers in ([], ["-H", "Accept-Encoding: gzip"]):
        subprocess.run(["wrk", "-t2", "-c32", "-d3s", *headers, f"{base}/metrics"], check=True, stdout=subprocess.DEVNULL,
                       timeout=120)
    for _ in range(8):
        abandoned_scrape(port)
    slow_scrape(port)
    # The per-scrape part is rebuilt once a second: one more round after it has expired.
    time.sleep(1.2)
    for headers in (plain, gzip):
        http_get(f"{base}/metrics", headers)


def functions_run(profile: str, binary: str) -> list:
    """Names of the binary's own functions in a callgrind profile, in order of first appearance."""
    names, seen, in_binary = [], set(), False
    with open(profile, errors="replace") as file:
        for line in file:
            if line.startswith("ob="):
                in_binary = os.path.realpath(line[3:].strip()) == os.path.realpath(binary)
            elif line.startswith("fn=") and in_binary:
                # "'2" marks a recursion level; "0x..." a function without a symbol; names
                # with spaces or parentheses ("(below main)") are valgrind's, not symbols.
                name = re.sub(r"'\d+$", "", line[3:].strip())
                if name not in seen and not name.startswith("0x") and not re.search(r"[\s()]", name):
                    seen.add(name)
                    names.append(name)
    return names


def main() -> int:
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    binary, output = sys.argv[1], sys.argv[2]
    for tool in ("valgrind", "wrk"):
        if not shutil.which(tool):
            print(f"{tool} is missing (apt-get install {tool})", file=sys.stderr)
            return 1
    clean_up_on_exit()
    work = tempfile.mkdtemp(prefix="paygo-symbol-order-")
    TEMP_DIRS.append(work)

    # valgrind gives up on the DWARF of a Swift release binary ("Possibly corrupted debuginfo
    # file"); the symbol table it needs stays in a copy without the debug sections.
    stripped = os.path.join(work, "cloudflare-paygo-exporter")
    subprocess.run(["objcopy", "--strip-debug", binary, stripped], check=True)

    standin = spawn([sys.executable, os.path.join(HERE, "standin_api.py"), "serve", "--services", str(SERVICES)],
                    stdout=subprocess.PIPE, text=True)
    api_port = read_port(standin, "the stand-in API")
    port = free_port()
    profile, log = os.path.join(work, "callgrind.out"), os.path.join(work, "exporter.log")
    exporter = spawn(["valgrind", "--tool=callgrind", "--demangle=no", "--compress-strings=no", "--compress-pos=no",
                      f"--callgrind-out-file={profile}", stripped,
                      f"--web.listen-address=127.0.0.1:{port}", "--cloudflare.refresh-interval=1h",
                      f"--cloudflare.api-url=http://127.0.0.1:{api_port}/client/v4",
                      "--cloudflare.account-id=" + ",".join(account_ids(ACCOUNTS)),
                      f"--cloudflare.rate-limit={RATE_LIMIT}", "--log.level=warn"],
                     env=dict(os.environ, CLOUDFLARE_API_TOKEN=TOKEN),
                     stdout=open(log, "w"), stderr=subprocess.STDOUT)
    try:
        wait_until(lambda: http_get(f"http://127.0.0.1:{port}/-/ready", timeout=10)[0] == 200,
                   600, "the exporter under valgrind", exporter)
        exercise(port)
    except (RuntimeError, OSError, http.client.HTTPException, subprocess.SubprocessError) as error:
        print(f"{error}\n{tail(log)}", file=sys.stderr)
        return 1
    # A graceful stop: callgrind writes the profile when the process exits.
    exporter.terminate()
    try:
        status = exporter.wait(300)
    except subprocess.TimeoutExpired:
        print(f"the exporter did not stop within 5 minutes of SIGTERM\n{tail(log)}", file=sys.stderr)
        return 1
    if status != 0:
        print(f"the exporter exited with {exporter.returncode}\n{tail(log)}", file=sys.stderr)
        return 1

    names = functions_run(profile, stripped)
    if len(names) < 1000:
        print(f"only {len(names)} functions in the profile: not writing {output}\n{tail(log)}", file=sys.stderr)
        return 1
    header = [
        "# Functions cloudflare-paygo-exporter runs while it starts, refreshes 100 accounts and serves",
        "# scrapes, roughly in the order it first runs them. The Linux release link places them first and",
        "# together (lld --symbol-ordering-file, see Package.swift), so a running exporter keeps fewer",
        "# code pages resident. Written by bench/symbol-order from a callgrind profile; names that",
        "# no longer exist are skipped by the linker, so a stale file costs memory, never correctness.",
    ]
    # Written whole or not at all: a half-written list would still link, with less of the gain.
    partial = output + ".tmp"
    with open(partial, "w") as file:
        file.write("\n".join(header + names) + "\n")
    os.replace(partial, output)
    print(f"{len(names)} functions written to {os.path.relpath(output, REPO)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
