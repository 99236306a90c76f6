#!/usr/bin/env python3
"""A stand-in for Cloudflare's PayGo usage API on loopback, for .ci/run's stack checks.

Serves, for any 32-hex account id, with deterministic daily records (see expected_cost) and the
bearer token given on the command line required everywhere:

  GET /client/v4/accounts/<id>/billable-usage?from=YYYY-MM-DD&to=YYYY-MM-DD
      the current path: 27-column records. Like the real API, a window that holds no billing
      period's first day (the "subscription billing cycle anchor day") answers success with an
      empty result; ranges over 62 days are refused (400, code 1001); without from/to, the
      current billing period so far.
  GET /client/v4/accounts/<id>/billable-usage/info
      {"covered", "subscriptions": [{"id", "billing_cycle_anchor_timestamp", "start_timestamp",
      "end_timestamp"?}]}.
  GET /client/v4/accounts/<id>/paygo-usage and /client/v4/accounts/<id>/billing/usage/paygo
      the older paths: 11-column records (one per service, unit and day: zones summed), no
      anchor-day rule, the same 62-day limit.
  Anything else: 404, code 7003.

Accounts (all USD; the rules are by id, so every check sees the same data):
  - billing periods come from the anchor in /info: day D of every month, or the month's last
    day where it has no day D (anchor on the 31st: Jan 31, Feb 28/29, Mar 31, Apr 30, ...).
    The anchor day is 31 for ids ending in "a" (e.g. 00000000000000000000000000000c1a, the
    account of stack-checks.sh section 3), else int(id, 16) % 28 + 1; --anchor ID=DAY overrides.
    Accounts anchored on the 31st also list a cancelled older subscription (second in the list,
    with end_timestamp, anchored on the 15th): the active one is the one without end_timestamp.
  - BillingAccountName: 'Stand-in "XXXX" Ltd. – Zürich' (XXXX: the id's last 4 digits).
  - two services, whose per-day totals are expected_cost's: "Workers Standard" (Requests,
    family "Workers") is split across two zones (example.com and example.org, two records with
    the same service, unit and day that add up exactly to the day's total; cumulated columns are
    per zone record and add up too), "R2 Storage" (GB-month, family "R2") is account-level
    (ZoneId/ZoneName null). BilledCost, EffectiveCost and ListCost equal ContractedCost.
  - --old-path-accounts ID,ID: those accounts are on /paygo-usage (and /billing/usage/paygo);
    /billable-usage and its /info answer 404 for them.
    --oldest-path-accounts ID,ID: those are on /billing/usage/paygo only (404 on the other two
    paths and on /info).
    Every other account answers on all three paths (the older ones with 11 columns).
  - --not-covered-accounts ID,ID: /info answers covered:false and every usage path answers
    success with an empty result.

usage: standin_cloudflare_api.py PORT TOKEN [--old-path-accounts ID,...] [--oldest-path-accounts ID,...]
                                 [--not-covered-accounts ID,...] [--anchor ID=DAY,...]
       standin_cloudflare_api.py --expected-cost YYYY-MM-DD SERVICE   (prints the day's cost of
                                 SERVICE over all its records, i.e. summed over zones)
       standin_cloudflare_api.py --billing-period ID YYYY-MM-DD       (prints the start and end
                                 of the billing period holding that day, for the default rules)
"""
import argparse
import calendar
import datetime
import hashlib
import json
import re
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

SERVICES = [("Workers Standard", "Requests", 1.0), ("R2 Storage", "GB-month", 0.5)]
# Per service: family, pricing unit, charge description, and its zones ((id, name): the first
# gets 3/5 of the day's quarters, rounded down, the second the rest; see zone_costs) or None.
DETAILS = {
    "Workers Standard": ("Workers", "Requests", "Workers Standard requests",
                         [("4f5e6d7c8b9a0f1e2d3c4b5a69788796", "example.com"), ("0a1b2c3d4e5f60718293a4b5c6d7e8f9", "example.org")]),
    "R2 Storage": ("R2", "GB-month", "R2 Storage, Standard class", None),
}
ROUTE = re.compile(r"^/client/v4/accounts/([0-9a-f]{32})/(billable-usage/info|billable-usage|paygo-usage|billing/usage/paygo)$")
CURRENT, INFO, OLD, OLDEST = "billable-usage", "billable-usage/info", "paygo-usage", "billing/usage/paygo"
ANCHOR_YEAR = 2024          # every anchor is in January 2024 (a month with a 31st)


