#!/usr/bin/env python3
"""A fast stand-in for Cloudflare's PayGo usage API, for bench/run.

Unlike .ci/standin_cloudflare_api.py (which computes every answer), this one precomputes a few
answer bodies at start-up and serves them as bytes, so a refresh of 1,000 accounts measures the
exporter, not this server. Every account gets one of --variants bodies (chosen by its id), each
with --services services of 1-2 units, one record per (service, unit, day) of the current
billing period so far (what the exporter asks for). That period always began PERIOD_DAYS - 1
days before today (UTC), so answers, and everything the bench measures, are the same size on
every day of the month.

usage: standin_api.py serve --services S [--variants N] [--port P] [--bucket N/SECONDS]
           Listens on 127.0.0.1:P (0 picks a free port) and prints the port on the first line.
           With --bucket, enforces a token bucket like Cloudflare's per-token limit (N calls,
           refilled evenly over SECONDS; 429 with Retry-After when empty); GET /stats then
           tells calls, refusals and when each account was first called.
       standin_api.py answer --services S --days D [--seed K]
           Prints one answer with D days ending today (spanning billing periods as needed).
"""
import argparse
import datetime
import json
import random
import re
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

# Real product names and units as they appear on Cloudflare invoices; a service may be billed in
# two units (the unit is part of a series' identity). Past the end of the list, generic names.
CATALOG = [
    ("Workers Standard", ("Requests", "CPU ms")),
    ("Workers KV Reads", ("Requests",)),
    ("Workers KV Writes", ("Requests",)),
    ("Workers KV Storage", ("GB-month",)),
    ("Durable Objects Requests", ("Requests",)),
    ("Durable Objects Duration", ("GB-s",)),
    ("Durable Objects Storage", ("GB-month", "Rows Read")),
    ("R2 Storage", ("GB-month",)),
    ("R2 Storage Class A Operations", ("Requests",)),
    ("R2 Storage Class B Operations", ("Requests",)),
    ("R2 Infrequent Access Storage", ("GB-month", "Data Retrieval GB")),
    ("D1 Rows Read", ("Rows",)),
    ("D1 Rows Written", ("Rows",)),
    ("D1 Storage", ("GB-month",)),
    ("Queues Operations", ("Operations",)),
    ("Pages Functions", ("Requests", "CPU ms")),
    ("Images Stored", ("Images",)),
    ("Images Delivered", ("Images",)),
    ("Images Transformations", ("Transformations",)),
    ("Stream Minutes Stored", ("Minutes",)),
    ("Stream Minutes Delivered", ("Minutes",)),
    ("Workers AI", ("Neurons",)),
    ("Vectorize Queried Dimensions", ("Dimensions",)),
    ("Vectorize Stored Dimensions", ("Dimensions",)),
    ("Hyperdrive Queries", ("Queries",)),
    ("Argo Smart Routing", ("GB",)),
    ("Load Balancing", ("Origins", "DNS Queries")),
    ("Rate Limiting", ("Requests",)),
    ("Zero Trust Seats", ("Seats",)),
    ("Spectrum", ("GB", "Connections")),
    ("Logpush", ("GB",)),
    ("Browser Rendering", ("Browser Hours", "Concurrent Browsers")),
    ("Email Routing", ("Messages",)),
    ("Calls TURN", ("GB",)),
    ("Workers Logs", ("Events",)),
    ("AI Gateway Logs", ("Logs",)),
    ("Analytics Engine", ("Data Points Written", "Read Queries")),
    ("Pipelines", ("GB Ingested",)),
    ("Workflows", ("Requests", "CPU ms")),
    ("Containers", ("vCPU-s", "GB-s")),
]

PATH = re.compile(r"^/client/v4/accounts/([0-9a-f]{32})/billing/usage/paygo(\?.*)?$")


def catalog(services: int) -> list:
    """The first `services` (name, units) pairs, made up past the real ones."""
    result = list(CATALOG[:services])
    for index in range(len(result), services):
        units = ("Units",) if index % 2 else ("Requests", "GB")
        result.append((f"Add-on Service {index + 1:03d}", units))
    return result


def stamp(day: datetime.date) -> str:
    return f"{day.isoformat()}T00:00:00Z"


