#!/usr/bin/env python3
"""A fast stand-in for Cloudflare's PayGo usage API, for bench/run.

Unlike .ci/standin_cloudflare_api.py (which computes every answer), this one precomputes a few
answer bodies at start-up and serves them as bytes, so a refresh of 1,000 accounts measures the
exporter, not this server. Every account gets one of --variants bodies (chosen by its id), each
with --services services of 1-2 units, one record per (service, unit, day) of the current
billing period so far (what the exporter asks for; zone-level services, e.g. "Argo Smart
Routing", have one record per zone on the current path: two zones that add up). That period
always began PERIOD_DAYS - 1 days before today (UTC), so answers, and everything the bench
measures, are the same size on every day of the month.

The paths, as Cloudflare's API generations (from/to are ignored on purpose: the body is always
the current period so far):
  /client/v4/accounts/<id>/billable-usage        current: 27-column records, the account's id
                                                 and name ("Bench account <id>") in them
  /client/v4/accounts/<id>/billable-usage/info   {"covered", "subscriptions": [one, anchored so
                                                 that its billing period began on the period's
                                                 first day: the 31st when that day is the last of
                                                 its month, else that day of the month]}
  /client/v4/accounts/<id>/paygo-usage           older: the same records in the 11 columns
  /client/v4/accounts/<id>/billing/usage/paygo   oldest: the same 11-column body
With --old-paths K (default 16), the accounts with int(id, 16) % K == 1 are on /paygo-usage
(404 on /billable-usage and its /info) and those with int(id, 16) % K == 2 on
/billing/usage/paygo only (404 on the other two and /info); every other account answers on all
three. K = 0: every account on every path. --not-covered ID,... : those accounts' /info says
covered:false and their usage paths answer an empty result.

usage: standin_api.py serve --services S [--variants N] [--port P] [--bucket N/SECONDS]
                            [--window N/SECONDS [--no-quota-headers]] [--old-paths K] [--not-covered ID,...]
           Listens on 127.0.0.1:P (0 picks a free port) and prints the port on the first line.
           With --bucket, enforces a token bucket like Cloudflare's per-token limit (N calls,
           refilled evenly over SECONDS; 429 with Retry-After when empty); every call under
           /client/v4/accounts/<id>/ takes a token (404s and /info too). GET /stats then tells:
             calls, refused (429s), not_found (404s), info_calls, usage_calls (usage answers
             given, 200), accounts (accounts given a usage answer), info_accounts (accounts
             whose /info answered 200), first_cycle_seconds (from the first account's first
             usage answer to the last one's), first_cycle_calls (calls made in that time, the
             last one included).
           With --window instead, at most N calls in any SECONDS, as Cloudflare counts them;
           every answer reports the quota left (Ratelimit: "default";r=..;t=.. with
           Ratelimit-Policy) unless --no-quota-headers; GET /spend?n=K spends K calls as another
           client of the token would, and /stats adds other_calls and other_refused.
           With --tokens T=FIRST-LAST,... as well, each token has a window of its own (another
           token is refused with 403), GET /client/v4/accounts lists its accounts (paged, 50 a
           page, result_info.total_pages), and /stats answers per token.
       standin_api.py answer --services S --days D [--seed K] [--columns 27|11] [--anchor-day A]
           Prints one answer with D days ending today (spanning billing periods as needed: day A
           of each month, or its last day; default 31).
"""
import argparse
import calendar
import collections
import datetime
import hashlib
import json
import math
import random
import re
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

