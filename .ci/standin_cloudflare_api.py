#!/usr/bin/env python3
"""A stand-in for Cloudflare's PayGo usage API on loopback, for .ci/run's stack checks.

Serves GET /client/v4/accounts/<id>/billing/usage/paygo?from=YYYY-MM-DD&to=YYYY-MM-DD with
deterministic daily records (see expected_cost), refuses ranges over 62 days like the real API,
and requires the bearer token given on the command line.

usage: standin_cloudflare_api.py PORT TOKEN
       standin_cloudflare_api.py --expected-cost YYYY-MM-DD SERVICE   (prints the day's cost)
"""
import datetime
import json
import re
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

SERVICES = [("Workers Standard", "Requests", 1.0), ("R2 Storage", "GB-month", 0.5)]
PATH = re.compile(r"^/client/v4/accounts/([0-9a-f]{32})/billing/usage/paygo$")


def expected_cost(day: datetime.date, service_index: int) -> float:
    """The cost the stand-in reports for one service on one day."""
    return round(SERVICES[service_index][2] + (day.toordinal() % 7) * 0.25, 2)


def billing_start(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def records(first: datetime.date, last: datetime.date) -> list:
    result = []
    for index, (service, unit, _) in enumerate(SERVICES):
        day = first
        while day <= last:
            start = billing_start(day)
            cumulated = sum(expected_cost(start + datetime.timedelta(days=n), index) for n in range((day - start).days + 1))
            cost = expected_cost(day, index)
            result.append({
                "BillingCurrency": "USD",
                "BillingPeriodStart": f"{start.isoformat()}T00:00:00Z",
                "ChargePeriodStart": f"{day.isoformat()}T00:00:00Z",
                "ChargePeriodEnd": f"{(day + datetime.timedelta(days=1)).isoformat()}T00:00:00Z",
                "ServiceName": service,
                "ConsumedUnit": unit,
                "ConsumedQuantity": cost * 1000,
                "PricingQuantity": int(cost * 1000),
                "ContractedCost": cost,
                "CumulatedContractedCost": round(cumulated, 2),
                "CumulatedPricingQuantity": int(cumulated * 1000),
            })
            day += datetime.timedelta(days=1)
    return result


class Handler(BaseHTTPRequestHandler):
    token = ""

    def answer(self, status: int, body: dict) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def fail(self, status: int, code: int, message: str) -> None:
        self.answer(status, {"success": False, "errors": [{"code": code, "message": message}], "messages": [], "result": None})

    def do_GET(self) -> None:
        url = urlparse(self.path)
        if not PATH.match(url.path):
            return self.fail(404, 7003, "Could not route")
        if self.headers.get("Authorization") != f"Bearer {Handler.token}":
            return self.fail(403, 10000, "Authentication error")
        query = parse_qs(url.query)
        today = datetime.datetime.now(datetime.timezone.utc).date()
        first = datetime.date.fromisoformat(query.get("from", [billing_start(today).isoformat()])[0])
        last = datetime.date.fromisoformat(query.get("to", [today.isoformat()])[0])
        if (last - first).days + 1 > 62 or last < first:
            return self.fail(400, 1001, "the date range may span at most 62 days")
        self.answer(200, {"success": True, "errors": [], "messages": [], "result": records(first, min(last, today))})

    def log_message(self, format: str, *args) -> None:
        sys.stderr.write("stand-in: " + (format % args) + "\n")


if __name__ == "__main__":
    if sys.argv[1] == "--expected-cost":
        day = datetime.date.fromisoformat(sys.argv[2])
        index = [name for name, _, _ in SERVICES].index(sys.argv[3])
        print(expected_cost(day, index))
        sys.exit(0)
    Handler.token = sys.argv[2]
    ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Handler).serve_forever()
