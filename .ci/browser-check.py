#!/usr/bin/env python3
"""The landing pages in a real browser (Debian's chromium, headless), run by .ci/run.

Against the demo exporter and against 1,000 accounts served by bench/standin_api.py, loads `/`
and one account page and checks the DOM chromium built (--dump-dom): the expected accounts and
currencies, and figures equal to the exporter's own /metrics (period-to-date cost per account
and currency, forecast, budget, the chart's points against the period's days, top services).
Fails on any console message (the pages have no script, so any is the browser complaining) and
on any request that is not to the exporter or not answered 200 (chromium's net log), so a page
that pulls an external asset or a missing one fails too. Takes screenshots at desktop and phone
widths, light and dark, into the output folder (docs/screenshots/ in the repository).

The console check is tested first on a page that logs an error, so a chromium whose logging
changed cannot make it pass silently.

usage: browser-check.py EXPORTER_BINARY OUTPUT_DIR
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
DESKTOP, PHONE = "1280,900", "390,844"
ACCOUNTS = 1000
# What one page may weigh: the summary is paged, so this holds at any number of accounts.
MAX_PAGE_BYTES = 512 * 1024

problems = []


def fail(message: str) -> None:
    print("FAIL: " + message)
    problems.append(message)


def fetch(url: str) -> tuple:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def wait_for(check, what: str, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except OSError:
            pass
        time.sleep(0.3)
    raise SystemExit(f"FAIL: {what} within {timeout:.0f} s")


def free_port() -> int:
    import socket
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Chromium:
    """One headless chromium run per page: fresh profile, no background traffic, console on
    stderr and every request in a net log."""

    def __init__(self, work: str) -> None:
        self.binary = shutil.which("chromium") or shutil.which("chromium-browser")
        if not self.binary:
            raise SystemExit("FAIL: chromium is not installed (apt-get install chromium)")
        self.work = work
        self.runs = 0

    def run(self, url: str, *extra: str, origin: str = None, console_fails: bool = True) -> str:
        """Loads url; returns the DOM (or "" for a screenshot run) after checking the console and
        the requests. origin: the only scheme://host:port the page may load from."""
        self.runs += 1
        profile = os.path.join(self.work, f"profile-{self.runs}")
        netlog = os.path.join(self.work, f"net-{self.runs}.json")
        command = [self.binary, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                   f"--user-data-dir={profile}", "--no-first-run", "--no-default-browser-check",
                   "--disable-background-networking", "--disable-component-update", "--disable-sync",
                   "--disable-default-apps", "--disable-extensions", "--force-device-scale-factor=1",
                   "--enable-logging=stderr", "--v=0", f"--log-net-log={netlog}", *extra]
        # Headless chromium stays open unless it is told what to produce.
        if not any(argument.startswith("--screenshot") for argument in extra):
            command.append("--dump-dom")
        command.append(url)
        result = subprocess.run(command, capture_output=True, text=True, timeout=120)
        self.console = [line.strip() for line in result.stderr.splitlines() if ":CONSOLE" in line]
        for line in self.console if console_fails else []:
            fail(f"console message on {url}: {line}")
        if origin:
            site = re.sub(r":\d+$", "", origin)
            loaded = self.requests(netlog, site)
            if not any(request_url.startswith(origin + "/") for request_url, _ in loaded):
                fail(f"{url}: the net log shows no request for the page itself; the request check would see nothing")
            for request_url, status in loaded:
                if not request_url.startswith(origin + "/"):
                    fail(f"{url} made a request outside the exporter: {request_url}")
                elif status != 200:
                    fail(f"{url} loaded {request_url}: HTTP {status}")
        shutil.rmtree(profile, ignore_errors=True)
        return result.stdout

    @staticmethod
    def requests(netlog: str, site: str) -> list:
        """(url, status) of every URL request the page made, from a net log. Requests of the
        browser's own (update checks, time sync) are told apart by their network isolation key,
        which names the top frame's site for everything a page loads, wherever from."""
        try:
            with open(netlog) as file:
                text = file.read()
        except OSError:
            return []
        try:
            log = json.loads(text)
        except json.JSONDecodeError:
            # A chromium stopped before it closed the events array leaves it open.
            log = json.loads(text.rstrip().rstrip(",") + "]}")
        names = {value: key for key, value in log["constants"]["logEventTypes"].items()}
        urls, statuses = {}, {}
        for event in log["events"]:
            name, params, source = names.get(event["type"]), event.get("params", {}), event["source"]["id"]
            if name == "URL_REQUEST_START_JOB" and params.get("url"):
                if params.get("network_isolation_key", "").split(" ")[0] == site:
                    urls.setdefault(source, params["url"])
            elif name == "HTTP_TRANSACTION_READ_RESPONSE_HEADERS" and params.get("headers"):
                statuses[source] = int(params["headers"][0].split()[1])
        return [(url, statuses.get(source)) for source, url in urls.items()]