def expected_cost(day: datetime.date, service_index: int) -> float:
    """The cost the stand-in reports for one service on one day (all its records summed)."""
    return round(SERVICES[service_index][2] + (day.toordinal() % 7) * 0.25, 2)


def zone_costs(cost: float) -> list:
    """The day's cost split in two, exactly: every cost is a multiple of 0.25, so are the parts."""
    quarters = round(cost / 0.25)
    first = (quarters * 3 // 5) * 0.25
    return [first, cost - first]


# ------------------------------------------------------------------------------- billing periods


def period_day(year: int, month: int, anchor_day: int) -> datetime.date:
    return datetime.date(year, month, min(anchor_day, calendar.monthrange(year, month)[1]))


def billing_period(day: datetime.date, anchor_day: int) -> tuple:
    """(first day, first day of the next period) of the billing period holding `day`."""
    start = period_day(day.year, day.month, anchor_day)
    if start > day:
        year, month = (day.year, day.month - 1) if day.month > 1 else (day.year - 1, 12)
        start = period_day(year, month, anchor_day)
    year, month = (start.year, start.month + 1) if start.month < 12 else (start.year + 1, 1)
    return start, period_day(year, month, anchor_day)


def has_period_start(first: datetime.date, last: datetime.date, anchor_day: int) -> bool:
    """Whether [first, last] holds a billing period's first day (the API's anchor-day rule)."""
    return billing_period(last, anchor_day)[0] >= first


class Accounts:
    old: set = set()
    oldest: set = set()
    not_covered: set = set()
    anchors: dict = {}

    @classmethod
    def anchor_day(cls, account: str) -> int:
        if account in cls.anchors:
            return cls.anchors[account]
        return 31 if account.endswith("a") else int(account, 16) % 28 + 1

    @classmethod
    def serves(cls, account: str, path: str) -> bool:
        if account in cls.oldest:
            return path == OLDEST
        if account in cls.old:
            return path in (OLD, OLDEST)
        return True

    @staticmethod
    def name(account: str) -> str:
        return f'Stand-in "{account[-4:]}" Ltd. – Zürich'

    @staticmethod
    def subscription(account: str, salt: str = "") -> str:
        return hashlib.sha256(f"subscription-{account}{salt}".encode()).hexdigest()[:32]


def stamp(day: datetime.date) -> str:
    return f"{day.isoformat()}T00:00:00Z"


def info(account: str) -> dict:
    day = Accounts.anchor_day(account)
    anchor = stamp(datetime.date(ANCHOR_YEAR, 1, day))
    subscriptions = [{"id": Accounts.subscription(account), "billing_cycle_anchor_timestamp": anchor, "start_timestamp": anchor}]
    if day == 31:
        subscriptions.append({"id": Accounts.subscription(account, "-cancelled"),
                              "billing_cycle_anchor_timestamp": stamp(datetime.date(ANCHOR_YEAR - 1, 3, 15)),
                              "start_timestamp": stamp(datetime.date(ANCHOR_YEAR - 1, 3, 15)),
                              "end_timestamp": anchor})
    return {"covered": account not in Accounts.not_covered, "subscriptions": subscriptions}


# ------------------------------------------------------------------------------- records


def records(account: str, first: datetime.date, last: datetime.date, full: bool) -> list:
    """Records for every day of [first, last]; `full`: the current path's 27 columns, else 11."""
    anchor_day = Accounts.anchor_day(account)
    result = []
    for index, (service, unit, _) in enumerate(SERVICES):
        family, pricing_unit, description, zones = DETAILS[service]
        parts = zones if (zones and full) else [(None, None)]
        day = first
        while day <= last:
            start, _ = billing_period(day, anchor_day)
            days = [start + datetime.timedelta(days=n) for n in range((day - start).days + 1)]
            for part, (zone_id, zone_name) in enumerate(parts):
                def cost_of(d):
                    total = expected_cost(d, index)
                    return zone_costs(total)[part] if len(parts) > 1 else total
                cost = cost_of(day)
                cumulated = sum(cost_of(d) for d in days)
                record = {
                    "BillingCurrency": "USD",
                    "BillingPeriodStart": stamp(start),
                    "ChargePeriodStart": stamp(day),
                    "ChargePeriodEnd": stamp(day + datetime.timedelta(days=1)),
                    "ServiceName": service,
                    "ConsumedUnit": unit,
                    "ConsumedQuantity": cost * 1000,
                    "PricingQuantity": int(cost * 1000),
                    "ContractedCost": cost,
                    "CumulatedContractedCost": round(cumulated, 2),
                    "CumulatedPricingQuantity": int(round(cumulated * 1000)),
                }
                if full:
                    record.update({
                        "BilledCost": cost,
                        "BillingAccountId": account,
                        "BillingAccountName": Accounts.name(account),
                        "ChargeCategory": "Usage",
                        "ChargeClass": None,
                        "ChargeDescription": description,
                        "EffectiveCost": cost,
                        "HostProviderName": "Cloudflare",
                        "InvoiceIssuerName": "Cloudflare, Inc.",
                        "ListCost": cost,
                        "PricingUnit": pricing_unit,
                        "ServiceFamilyName": family,
                        "ServiceProviderName": "Cloudflare",
                        "SubscriptionId": Accounts.subscription(account),
                        "ZoneId": zone_id,
                        "ZoneName": zone_name,
                    })
                result.append(record)
            day += datetime.timedelta(days=1)
    return result


class Handler(BaseHTTPRequestHandler):
    token = ""

    def answer(self, status: int, body: dict) -> None:
        data = json.dumps(body, ensure_ascii=False).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def fail(self, status: int, code: int, message: str) -> None:
        self.answer(status, {"success": False, "errors": [{"code": code, "message": message}], "messages": [], "result": None})

    def ok(self, result) -> None:
        self.answer(200, {"success": True, "errors": [], "messages": [], "result": result})

    def do_GET(self) -> None:
        url = urlparse(self.path)
        match = ROUTE.match(url.path)
        if not match or not Accounts.serves(match.group(1), match.group(2)):
            return self.fail(404, 7003, "Could not route")
        account, path = match.group(1), match.group(2)
        if self.headers.get("Authorization") != f"Bearer {Handler.token}":
            return self.fail(403, 10000, "Authentication error")
        if path == INFO:
            return self.ok(info(account))
        query = parse_qs(url.query)
        today = datetime.datetime.now(datetime.timezone.utc).date()
        anchor_day = Accounts.anchor_day(account)
        try:
            first = datetime.date.fromisoformat(query.get("from", [billing_period(today, anchor_day)[0].isoformat()])[0])
            last = datetime.date.fromisoformat(query.get("to", [today.isoformat()])[0])
        except ValueError:
            return self.fail(400, 1001, "from and to must be YYYY-MM-DD")
        if (last - first).days + 1 > 62 or last < first:
            return self.fail(400, 1001, "the date range may span at most 62 days")
        if account in Accounts.not_covered or (path == CURRENT and not has_period_start(first, last, anchor_day)):
            return self.ok([])
        self.ok(records(account, first, min(last, today), full=path == CURRENT))

    def log_message(self, format: str, *args) -> None:
        sys.stderr.write("stand-in: " + (format % args) + "\n")


def ids(text: str) -> set:
    found = {part.strip().lower() for part in text.split(",") if part.strip()}
    for account in found:
        if not re.fullmatch(r"[0-9a-f]{32}", account):
            sys.exit(f"not a 32-hex account id: {account}")
    return found


def main(argv: list) -> None:
    if argv and argv[0] == "--expected-cost":
        day = datetime.date.fromisoformat(argv[1])
        index = [name for name, _, _ in SERVICES].index(argv[2])
        print(expected_cost(day, index))
        return
    if argv and argv[0] == "--billing-period":
        start, end = billing_period(datetime.date.fromisoformat(argv[2]), Accounts.anchor_day(argv[1]))
        print(start.isoformat(), end.isoformat())
        return
    parser = argparse.ArgumentParser(description="stand-in for Cloudflare's billable-usage API")
    parser.add_argument("port", type=int)
    parser.add_argument("token")
    parser.add_argument("--old-path-accounts", type=ids, default=set(), metavar="ID,...")
    parser.add_argument("--oldest-path-accounts", type=ids, default=set(), metavar="ID,...")
    parser.add_argument("--not-covered-accounts", type=ids, default=set(), metavar="ID,...")
    parser.add_argument("--anchor", default="", metavar="ID=DAY,...")
    args = parser.parse_args(argv)
    Accounts.old, Accounts.oldest, Accounts.not_covered = args.old_path_accounts, args.oldest_path_accounts, args.not_covered_accounts
    for item in filter(None, args.anchor.split(",")):
        account, _, day = item.partition("=")
        if not re.fullmatch(r"[0-9a-f]{32}", account) or not day.isdigit() or not 1 <= int(day) <= 31:
            sys.exit(f"--anchor wants ID=DAY with DAY in 1...31: {item}")
        Accounts.anchors[account] = int(day)
    Handler.token = args.token
    ThreadingHTTPServer(("127.0.0.1", args.port), Handler).serve_forever()


if __name__ == "__main__":
    main(sys.argv[1:])