# Real product names, families and units as they appear on Cloudflare invoices; a service may be
# billed in two units (the unit is part of a series' identity); zone-level services carry a
# ZoneId. Past the end of the list, generic names.
CATALOG = [
    ("Workers Standard", "Workers", ("Requests", "CPU ms")),
    ("Workers KV Reads", "Workers KV", ("Requests",)),
    ("Workers KV Writes", "Workers KV", ("Requests",)),
    ("Workers KV Storage", "Workers KV", ("GB-month",)),
    ("Durable Objects Requests", "Durable Objects", ("Requests",)),
    ("Durable Objects Duration", "Durable Objects", ("GB-s",)),
    ("Durable Objects Storage", "Durable Objects", ("GB-month", "Rows Read")),
    ("R2 Storage", "R2", ("GB-month",)),
    ("R2 Storage Class A Operations", "R2", ("Requests",)),
    ("R2 Storage Class B Operations", "R2", ("Requests",)),
    ("R2 Infrequent Access Storage", "R2", ("GB-month", "Data Retrieval GB")),
    ("D1 Rows Read", "D1", ("Rows",)),
    ("D1 Rows Written", "D1", ("Rows",)),
    ("D1 Storage", "D1", ("GB-month",)),
    ("Queues Operations", "Queues", ("Operations",)),
    ("Pages Functions", "Pages", ("Requests", "CPU ms")),
    ("Images Stored", "Images", ("Images",)),
    ("Images Delivered", "Images", ("Images",)),
    ("Images Transformations", "Images", ("Transformations",)),
    ("Stream Minutes Stored", "Stream", ("Minutes",)),
    ("Stream Minutes Delivered", "Stream", ("Minutes",)),
    ("Workers AI", "Workers AI", ("Neurons",)),
    ("Vectorize Queried Dimensions", "Vectorize", ("Dimensions",)),
    ("Vectorize Stored Dimensions", "Vectorize", ("Dimensions",)),
    ("Hyperdrive Queries", "Hyperdrive", ("Queries",)),
    ("Argo Smart Routing", "Argo", ("GB",)),
    ("Load Balancing", "Load Balancing", ("Origins", "DNS Queries")),
    ("Rate Limiting", "Rate Limiting", ("Requests",)),
    ("Zero Trust Seats", "Zero Trust", ("Seats",)),
    ("Spectrum", "Spectrum", ("GB", "Connections")),
    ("Logpush", "Logs", ("GB",)),
    ("Browser Rendering", "Browser Rendering", ("Browser Hours", "Concurrent Browsers")),
    ("Email Routing", "Email Routing", ("Messages",)),
    ("Calls TURN", "Calls", ("GB",)),
    ("Workers Logs", "Workers", ("Events",)),
    ("AI Gateway Logs", "AI Gateway", ("Logs",)),
    ("Analytics Engine", "Analytics Engine", ("Data Points Written", "Read Queries")),
    ("Pipelines", "Pipelines", ("GB Ingested",)),
    ("Workflows", "Workflows", ("Requests", "CPU ms")),
    ("Containers", "Containers", ("vCPU-s", "GB-s")),
]
ZONE_LEVEL = {"Argo Smart Routing", "Load Balancing", "Rate Limiting", "Spectrum"}
ZONES = [("4f5e6d7c8b9a0f1e2d3c4b5a69788796", "example.com"), ("0a1b2c3d4e5f60718293a4b5c6d7e8f9", "shop.example.org")]

ROUTE = re.compile(r"^/client/v4/accounts/([0-9a-f]{32})/([a-z/-]+?)(\?.*)?$")
CURRENT, INFO, OLD, OLDEST = "billable-usage", "billable-usage/info", "paygo-usage", "billing/usage/paygo"
USAGE_PATHS = (CURRENT, OLD, OLDEST)
# Stands for the account's id in a precomputed 27-column body; replaced per answer.
ACCOUNT_PLACEHOLDER = b"@" * 32


def catalog(services: int) -> list:
    """The first `services` (name, family, units) triples, made up past the real ones."""
    result = list(CATALOG[:services])
    for index in range(len(result), services):
        units = ("Units",) if index % 2 else ("Requests", "GB")
        result.append((f"Add-on Service {index + 1:03d}", "Add-ons", units))
    return result


def stamp(day: datetime.date) -> str:
    return f"{day.isoformat()}T00:00:00Z"


def period_day(year: int, month: int, anchor_day: int) -> datetime.date:
    return datetime.date(year, month, min(anchor_day, calendar.monthrange(year, month)[1]))


def period_start(day: datetime.date, anchor_day: int) -> datetime.date:
    """First day of the billing period holding `day`, for an anchor on `anchor_day`: that day of
    every month, or the month's last day when it has none (31st: Jan 31, Feb 28/29, Mar 31)."""
    start = period_day(day.year, day.month, anchor_day)
    if start > day:
        year, month = (day.year, day.month - 1) if day.month > 1 else (day.year - 1, 12)
        start = period_day(year, month, anchor_day)
    return start


def anchor_day_of(first_day: datetime.date) -> int:
    """An anchor day whose billing periods include one starting on `first_day`."""
    last = calendar.monthrange(first_day.year, first_day.month)[1]
    return 31 if first_day.day == last else first_day.day