def parse_metrics(text: str) -> list:
    """(name, labels, value text) of every sample."""
    samples = []
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        match = re.match(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)', line)
        if match:
            labels = dict(re.findall(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"', match.group(2) or ""))
            samples.append((match.group(1), labels, match.group(3)))
    return samples


class Expected:
    """What /metrics says, per (account, currency)."""

    def __init__(self, metrics: str) -> None:
        self.period_to_date, self.forecast, self.budget, self.start = {}, {}, {}, {}
        self.series, self.newest_day, self.newest_end = {}, {}, {}
        self.up, self.covered, self.names = {}, {}, {}
        samples = parse_metrics(metrics)
        starts = {}
        for name, labels, value in samples:
            key = (labels.get("account_id"), labels.get("currency"))
            if name == "cloudflare_paygo_cumulated_contracted_cost":
                self.period_to_date[key] = self.period_to_date.get(key, 0.0) + float(value)
                self.series.setdefault(key, []).append((float(value), value, labels["service"], labels["unit"]))
            elif name == "cloudflare_paygo_forecast_cost":
                self.forecast[key] = value
            elif name == "cloudflare_paygo_budget":
                self.budget[key] = value
            elif name == "cloudflare_paygo_billing_period_start_timestamp_seconds":
                self.start[key] = float(value)
            elif name == "cloudflare_paygo_charge_period_start_timestamp_seconds":
                starts[(key, labels["service"], labels["unit"])] = float(value)
            elif name == "cloudflare_paygo_charge_period_end_timestamp_seconds":
                self.newest_end[key] = max(self.newest_end.get(key, 0.0), float(value))
            elif name == "cloudflare_paygo_up":
                self.up[labels["account_id"]] = value
            elif name == "cloudflare_paygo_account_covered":
                self.covered[labels["account_id"]] = value
            elif name == "cloudflare_paygo_account_info":
                self.names[labels["account_id"]] = labels["account_name"]
        for (key, _, _), start in starts.items():
            self.newest_day[key] = max(self.newest_day.get(key, 0.0), start)
        # The newest day's cost: the contracted cost of every series whose newest period is that day.
        self.newest_cost = {}
        for name, labels, value in samples:
            if name == "cloudflare_paygo_contracted_cost":
                key = (labels["account_id"], labels["currency"])
                if starts.get((key, labels["service"], labels["unit"])) == self.newest_day.get(key):
                    self.newest_cost[key] = self.newest_cost.get(key, 0.0) + float(value)

    def state(self, account: str) -> str:
        """The badge's CSS class the page should show: not covered wins over up."""
        if self.covered.get(account) == "0":
            return "not-covered"
        return {"1": "up", "0": "down"}.get(self.up.get(account), "pending")

    def name_order(self, accounts: list) -> list:
        """`accounts` as the page sorts by name: the name (the id while none is known), lower
        case, compared byte by byte, then the id."""
        return sorted(accounts, key=lambda account: ((self.names.get(account) or account).lower().encode(), account))

    def currencies(self, account: str) -> list:
        return sorted(currency for (other, currency) in self.period_to_date if other == account)


def close(a: float, b: float, relative: float = 1e-9) -> bool:
    return abs(a - b) <= relative * max(abs(a), abs(b), 1e-12)


def titles(html: str, css_class: str) -> list:
    """The title attribute of every element with css_class among its classes, in order."""
    found = []
    for tag in re.findall(r"<[a-z]+ [^>]*>", html):
        classes = re.search(r'class="([^"]*)"', tag)
        title = re.search(r'title="([^"]*)"', tag)
        if classes and css_class in classes.group(1).split() and title:
            found.append(title.group(1))
    return found


def amount(title: str, currency: str, where: str) -> float:
    if not title.startswith(currency + " "):
        fail(f"{where}: {title!r} is not in {currency}")
        return float("nan")
    return float(title[len(currency) + 1:])


def summary_rows(dom: str) -> list:
    """(account, currency, row html) of every row of the accounts table, in order."""
    rows = re.findall(r'<tr data-account="([0-9a-f]{32})" data-currency="([^"]*)">(.*?)</tr>', dom, re.S)
    return rows


def check_summary(name: str, dom: str, expected: Expected, accounts: list) -> list:
    rows = summary_rows(dom)
    shown = {(account, currency) for account, currency, _ in rows}
    for account in accounts:
        for currency in expected.currencies(account):
            if (account, currency) not in shown:
                fail(f"{name} /: no row for {account} in {currency}")
    for account, currency, row in rows:
        key = (account, currency)
        if key not in expected.period_to_date:
            fail(f"{name} /: row {account} {currency} is not in /metrics")
            continue
        cells = titles(row, "ptd")
        value = amount(cells[0], currency, f"{name} / {account}") if cells else float("nan")
        if not close(value, expected.period_to_date[key]):
            fail(f"{name} /: {account} {currency} period to date {value}, /metrics adds up to {expected.period_to_date[key]}")
        forecast = titles(row, "forecast")
        if key in expected.forecast and forecast != [f"{currency} {expected.forecast[key]}"]:
            fail(f"{name} /: {account} {currency} forecast {forecast}, /metrics {expected.forecast[key]}")
        budget = titles(row, "budget")
        if key in expected.budget and budget != [f"{currency} {expected.budget[key]}"]:
            fail(f"{name} /: {account} {currency} budget {budget}, /metrics {expected.budget[key]}")
        if f'class="state {expected.state(account)}"' not in row:
            fail(f"{name} /: /metrics says {expected.state(account)} ({account}), its row does not show it")
    # Totals: per currency, never across.
    totals = re.findall(r'<tr data-currency="([^"]*)"><td>[^<]*</td><td class="num">[^<]*</td><td class="num"><span class="ptd" title="([^"]*)"', dom)
    for currency, title in totals:
        want = sum(value for (_, other), value in expected.period_to_date.items() if other == currency)
        if not close(amount(title, currency, f"{name} totals"), want, 1e-8):
            fail(f"{name} /: total in {currency} {title}, /metrics adds up to {want}")
    if sorted(currency for currency, _ in totals) != sorted({currency for _, currency in expected.period_to_date}):
        fail(f"{name} /: totals for {[c for c, _ in totals]}, /metrics has {sorted({c for _, c in expected.period_to_date})}")
    return rows


def check_account(name: str, dom: str, account: str, expected: Expected) -> None:
    if account not in dom:
        fail(f"{name} account page: the id {account} is not shown")
    sections = re.findall(r'<section class="currency" data-currency="([^"]*)">(.*?)</section>', dom, re.S)
    if [currency for currency, _ in sections] != expected.currencies(account):
        fail(f"{name} account page: currencies {[c for c, _ in sections]}, /metrics has {expected.currencies(account)}")
    for currency, section in sections:
        key = (account, currency)
        where = f"{name} account page {currency}"
        ptd = titles(section, "ptd")
        if not ptd or not close(amount(ptd[0], currency, where), expected.period_to_date.get(key, float("nan"))):
            fail(f"{where}: period to date {ptd}, /metrics adds up to {expected.period_to_date.get(key)}")
        if key in expected.forecast and titles(section, "forecast")[:1] != [f"{currency} {expected.forecast[key]}"]:
            fail(f"{where}: forecast {titles(section, 'forecast')[:1]}, /metrics {expected.forecast[key]}")
        if key in expected.budget and titles(section, "budget")[:1] != [f"{currency} {expected.budget[key]}"]:
            fail(f"{where}: budget {titles(section, 'budget')[:1]}, /metrics {expected.budget[key]}")
        # The chart: one point per day of the period so far, adding up to the period's cost,
        # the newest one the newest day's cost.
        costs = [float(value) for value in re.findall(r'<circle class="dot[^"]*"[^>]*data-cost="([^"]*)"', section)]
        days = round((expected.newest_end[key] - expected.start[key]) / 86400)
        if len(costs) != days:
            fail(f"{where}: {len(costs)} points in the chart, the period so far has {days} days")
        if not close(sum(costs), expected.period_to_date[key], 1e-6):
            fail(f"{where}: the chart's days add up to {sum(costs)}, the period to {expected.period_to_date[key]}")
        if costs and not close(costs[-1], expected.newest_cost[key], 1e-6):
            fail(f"{where}: the newest point is {costs[-1]}, /metrics has {expected.newest_cost[key]} for the newest day")
        # Top services: the most expensive series first, as many as shown (at most 10).
        services = titles(section.split('<table class="services">', 1)[-1], "cost")
        top = sorted(expected.series[key], key=lambda series: -series[0])[:10]
        if services != [f"{currency} {text}" for _, text, _, _ in top]:
            fail(f"{where}: top services {services[:3]}..., /metrics {[text for _, text, _, _ in top][:3]}...")
    state = expected.state(account)
    if f'class="state {state}"' not in dom:
        fail(f"{name} account page: /metrics says {state} ({account}), the page does not show it")


def start_exporter(binary: str, arguments: list, log: str, environment: dict = None) -> tuple:
    port = free_port()
    process = subprocess.Popen([binary, *arguments, f"--web.listen-address=127.0.0.1:{port}"],
                               stderr=open(log, "w"), env={**os.environ, **(environment or {})})
    return process, f"http://127.0.0.1:{port}"


def screenshots(browser: Chromium, base: str, path: str, output: str, prefix: str, every: bool = True) -> None:
    """Desktop, and unless `every` is false phone and dark (kept few: they are committed)."""
    shots = [("desktop", DESKTOP, [])]
    if every:
        shots += [("phone", PHONE, []), ("desktop-dark", DESKTOP, ["--blink-settings=preferredColorScheme=0"])]
    for label, size, extra in shots:
        file = os.path.join(output, f"{prefix}-{label}.png")
        browser.run(base + path, f"--screenshot={file}", f"--window-size={size}", *extra, origin=base)
        if not os.path.exists(file) or os.path.getsize(file) < 2000:
            fail(f"no screenshot {file}")
        else:
            print(f"screenshot {os.path.relpath(file)} ({os.path.getsize(file) // 1024} KiB)")


def main() -> int:
    binary, output = sys.argv[1], sys.argv[2]
    os.makedirs(output, exist_ok=True)
    work = tempfile.mkdtemp(prefix="browser-check-")
    processes = []
    browser = Chromium(work)
    try:
        print("--- the console check catches an error (a page that logs one)")
        canary = os.path.join(work, "canary.html")
        with open(canary, "w") as file:
            file.write('<!DOCTYPE html><link rel="icon" href="data:,"><script>console.error("browser-check canary")</script>')
        browser.run("file://" + canary, console_fails=False)
        if not any("browser-check canary" in line for line in browser.console):
            print("FAIL: chromium's console messages were not seen; the check would pass silently")
            return 1
        print(f"seen: {browser.console[0]}")

        print("--- the demo exporter")
        demo, demo_url = start_exporter(binary, ["--demo"], os.path.join(work, "demo.log"))
        processes.append(demo)
        wait_for(lambda: fetch(demo_url + "/-/ready")[0] == 200, "the demo exporter was not ready")
        expected = Expected(fetch(demo_url + "/metrics")[1])
        accounts = sorted(expected.up)
        dom = browser.run(demo_url + "/", origin=demo_url)
        rows = check_summary("demo", dom, expected, accounts)
        print(f"/: {len(rows)} rows, {sorted({c for _, c, _ in rows})}")
        for account in accounts:
            dom = browser.run(demo_url + f"/accounts/{account}", origin=demo_url)
            check_account("demo", dom, account, expected)
        print(f"account pages of {len(accounts)} accounts checked")
        screenshots(browser, demo_url, "/", output, "demo-summary")
        screenshots(browser, demo_url, f"/accounts/{accounts[0]}", output, "demo-account")

        print(f"--- {ACCOUNTS:,} accounts (bench/standin_api.py)")
        standin = subprocess.Popen([sys.executable, os.path.join(HERE, "..", "bench", "standin_api.py"), "serve", "--services", "10"],
                                   stdout=subprocess.PIPE, text=True)
        processes.append(standin)
        api_port = int(standin.stdout.readline())
        ids = [f"{n:032x}" for n in range(1, ACCOUNTS + 1)]
        many, many_url = start_exporter(
            binary, [f"--cloudflare.api-url=http://127.0.0.1:{api_port}/client/v4", f"--cloudflare.account-id={','.join(ids)}",
                     "--cloudflare.rate-limit=1000000/5m", "--cloudflare.refresh-interval=1h"],
            os.path.join(work, "many.log"), {"CLOUDFLARE_API_TOKEN": "browser-check"})
        processes.append(many)
        wait_for(lambda: Expected(fetch(many_url + "/metrics")[1]).up.get(ids[-1]) is not None
                 and list(Expected(fetch(many_url + "/metrics")[1]).up.values()).count("1") == ACCOUNTS,
                 f"{ACCOUNTS} accounts were not all up", timeout=300)
        expected = Expected(fetch(many_url + "/metrics")[1])
        status, raw = fetch(many_url + "/")
        print(f"/: {len(raw.encode()) // 1024} KiB as sent")
        if len(raw.encode()) > MAX_PAGE_BYTES:
            fail(f"/ weighs {len(raw.encode())} bytes at {ACCOUNTS} accounts, more than {MAX_PAGE_BYTES}")
        dom = browser.run(many_url + "/", origin=many_url)
        rows = check_summary(f"{ACCOUNTS} accounts", dom, expected, [])
        costs = [expected.period_to_date[(a, c)] for a, c, _ in rows]
        if len(rows) != 200 or costs != sorted(costs, reverse=True) or costs[0] != max(expected.period_to_date.values()):
            fail(f"{ACCOUNTS} accounts /: {len(rows)} rows, not the 200 most expensive in order")
        by_name = summary_rows(browser.run(many_url + "/?sort=name", origin=many_url))
        # Accounts on the older paths have no name (11 columns): their ids sort before the names.
        by_names = expected.name_order(ids)
        if [account for account, _, _ in by_name] != by_names[:200]:
            fail(f"{ACCOUNTS} accounts /?sort=name: not the first 200 accounts by name in order")
        last = summary_rows(browser.run(many_url + "/?sort=name&page=5", origin=many_url))
        if [account for account, _, _ in last] != by_names[800:]:
            fail(f"{ACCOUNTS} accounts /?sort=name&page=5: not the last 200 accounts by name")
        if len(expected.names) < ACCOUNTS // 2:
            fail(f"{ACCOUNTS} accounts: only {len(expected.names)} names in /metrics, the stand-in names every current-path account")
        for path, want in [("/?page=6", 404), ("/?sort=nope", 400), ("/accounts/" + "f" * 32, 404), ("/accounts/<x>", 404)]:
            if fetch(many_url + path)[0] != want:
                fail(f"{path}: not {want}")
        account = ids[499]
        status, raw = fetch(many_url + f"/accounts/{account}")
        print(f"/accounts/{account}: {len(raw.encode()) // 1024} KiB as sent")
        check_account(f"{ACCOUNTS} accounts", browser.run(many_url + f"/accounts/{account}", origin=many_url), account, expected)
        screenshots(browser, many_url, "/", output, "standin-1000-summary", every=False)
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
        shutil.rmtree(work, ignore_errors=True)
    print(f"browser check: {browser.runs} chromium runs, {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