def records(services: int, days: list, seed: int, period_start=lambda day: day.replace(day=1)) -> list:
    """One record per (service, unit, day); cumulative columns restart with each billing period,
    which `period_start` tells for each day (by default, calendar months)."""
    rng = random.Random(seed)
    result = []
    for name, units in catalog(services):
        for unit in units:
            daily = 10 ** rng.uniform(1, 11)        # from tens to 10^11 a day
            price = 10 ** rng.uniform(-9, -3)       # per pricing unit
            fractional = "GB" in unit or unit.endswith("-s")
            cumulated_cost = 0.0
            cumulated_quantity = 0
            period = None
            for day in days:
                start = period_start(day)
                if start != period:
                    period, cumulated_cost, cumulated_quantity = start, 0.0, 0
                consumed = daily * rng.uniform(0.3, 1.7)
                consumed = round(consumed, 6) if fractional else int(consumed)
                pricing = int(consumed)
                cost = pricing * price
                cumulated_cost += cost
                cumulated_quantity += pricing
                result.append({
                    "BillingCurrency": "USD",
                    "BillingPeriodStart": stamp(start),
                    "ChargePeriodEnd": stamp(day + datetime.timedelta(days=1)),
                    "ChargePeriodStart": stamp(day),
                    "ConsumedQuantity": consumed,
                    "ConsumedUnit": unit,
                    "ContractedCost": cost,
                    "CumulatedContractedCost": cumulated_cost,
                    "CumulatedPricingQuantity": cumulated_quantity,
                    "PricingQuantity": pricing,
                    "ServiceName": name,
                })
    return result


def envelope(result: list) -> bytes:
    return json.dumps({"success": True, "errors": [], "messages": [], "result": result},
                      separators=(",", ":")).encode()


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


def answer(services: int, days: int, seed: int = 1) -> bytes:
    """An answer of `days` days ending today: the large-answer decode benchmark's input."""
    return envelope(records(services, last_days(days), seed))


class TokenBucket:
    """Cloudflare-like per-token limit, and the record of who called when."""

    def __init__(self, capacity: int, window: float) -> None:
        self.capacity, self.window = capacity, window
        self.tokens, self.updated = float(capacity), time.monotonic()
        self.lock = threading.Lock()
        self.calls = self.refused = 0
        self.first_calls: dict = {}

    def take(self, account: str) -> bool:
        with self.lock:
            now = time.monotonic()
            self.tokens = min(self.capacity, self.tokens + (now - self.updated) * self.capacity / self.window)
            self.updated = now
            self.calls += 1
            self.first_calls.setdefault(account, now)
            if self.tokens < 1:
                self.refused += 1
                return False
            self.tokens -= 1
            return True

    def stats(self) -> dict:
        with self.lock:
            firsts = sorted(self.first_calls.values())
            return {"calls": self.calls, "refused": self.refused, "accounts": len(firsts),
                    "first_cycle_seconds": firsts[-1] - firsts[0] if firsts else 0}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"   # keep-alive, as Cloudflare's edge does
    bodies: list = []
    bucket = None

    def do_GET(self) -> None:
        if self.path == "/stats" and Handler.bucket:
            return self.send(200, json.dumps(Handler.bucket.stats()).encode())
        match = PATH.match(self.path)
        if not match:
            return self.send(404, b'{"success":false,"errors":[{"code":7003,"message":"Could not route"}],"messages":[],"result":null}')
        if not self.headers.get("Authorization", "").startswith("Bearer "):
            return self.send(403, b'{"success":false,"errors":[{"code":10000,"message":"Authentication error"}],"messages":[],"result":null}')
        if Handler.bucket and not Handler.bucket.take(match.group(1)):
            return self.send(429, b'{"success":false,"errors":[{"code":971,"message":"Please wait and consider throttling your request speed"}],"messages":[],"result":null}')
        # from/to are ignored on purpose: the body is always the current period so far.
        variant = int(match.group(1)[-6:], 16) % len(Handler.bodies)
        self.send(200, Handler.bodies[variant])

    def send(self, status: int, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        if status == 429:
            self.send_header("Retry-After", "1")
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
    one = commands.add_parser("answer")
    one.add_argument("--services", type=int, required=True)
    one.add_argument("--days", type=int, required=True)
    one.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    if args.command == "answer":
        sys.stdout.buffer.write(answer(args.services, args.days, args.seed))
        return
    days = current_period_days()
    Handler.bodies = [envelope(records(args.services, days, seed, period_start=lambda _: days[0]))
                      for seed in range(args.variants)]
    if args.bucket:
        calls, seconds = args.bucket.split("/")
        Handler.bucket = TokenBucket(int(calls), float(seconds))
    server = Server(("127.0.0.1", args.port), Handler)
    print(server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