def records(services: int, days: list, seed: int, anchor_day: int = 31, columns: int = 27,
            account: str = ACCOUNT_PLACEHOLDER.decode()) -> list:
    """One record per (service, unit, day), per zone for zone-level services in 27 columns;
    cumulative columns restart with each billing period (periods from `anchor_day`)."""
    rng = random.Random(seed)
    subscription = hashlib.sha256(f"bench-subscription-{seed}".encode()).hexdigest()[:32]
    result = []
    for name, family, units in catalog(services):
        zones = ZONES if (name in ZONE_LEVEL and columns == 27) else [(None, None)]
        for unit_index, unit in enumerate(units):
            daily = 10 ** rng.uniform(1, 11)        # from tens to 10^11 a day
            price = 10 ** rng.uniform(-9, -3)       # per pricing unit
            fractional = "GB" in unit or unit.endswith("-s")
            cumulated = [[0.0, 0] for _ in zones]   # cost, quantity per zone
            period = None
            for day in days:
                start = period_start(day, anchor_day)
                if start != period:
                    period, cumulated = start, [[0.0, 0] for _ in zones]
                consumed = daily * rng.uniform(0.3, 1.7)
                consumed = round(consumed, 6) if fractional else int(consumed)
                pricing = int(consumed)
                # Zone shares: the first zone gets 3/5 (rounded down), the second the rest.
                shares = [(consumed, pricing)] if len(zones) == 1 else [
                    (consumed * 3 // 5, pricing * 3 // 5), (consumed - consumed * 3 // 5, pricing - pricing * 3 // 5)]
                for zone, (zone_id, zone_name) in enumerate(zones):
                    zone_consumed, zone_pricing = shares[zone]
                    cost = zone_pricing * price
                    cumulated[zone][0] += cost
                    cumulated[zone][1] += zone_pricing
                    record = {
                        "BillingCurrency": "USD",
                        "BillingPeriodStart": stamp(start),
                        "ChargePeriodEnd": stamp(day + datetime.timedelta(days=1)),
                        "ChargePeriodStart": stamp(day),
                        "ConsumedQuantity": zone_consumed,
                        "ConsumedUnit": unit,
                        "ContractedCost": cost,
                        "CumulatedContractedCost": cumulated[zone][0],
                        "CumulatedPricingQuantity": cumulated[zone][1],
                        "PricingQuantity": zone_pricing,
                        "ServiceName": name,
                    }
                    if columns == 27:
                        # Keys in the order Cloudflare sends them (alphabetical).
                        record.update({
                            "BilledCost": cost,
                            "BillingAccountId": account,
                            "BillingAccountName": f"Bench account {account}",
                            "ChargeCategory": "Usage",
                            "ChargeClass": None,
                            "ChargeDescription": f"{name} {unit.lower()}" if unit_index == 0 else None,
                            "EffectiveCost": cost,
                            "HostProviderName": "Cloudflare",
                            "InvoiceIssuerName": "Cloudflare, Inc.",
                            "ListCost": cost,
                            "PricingUnit": "Count" if unit == "CPU ms" else unit,
                            "ServiceFamilyName": family,
                            "ServiceProviderName": "Cloudflare",
                            "SubscriptionId": subscription,
                            "ZoneId": zone_id,
                            "ZoneName": zone_name,
                        })
                        record = dict(sorted(record.items()))
                    result.append(record)
    return result


def envelope(result) -> bytes:
    return json.dumps({"success": True, "errors": [], "messages": [], "result": result},
                      separators=(",", ":"), ensure_ascii=False).encode()


def today() -> datetime.date:
    return datetime.datetime.now(datetime.timezone.utc).date()


# Days of the current billing period in every answer the server gives, today included: a period
# three weeks in, like the middle of a month, whatever today's date is.
PERIOD_DAYS = 22


def current_period_days() -> list:
    return last_days(PERIOD_DAYS)


def last_days(count: int) -> list:
    last = today()
    return [last - datetime.timedelta(days=count - 1 - n) for n in range(count)]


def answer(services: int, days: int, seed: int = 1, columns: int = 27, anchor_day: int = 31) -> bytes:
    """An answer of `days` days ending today: the large-answer decode benchmark's input."""
    body = envelope(records(services, last_days(days), seed, anchor_day, columns))
    return body.replace(ACCOUNT_PLACEHOLDER, b"0123456789abcdef0123456789abcdef")


def generation(account: str, every: int) -> str:
    """The newest usage path the account answers on."""
    if every:
        rest = int(account, 16) % every
        if rest == 1:
            return OLD
        if rest == 2:
            return OLDEST
    return CURRENT


def serves(account: str, path: str, every: int) -> bool:
    newest = generation(account, every)
    if newest == OLDEST:
        return path == OLDEST
    if newest == OLD:
        return path in (OLD, OLDEST)
    return path in USAGE_PATHS or path == INFO


class TokenBucket:
    """Cloudflare-like per-token limit, and the record of who called when."""

    def __init__(self, capacity: int, window: float) -> None:
        self.capacity, self.window = capacity, window
        self.tokens, self.updated = float(capacity), time.monotonic()
        self.lock = threading.Lock()
        self.calls = self.refused = self.not_found = self.info_calls = self.usage_calls = 0
        self.first_answers: dict = {}   # account -> (time, calls so far) of its first usage answer
        self.last_answers: dict = {}    # account -> time of its newest usage answer
        self.second_answers: dict = {}  # account -> time of its second usage answer
        self.steady_gaps: dict = {}     # account -> longest time between two answers after its second
        self.info_accounts: set = set()

    def take(self) -> bool:
        with self.lock:
            now = time.monotonic()
            self.tokens = min(self.capacity, self.tokens + (now - self.updated) * self.capacity / self.window)
            self.updated = now
            self.calls += 1
            if self.tokens < 1:
                self.refused += 1
                return False
            self.tokens -= 1
            return True

    def answered(self, account: str, kind: str) -> None:
        """Records an answer given: `kind` is "usage", "info" or "not_found"."""
        with self.lock:
            if kind == "usage":
                self.usage_calls += 1
                self.first_answers.setdefault(account, (time.monotonic(), self.calls))
                now = time.monotonic()
                if account in self.second_answers:
                    gap = now - self.last_answers[account]
                    self.steady_gaps[account] = max(self.steady_gaps.get(account, 0), gap)
                elif account in self.last_answers:
                    self.second_answers[account] = now
                self.last_answers[account] = now
            elif kind == "info":
                self.info_calls += 1
                self.info_accounts.add(account)
            else:
                self.not_found += 1

    def stats(self) -> dict:
        with self.lock:
            firsts = sorted(self.first_answers.values())
            return {"calls": self.calls, "refused": self.refused, "not_found": self.not_found,
                    "info_calls": self.info_calls, "usage_calls": self.usage_calls,
                    "accounts": len(firsts), "info_accounts": len(self.info_accounts),
                    "first_cycle_seconds": firsts[-1][0] - firsts[0][0] if firsts else 0,
                    "first_cycle_calls": firsts[-1][1] - firsts[0][1] + 1 if firsts else 0,
                    # Accounts answered again since the first cycle ended, and how long ago it did.
                    "again_after_first_cycle": sum(1 for t in self.last_answers.values() if firsts and t > firsts[-1][0]),
                    "since_first_cycle_seconds": time.monotonic() - firsts[-1][0] if firsts else 0,
                    # The cycles after the second: per account the longest time between two
                    # answers, and how many accounts had one.
                    "steady_max_gap_seconds": max(self.steady_gaps.values(), default=0),
                    "steady_accounts": len(self.steady_gaps)}


class SlidingWindow(TokenBucket):
    """Cloudflare's limit as it is counted: at most N calls in any SECONDS (1,200 in any 5
    minutes), with the quota reported in the draft's headers on every answer, and calls that
    another client of the same token spends (`spend`), counted apart."""

    def __init__(self, capacity: int, window: float, headers: bool) -> None:
        super().__init__(capacity, window)
        self.times: collections.deque = collections.deque()
        self.headers = headers
        self.other_calls = self.other_refused = 0

    def _expire(self, now: float) -> None:
        while self.times and self.times[0] <= now - self.window:
            self.times.popleft()

    def take(self) -> bool:
        with self.lock:
            now = time.monotonic()
            self._expire(now)
            self.calls += 1
            if len(self.times) >= self.capacity:
                self.refused += 1
                return False
            self.times.append(now)
            return True

    def spend(self, count: int) -> int:
        """Another client's calls on the token; returns how many got through."""
        with self.lock:
            now = time.monotonic()
            self._expire(now)
            taken = min(count, self.capacity - len(self.times))
            self.times.extend([now] * taken)
            self.other_calls += taken
            self.other_refused += count - taken
            return taken

    def quota_headers(self) -> list:
        """Remaining calls, and seconds (rounded up) until the oldest counted call leaves the
        window: in a sliding window that is when the quota next grows, the nearest thing to a
        reset it has."""
        if not self.headers:
            return []
        with self.lock:
            now = time.monotonic()
            self._expire(now)
            remaining = self.capacity - len(self.times)
            reset = math.ceil(self.times[0] + self.window - now) if self.times else 0
        return [("Ratelimit", f'"default";r={remaining};t={reset}'),
                ("Ratelimit-Policy", f'"default";q={self.capacity};w={self.window:g}')]

    def stats(self) -> dict:
        result = super().stats()
        with self.lock:
            result.update(other_calls=self.other_calls, other_refused=self.other_refused)
        return result


NOT_FOUND = b'{"success":false,"errors":[{"code":7003,"message":"Could not route"}],"messages":[],"result":null}'
EMPTY = b'{"success":true,"errors":[],"messages":[],"result":[]}'


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"   # keep-alive, as Cloudflare's edge does
    bodies: list = []        # 27 columns, ACCOUNT_PLACEHOLDER where the account's id goes
    old_bodies: list = []    # 11 columns
    anchor = ""              # the info endpoint's anchor timestamp
    bucket = None
    old_every = 16
    not_covered: set = set()

    tokens: dict = {}        # --tokens: token -> (its SlidingWindow, the accounts it lists)

    def limit_for(self) -> "TokenBucket":
        """The limit this call counts against: its token's window with --tokens, else the one."""
        if Handler.tokens:
            entry = Handler.tokens.get(self.headers.get("Authorization", "").removeprefix("Bearer "))
            return entry[0] if entry else None
        return Handler.bucket

    def do_GET(self) -> None:
        if self.path == "/stats" and Handler.tokens:
            return self.send(200, json.dumps({token: window.stats() for token, (window, _) in Handler.tokens.items()}).encode())
        if self.path == "/stats" and Handler.bucket:
            return self.send(200, json.dumps(Handler.bucket.stats()).encode())
        if self.path.startswith("/client/v4/accounts?") and Handler.tokens:
            return self.list_accounts()
        if self.path.startswith("/spend?n=") and isinstance(Handler.bucket, SlidingWindow):
            taken = Handler.bucket.spend(int(self.path.split("=", 1)[1]))
            return self.send(200, json.dumps({"taken": taken}).encode())
        match = ROUTE.match(self.path)
        if not match:
            return self.send(404, NOT_FOUND)
        account, path = match.group(1), match.group(2)
        if not self.headers.get("Authorization", "").startswith("Bearer ") or (Handler.tokens and self.limit_for() is None):
            return self.send(403, b'{"success":false,"errors":[{"code":10000,"message":"Authentication error"}],"messages":[],"result":null}')
        limit = self.limit_for()
        if limit and not limit.take():
            return self.send(429, b'{"success":false,"errors":[{"code":971,"message":"Please wait and consider throttling your request speed"}],"messages":[],"result":null}')
        if not serves(account, path, Handler.old_every):
            self.count(account, "not_found")
            return self.send(404, NOT_FOUND)
        if path == INFO:
            self.count(account, "info")
            subscription = hashlib.sha256(f"bench-subscription-{self.variant(account)}".encode()).hexdigest()[:32]
            return self.send(200, envelope({"covered": account not in Handler.not_covered, "subscriptions": [
                {"id": subscription, "billing_cycle_anchor_timestamp": Handler.anchor, "start_timestamp": Handler.anchor}]}))
        self.count(account, "usage")
        if account in Handler.not_covered:
            return self.send(200, EMPTY)
        variant = self.variant(account)
        if path == CURRENT:
            self.send(200, Handler.bodies[variant].replace(ACCOUNT_PLACEHOLDER, account.encode()))
        else:
            self.send(200, Handler.old_bodies[variant])

    @staticmethod
    def variant(account: str) -> int:
        """Which body an account gets (its seed)."""
        return int(account[-6:], 16) % len(Handler.bodies)

    def list_accounts(self) -> None:
        """GET /accounts of the caller's token, 50 a page, with result_info."""
        limit = self.limit_for()
        if limit is None:
            return self.send(403, b'{"success":false,"errors":[{"code":10000,"message":"Authentication error"}],"messages":[],"result":null}')
        if not limit.take():
            return self.send(429, b'{"success":false,"errors":[{"code":971,"message":"Please wait"}],"messages":[],"result":null}')
        query = parse_qs(self.path.split("?", 1)[1])
        page, per_page = int(query.get("page", ["1"])[0]), int(query.get("per_page", ["50"])[0])
        listed = Handler.tokens[self.headers["Authorization"].removeprefix("Bearer ")][1]
        chunk = listed[(page - 1) * per_page:page * per_page]
        body = {"success": True, "errors": [], "messages": [],
                "result": [{"id": account, "name": f"Bench account {account}", "type": "standard"} for account in chunk],
                "result_info": {"page": page, "per_page": per_page, "count": len(chunk), "total_count": len(listed),
                                "total_pages": max(1, math.ceil(len(listed) / per_page))}}
        self.send(200, json.dumps(body).encode())

    def count(self, account: str, kind: str) -> None:
        limit = self.limit_for()
        if limit:
            limit.answered(account, kind)

    def send(self, status: int, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        if status == 429:
            self.send_header("Retry-After", "1")
        limit = self.limit_for()
        if isinstance(limit, SlidingWindow):
            for name, value in limit.quota_headers():
                self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args) -> None:
        pass


class Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 1024   # the default 5 drops connections when 1,000 accounts start at once


def main() -> None:
    parser = argparse.ArgumentParser()
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve")
    serve.add_argument("--services", type=int, required=True)
    serve.add_argument("--variants", type=int, default=8)
    serve.add_argument("--port", type=int, default=0)
    serve.add_argument("--bucket", help="N/SECONDS: refuse calls beyond a token bucket")
    serve.add_argument("--window", help="N/SECONDS: refuse calls beyond N in any SECONDS, reporting the quota in headers")
    serve.add_argument("--no-quota-headers", action="store_true", help="with --window: report no quota (a control run)")
    serve.add_argument("--tokens", metavar="T=FIRST-LAST,...",
                       help="with --window: a window per token; token T lists accounts FIRST to LAST (numbers, as 32-hex ids)")
    serve.add_argument("--old-paths", type=int, default=16, metavar="K",
                       help="id %% K == 1: on /paygo-usage, == 2: on /billing/usage/paygo only (0: none)")
    serve.add_argument("--not-covered", default="", metavar="ID,...")
    one = commands.add_parser("answer")
    one.add_argument("--services", type=int, required=True)
    one.add_argument("--days", type=int, required=True)
    one.add_argument("--seed", type=int, default=1)
    one.add_argument("--columns", type=int, choices=(27, 11), default=27)
    one.add_argument("--anchor-day", type=int, choices=range(1, 32), default=31, metavar="1..31")
    args = parser.parse_args()
    if args.command == "answer":
        sys.stdout.buffer.write(answer(args.services, args.days, args.seed, args.columns, args.anchor_day))
        return
    days = current_period_days()
    anchor_day = anchor_day_of(days[0])
    assert all(period_start(day, anchor_day) == days[0] for day in days)
    # An anchor in January (which has every day) over a year ago, on the period's day.
    Handler.anchor = stamp(datetime.date(days[0].year - 1, 1, anchor_day))
    Handler.bodies = [envelope(records(args.services, days, seed, anchor_day, 27)) for seed in range(args.variants)]
    Handler.old_bodies = [envelope(records(args.services, days, seed, anchor_day, 11)) for seed in range(args.variants)]
    Handler.old_every = args.old_paths
    Handler.not_covered = {part.strip().lower() for part in args.not_covered.split(",") if part.strip()}
    if args.bucket:
        calls, seconds = args.bucket.split("/")
        Handler.bucket = TokenBucket(int(calls), float(seconds))
    if args.window:
        calls, seconds = args.window.split("/")
        Handler.bucket = SlidingWindow(int(calls), float(seconds), headers=not args.no_quota_headers)
        for item in filter(None, (args.tokens or "").split(",")):
            token, span = item.split("=")
            first, last = (int(n) for n in span.split("-"))
            Handler.tokens[token] = (SlidingWindow(int(calls), float(seconds), headers=not args.no_quota_headers),
                                     [f"{n:032x}" for n in range(first, last + 1)])
    server = Server(("127.0.0.1", args.port), Handler)
    print(server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
