#!/usr/bin/env python3
"""Check the Grafana dashboard of cloudflare-paygo-exporter.

    python3 .ci/check-dashboard.py dashboards/cloudflare-paygo.json
    python3 .ci/check-dashboard.py dashboards/cloudflare-paygo.json --prometheus http://127.0.0.1:9090

Without --prometheus it checks the structure only:
  - the JSON parses, schemaVersion >= 39, uid is "cloudflare-paygo", tags are set;
  - every panel, including panels nested in rows, has a title, a description, the datasource
    ${datasource}, and targets each with a unique refId, an expr and the datasource ${datasource};
  - the template variables datasource, account_id, currency and service exist, the query
    variables are chained (currency on account_id, service on account_id and currency) and
    reference only metrics the exporter serves; each is label_values(metric{...}, label) or
    query_result(expr) with a regex whose named group `value` captures the label (the account
    variable shows names that way: text from account_name, value the account_id);
  - every metric selector names a metric the exporter serves and filters on
    account_id=~"$account_id" (and currency=~"$currency" when the metric has a currency label);
  - zone panels (those selecting a cloudflare_paygo_*_by_zone family, served only with the
    exporter's opt-in --usage.by-zone) say "--usage.by-zone" in their description;
  - no aggregation (sum, avg, min, max, ...) over a cost or budget metric drops `currency`:
    costs in different currencies must never be added together;
  - the Grafana provisioning files next to it (deploy/grafana/provisioning) parse and point at
    a Prometheus data source and at the dashboard folder (skipped when the folder is absent).

With --prometheus URL it also runs every target's expr (template variables replaced: $account_id,
$currency and $service by .*, $__rate_interval and $__interval by 1m, $__range by 1h) and each
query variable through Prometheus's HTTP API, and fails unless every one answers with status
success and at least one series. Queries that return nothing are retried until --wait seconds
have passed (rate() and increase() need two samples in their window). A query_result variable's
answers go through its regex as Grafana formats them (`{label="value",...} value timestamp`):
every series must give a value, and the account variable must list every account that
cloudflare_paygo_up knows. Zone panels are optional: when Prometheus has no
cloudflare_paygo_contracted_cost_by_zone series (an exporter without --usage.by-zone) they are
skipped, and checked like every other panel when it has; --require-zone-panels (CI, whose demo
runs with --usage.by-zone) makes them mandatory.

Exit status: 0 when everything passes, 1 when a check fails, 2 on bad usage or an unreadable file.
Standard library only, plus PyYAML for the provisioning files.
"""

import argparse
import json
import os
import re
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

DASHBOARD_UID = "cloudflare-paygo"
MIN_SCHEMA_VERSION = 39
DATASOURCE_REF = "${datasource}"

# The exporter's metric families and their labels (README.md, "Metrics"). Keep in sync.
_USAGE = {"account_id", "service", "service_family", "unit", "currency"}
_PRICING = _USAGE | {"pricing_unit"}
_ZONE = _USAGE | {"zone_id", "zone_name"}
_ACCOUNT_CURRENCY = {"account_id", "currency"}
METRICS = {
    "cloudflare_paygo_contracted_cost": _USAGE,
    "cloudflare_paygo_cumulated_contracted_cost": _USAGE,
    "cloudflare_paygo_consumed_quantity": _USAGE,
    "cloudflare_paygo_pricing_quantity": _PRICING,
    "cloudflare_paygo_cumulated_pricing_quantity": _PRICING,
    "cloudflare_paygo_charge_period_start_timestamp_seconds": _USAGE,
    "cloudflare_paygo_charge_period_end_timestamp_seconds": _USAGE,
    "cloudflare_paygo_contracted_cost_by_zone": _ZONE,        # only with --usage.by-zone
    "cloudflare_paygo_consumed_quantity_by_zone": _ZONE,      # only with --usage.by-zone
    "cloudflare_paygo_account_info": {"account_id", "account_name"},
    "cloudflare_paygo_account_covered": {"account_id"},
    "cloudflare_paygo_billing_period_start_timestamp_seconds": _ACCOUNT_CURRENCY,
    "cloudflare_paygo_billing_period_end_timestamp_seconds": _ACCOUNT_CURRENCY,
    "cloudflare_paygo_forecast_cost": _ACCOUNT_CURRENCY,
    "cloudflare_paygo_budget": _ACCOUNT_CURRENCY,
    "cloudflare_paygo_budget_warn_ratio": _ACCOUNT_CURRENCY,
    "cloudflare_paygo_up": {"account_id"},
    "cloudflare_paygo_last_success_timestamp_seconds": {"account_id"},
    "cloudflare_paygo_refresh_duration_seconds": {"account_id"},
    "cloudflare_paygo_records": {"account_id"},
    "cloudflare_paygo_api_requests_total": {"account_id", "code"},
    "cloudflare_paygo_refresh_errors_total": {"account_id", "reason"},
    "cloudflare_paygo_exporter_build_info": {"version", "revision", "swiftversion"},
}
METRIC_PREFIX = "cloudflare_paygo_"
ZONE_SUFFIX = "_by_zone"
# Present exactly when the exporter runs with --usage.by-zone: zone panels are optional without it.
ZONE_PRESENCE_METRIC = "cloudflare_paygo_contracted_cost_by_zone"
ZONE_FLAG = "--usage.by-zone"


def is_money_metric(name):
    """Metrics whose value is an amount of money in the series' currency."""
    return name.endswith("_cost") or name == "cloudflare_paygo_budget"


# Aggregations whose result is a value computed across the series they group together: over
# money series they must keep `currency` (count, group, topk, bottomk... are harmless).
VALUE_AGGREGATIONS = ("sum", "avg", "min", "max", "quantile", "stddev", "stdvar")

VARIABLES_AS_ALL = {"account_id": ".*", "currency": ".*", "service": ".*"}
BUILTIN_VARIABLES = {
    "__rate_interval": "1m",
    "__interval": "1m",
    "__range": "1h",
    "__rate_interval_ms": "60000",
    "__interval_ms": "60000",
    "__range_s": "3600",
    "__range_ms": "3600000",
}
VARIABLE_RE = re.compile(r"\$\{(\w+)(?::\w+)?\}|\[\[(\w+)(?::\w+)?\]\]|\$(\w+)")
MATCHER_RE = re.compile(r'([a-zA-Z_]\w*)\s*(=~|!~|!=|=)\s*"((?:[^"\\]|\\.)*)"')


class Failures:
    def __init__(self):
        self.items = []

    def add(self, where, message):
        self.items.append("%s: %s" % (where, message))


# ---------------------------------------------------------------------------------- PromQL


def mask_strings(expr):
    """The expr with the inside of every string literal replaced by spaces (same length), so
    label values never look like metric names or keywords."""
    out = []
    i = 0
    while i < len(expr):
        ch = expr[i]
        if ch in "\"'`":
            out.append(ch)
            i += 1
            while i < len(expr) and expr[i] != ch:
                if expr[i] == "\\" and ch != "`" and i + 1 < len(expr):
                    out.append("  ")
                    i += 2
                    continue
                out.append(" ")
                i += 1
            if i < len(expr):
                out.append(ch)
                i += 1
        else:
            out.append(ch)
            i += 1
    return "".join(out)


def matching_close(text, open_index):
    """Index of the bracket closing the one at open_index, or -1."""
    pairs = {"(": ")", "{": "}", "[": "]"}
    opener = text[open_index]
    closer = pairs[opener]
    depth = 0
    for i in range(open_index, len(text)):
        if text[i] == opener:
            depth += 1
        elif text[i] == closer:
            depth -= 1
            if depth == 0:
                return i
    return -1


def skip_space(text, i):
    while i < len(text) and text[i].isspace():
        i += 1
    return i


def selectors(expr):
    """(metric name, {label: (op, value)} or None when there are no braces) for every
    cloudflare_paygo_* metric the expr selects."""
    masked = mask_strings(expr)
    found = []
    for m in re.finditer(r"(?<![\w:])(%s[a-zA-Z0-9_:]*)" % re.escape(METRIC_PREFIX), masked):
        name = m.group(1)
        j = skip_space(masked, m.end())
        if j < len(masked) and masked[j] == "(":
            continue  # a function, not a metric
        matchers = None
        if j < len(masked) and masked[j] == "{":
            k = matching_close(masked, j)
            if k < 0:
                raise ValueError("unbalanced { after %s" % name)
            matchers = {}
            for mm in MATCHER_RE.finditer(expr[j + 1:k]):
                matchers[mm.group(1)] = (mm.group(2), mm.group(3))
        found.append((name, matchers))
    return found


def parse_grouping(masked, i):
    """At a `by (...)`/`without (...)` clause starting at i (after spaces): (mode, labels, end),
    or (None, None, i) when there is none."""
    j = skip_space(masked, i)
    m = re.match(r"(by|without)\b", masked[j:])
    if not m:
        return None, None, i
    k = skip_space(masked, j + m.end())
    if k >= len(masked) or masked[k] != "(":
        raise ValueError("`%s` without a label list" % m.group(1))
    close = matching_close(masked, k)
    if close < 0:
        raise ValueError("unbalanced ( in `%s` clause" % m.group(1))
    labels = {label.strip() for label in masked[k + 1:close].split(",") if label.strip()}
    return m.group(1), labels, close + 1


def currency_mixing(expr):
    """Messages for aggregations over money metrics that do not keep `currency`."""
    masked = mask_strings(expr)
    problems = []
    pattern = r"(?<![\w:])(%s)\b" % "|".join(VALUE_AGGREGATIONS)
    for m in re.finditer(pattern, masked):
        op = m.group(1)
        mode, labels, i = parse_grouping(masked, m.end())
        i = skip_space(masked, i)
        if i >= len(masked) or masked[i] != "(":
            continue  # e.g. a label called "max"
        close = matching_close(masked, i)
        if close < 0:
            raise ValueError("unbalanced ( after %s" % op)
        argument = masked[i + 1:close]
        if mode is None:
            mode, labels, _ = parse_grouping(masked, close + 1)
        money = sorted({n for n, _ in selectors(argument) if is_money_metric(n)})
        if not money:
            continue
        keeps_currency = (mode == "by" and "currency" in labels) or (
            mode == "without" and "currency" not in labels)
        if not keeps_currency:
            clause = "no by clause" if mode is None else "%s (%s)" % (mode, ", ".join(sorted(labels)))
            problems.append("%s over %s with %s adds up different currencies; keep `currency` "
                            "in the by clause" % (op, ", ".join(money), clause))
    return problems


def variable_names(text):
    names = []
    for m in VARIABLE_RE.finditer(text):
        names.append(m.group(1) or m.group(2) or m.group(3))
    return names


def substitute(expr):
    """The expr as Prometheus would get it with every template variable at "All"."""
    def repl(m):
        name = m.group(1) or m.group(2) or m.group(3)
        if name in VARIABLES_AS_ALL:
            return VARIABLES_AS_ALL[name]
        if name in BUILTIN_VARIABLES:
            return BUILTIN_VARIABLES[name]
        raise ValueError("no value for template variable $%s" % name)
    return VARIABLE_RE.sub(repl, expr)


def is_variable_ref(value, name):
    return re.fullmatch(r"\$%s|\$\{%s(:\w+)?\}|\[\[%s\]\]" % (name, name, name), value) is not None


def check_selector_filters(where, expr, failures):
    """Every metric must be one the exporter serves and be filtered by the dashboard's
    variables: account_id always, currency when the metric has that label."""
    try:
        found = selectors(expr)
    except ValueError as error:
        failures.add(where, "cannot parse expr: %s" % error)
        return
    if not found:
        failures.add(where, "expr selects no cloudflare_paygo_* metric")
    for name, matchers in found:
        if name not in METRICS:
            failures.add(where, "unknown metric %s (not served by the exporter)" % name)
            continue
        labels = METRICS[name]
        for label in ("account_id", "currency"):
            if label not in labels:
                continue
            op, value = (matchers or {}).get(label, (None, None))
            if op != "=~" or not is_variable_ref(value, label):
                failures.add(where, '%s is not filtered with %s=~"$%s"' % (name, label, label))


# ---------------------------------------------------------------------------------- dashboard


def walk_panels(panels, parent=None):
    for panel in panels or []:
        yield panel, parent
        if panel.get("type") == "row" or panel.get("panels"):
            yield from walk_panels(panel.get("panels"), panel)


def datasource_uid(ref):
    if isinstance(ref, dict):
        return ref.get("uid")
    return ref


def panel_label(panel):
    return "panel %r (id %s)" % (panel.get("title") or "<untitled>", panel.get("id"))


def check_structure(dashboard, failures):
    if not isinstance(dashboard, dict):
        failures.add("dashboard", "top level is not a JSON object")
        return []
    schema = dashboard.get("schemaVersion")
    if not isinstance(schema, int) or schema < MIN_SCHEMA_VERSION:
        failures.add("dashboard", "schemaVersion is %r, needs %d or higher" % (schema, MIN_SCHEMA_VERSION))
    if dashboard.get("uid") != DASHBOARD_UID:
        failures.add("dashboard", "uid is %r, must be the fixed %r" % (dashboard.get("uid"), DASHBOARD_UID))
    if not dashboard.get("title"):
        failures.add("dashboard", "no title")
    tags = dashboard.get("tags")
    if not isinstance(tags, list) or not tags:
        failures.add("dashboard", "no tags")

    variables = check_variables(dashboard, failures)
    defined = set(variables) | set(BUILTIN_VARIABLES)

    targets = []
    ids = {}
    panels = list(walk_panels(dashboard.get("panels")))
    if not [p for p, _ in panels if p.get("type") != "row"]:
        failures.add("dashboard", "no panels")
    for panel, parent in panels:
        where = panel_label(panel)
        if parent is not None:
            where += " in row %r" % parent.get("title")
        if not isinstance(panel.get("title"), str) or not panel["title"].strip():
            failures.add(where, "empty title")
        if "id" in panel:
            if panel["id"] in ids:
                failures.add(where, "id %s already used" % panel["id"])
            ids[panel["id"]] = True
        if "gridPos" not in panel:
            failures.add(where, "no gridPos")
        if panel.get("type") == "row":
            continue
        if not isinstance(panel.get("description"), str) or not panel["description"].strip():
            failures.add(where, "no description")
        elif is_zone_panel(panel) and ZONE_FLAG not in panel["description"]:
            failures.add(where, "a zone panel's description must say it needs %s (it is empty without)" % ZONE_FLAG)
        if datasource_uid(panel.get("datasource")) != DATASOURCE_REF:
            failures.add(where, "datasource is %r, must reference %s" % (panel.get("datasource"), DATASOURCE_REF))
        panel_targets = panel.get("targets")
        if not isinstance(panel_targets, list) or not panel_targets:
            failures.add(where, "no targets")
            continue
        ref_ids = set()
        for target in panel_targets:
            ref = target.get("refId")
            twhere = "%s target %s" % (where, ref)
            if not isinstance(ref, str) or not ref:
                failures.add(twhere, "no refId")
            elif ref in ref_ids:
                failures.add(twhere, "refId used twice in the panel")
            ref_ids.add(ref)
            if datasource_uid(target.get("datasource")) != DATASOURCE_REF:
                failures.add(twhere, "datasource is %r, must reference %s" % (target.get("datasource"), DATASOURCE_REF))
            expr = target.get("expr")
            if not isinstance(expr, str) or not expr.strip():
                failures.add(twhere, "no expr")
                continue
            if "${datasource}" in expr or "$datasource" in expr:
                failures.add(twhere, "expr references the datasource variable")
            for name in variable_names(expr):
                if name not in defined:
                    failures.add(twhere, "expr uses undefined variable $%s" % name)
            if re.search(r"\b(rate|increase|irate|delta|idelta)\s*\(", mask_strings(expr)) and \
                    "$__rate_interval" not in expr and "${__rate_interval}" not in expr:
                failures.add(twhere, "rate()/increase() window must be $__rate_interval")
            check_selector_filters(twhere, expr, failures)
            try:
                for problem in currency_mixing(expr):
                    failures.add(twhere, problem)
            except ValueError as error:
                failures.add(twhere, "cannot parse expr: %s" % error)
            targets.append((panel, target))
    return targets


def is_zone_panel(panel):
    """Whether the panel reads a family the exporter serves only with --usage.by-zone."""
    for target in panel.get("targets") or []:
        try:
            if any(name.startswith("cloudflare_paygo_") and name.endswith(ZONE_SUFFIX) for name, _ in selectors(target.get("expr") or "")):
                return True
        except ValueError:
            pass
    return False


def grafana_regex(regex):
    """A variable's regex (/.../flags, JavaScript syntax) as a compiled Python pattern."""
    m = re.fullmatch(r"/(.*)/([gimsuy]*)", regex, re.S)
    body, flags = (m.group(1), m.group(2)) if m else (regex, "")
    return re.compile(body.replace("(?<", "(?P<").replace("(?P<=", "(?<=").replace("(?P<!", "(?<!"),
                      (re.I if "i" in flags else 0) | (re.S if "s" in flags else 0) | (re.M if "m" in flags else 0))


def variable_query_text(variable):
    query = variable.get("query")
    if isinstance(query, dict):
        query = query.get("query")
    return query if isinstance(query, str) else ""


def check_variables(dashboard, failures):
    listing = (dashboard.get("templating") or {}).get("list")
    if not isinstance(listing, list):
        failures.add("templating", "no template variables")
        return {}
    variables = {}
    for variable in listing:
        name = variable.get("name")
        if name in variables:
            failures.add("variable %s" % name, "defined twice")
        variables[name] = variable

    ds = variables.get("datasource")
    if ds is None:
        failures.add("variable datasource", "missing")
    elif ds.get("type") != "datasource" or ds.get("query") != "prometheus":
        failures.add("variable datasource", "must be of type datasource with query prometheus")

    chains = {"account_id": [], "currency": ["account_id"], "service": ["account_id", "currency"]}
    for name, upstream in chains.items():
        where = "variable %s" % name
        variable = variables.get(name)
        if variable is None:
            failures.add(where, "missing")
            continue
        if variable.get("type") != "query":
            failures.add(where, "must be a query variable")
        if datasource_uid(variable.get("datasource")) != DATASOURCE_REF:
            failures.add(where, "datasource must reference %s" % DATASOURCE_REF)
        if not variable.get("multi") or not variable.get("includeAll"):
            failures.add(where, "must be multi-select with an All option")
        query = variable_query_text(variable)
        m = re.fullmatch(r"\s*label_values\((.*),\s*(\w+)\s*\)\s*", query, re.S)
        result = re.fullmatch(r"\s*query_result\((.*)\)\s*", query, re.S)
        if m:
            source = m.group(1)
            if m.group(2) != name:
                failures.add(where, "query reads label %s, not %s" % (m.group(2), name))
        elif result:
            source = result.group(1)
            regex = variable.get("regex") or ""
            if "(?<value>" not in regex or ('%s="' % name) not in regex:
                failures.add(where, "a query_result variable needs a regex whose (?<value>...) group "
                                    "captures the %s label" % name)
            else:
                try:
                    grafana_regex(regex)
                except re.error as error:
                    failures.add(where, "regex %r does not compile: %s" % (regex, error))
        else:
            failures.add(where, "query %r is neither label_values(metric{...}, label) nor query_result(expr)" % query)
            continue
        try:
            found = selectors(source)
        except ValueError as error:
            failures.add(where, "cannot parse query: %s" % error)
            continue
        if not found:
            failures.add(where, "query references no cloudflare_paygo_* metric")
        for metric, _ in found:
            if metric not in METRICS:
                failures.add(where, "query references unknown metric %s" % metric)
            elif name not in METRICS[metric] and m:
                failures.add(where, "metric %s has no %s label" % (metric, name))
        for up in upstream:
            if up not in variable_names(query):
                failures.add(where, "query is not chained on $%s" % up)
    return variables


# ---------------------------------------------------------------------------------- provisioning


def check_provisioning(directory, failures):
    try:
        import yaml
    except ImportError:
        failures.add(directory, "PyYAML is needed to check the provisioning files (pip install pyyaml)")
        return
    ds_dir = os.path.join(directory, "datasources")
    db_dir = os.path.join(directory, "dashboards")

    def documents(folder):
        """Each readable YAML document in folder; unreadable files are reported."""
        for path in sorted(_yaml_files(folder)):
            try:
                with open(path, encoding="utf-8") as f:
                    yield yaml.safe_load(f) or {}
            except (OSError, yaml.YAMLError) as error:
                failures.add(path, "cannot read: %s" % error)

    # Lists first, so every file is read (and reported) even after a match.
    prometheus = any(
        ds.get("type") == "prometheus" and ds.get("url")
        for doc in list(documents(ds_dir)) for ds in doc.get("datasources") or [])
    if not prometheus:
        failures.add(ds_dir, "no Prometheus data source with a url")
    provider = any(
        p.get("type", "file") == "file" and (p.get("options") or {}).get("path")
        for doc in list(documents(db_dir)) for p in doc.get("providers") or [])
    if not provider:
        failures.add(db_dir, "no file dashboard provider with options.path")


def _yaml_files(directory):
    if not os.path.isdir(directory):
        return []
    return [os.path.join(directory, n) for n in os.listdir(directory) if n.endswith((".yml", ".yaml"))]


# ---------------------------------------------------------------------------------- Prometheus


class QueryError(Exception):
    pass


def prometheus_get(base, path, params, timeout=10):
    url = base.rstrip("/") + path + "?" + urllib.parse.urlencode(params)
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            body = response.read()
    except urllib.error.HTTPError as error:
        body = error.read()
        try:
            answer = json.loads(body)
        except ValueError:
            raise QueryError("HTTP %d from %s" % (error.code, path))
        raise QueryError("%s: %s" % (answer.get("errorType", "HTTP %d" % error.code), answer.get("error", "")))
    except (urllib.error.URLError, OSError) as error:
        raise QueryError("cannot reach Prometheus at %s: %s" % (base, getattr(error, "reason", error)))
    try:
        answer = json.loads(body)
    except ValueError:
        raise QueryError("answer from %s is not JSON" % path)
    if answer.get("status") != "success":
        raise QueryError("status %r: %s" % (answer.get("status"), answer.get("error", "")))
    return answer.get("data")


def series_count(base, query):
    data = prometheus_get(base, "/api/v1/query", {"query": query})
    result = data.get("result") if isinstance(data, dict) else None
    if data.get("resultType") == "scalar":
        return 1
    return len(result or [])


def count_with_retry(base, query, deadline):
    """Series count of an instant query, retried while it is empty and the deadline is not
    reached. A query Prometheus rejects (bad_data) is not retried."""
    while True:
        count = series_count(base, query)
        if count > 0 or time.monotonic() >= deadline:
            return count
        time.sleep(1)


def grafana_query_result_lines(data):
    """An instant query's answer as Grafana's query_result() lists it to a variable's regex."""
    lines = []
    for item in (data or {}).get("result") or []:
        metric = dict(item.get("metric") or {})
        text = metric.pop("__name__", "")
        text += "{" + ",".join('%s="%s"' % (k, v) for k, v in metric.items()) + "}"
        timestamp, value = item.get("value") or (0, "")
        lines.append("%s %s %d" % (text, value, int(float(timestamp) * 1000)))
    return lines


def variable_options(variable, lines):
    """(value, text) pairs a regex with named groups `value`/`text` keeps, as Grafana does."""
    pattern = grafana_regex(variable.get("regex") or "")
    options = []
    for line in lines:
        m = pattern.search(line)
        if not m:
            continue
        groups = m.groupdict()
        value = groups.get("value") if groups.get("value") is not None else groups.get("text")
        text = groups.get("text") if groups.get("text") is not None else value
        if value is None and m.groups():
            value = text = m.group(1)
        options.append((value, text))
    return options


def check_query_result_variable(base, variable, expr, deadline, failures):
    where = "variable %s" % variable.get("name")
    name = variable.get("name")
    try:
        promql = substitute(expr)
        count_with_retry(base, promql, deadline)
        lines = grafana_query_result_lines(prometheus_get(base, "/api/v1/query", {"query": promql}))
    except (ValueError, QueryError) as error:
        failures.add(where, str(error))
        print("FAIL  %-45s %s" % (where, error))
        return
    options = variable_options(variable, lines)
    problems = []
    if not options:
        problems.append("no values in Prometheus for %s" % promql)
    if len(options) != len(lines):
        problems.append("the regex keeps %d of %d series (e.g. %r)" % (len(options), len(lines), lines[:1]))
    if any(not value for value, _ in options):
        problems.append("the regex gives an empty value")
    if name == "account_id":
        try:
            known = {item["metric"].get("account_id") for item in
                     prometheus_get(base, "/api/v1/query", {"query": "group by (account_id) (cloudflare_paygo_up)"})["result"]}
        except QueryError as error:
            problems.append(str(error))
            known = set()
        missing = known - {value for value, _ in options}
        if missing:
            problems.append("accounts missing from the variable: %s" % ", ".join(sorted(missing)))
    named = sum(1 for value, text in options if text != value)
    print("%s  %-45s %d value(s), %d shown by name" % ("FAIL" if problems else "ok  ", where, len(options), named))
    for problem in problems:
        failures.add(where, problem)


def zone_series_present(base, required, deadline):
    """Whether Prometheus has zone series (retried until the deadline only when they are required)."""
    query = "count(%s)" % ZONE_PRESENCE_METRIC
    return (count_with_retry(base, query, deadline) if required else series_count(base, query)) > 0


def check_prometheus(base, dashboard, targets, wait, failures, require_zones=False):
    deadline = time.monotonic() + wait
    try:
        prometheus_get(base, "/api/v1/status/buildinfo", {})
    except QueryError as error:
        failures.add("prometheus", str(error))
        return

    listing = (dashboard.get("templating") or {}).get("list") or []
    for variable in listing:
        if variable.get("type") != "query":
            continue
        where = "variable %s" % variable.get("name")
        query = variable_query_text(variable)
        result = re.fullmatch(r"\s*query_result\((.*)\)\s*", query, re.S)
        if result:
            check_query_result_variable(base, variable, result.group(1), deadline, failures)
            continue
        m = re.fullmatch(r"\s*label_values\((.*),\s*(\w+)\s*\)\s*", query, re.S)
        if not m:
            continue
        try:
            promql = "count by (%s) (%s)" % (m.group(2), substitute(m.group(1)))
            count = count_with_retry(base, promql, deadline)
        except (ValueError, QueryError) as error:
            failures.add(where, str(error))
            print("FAIL  %-45s %s" % (where, error))
            continue
        print("%s  %-45s %d value(s)" % ("ok  " if count else "FAIL", where, count))
        if not count:
            failures.add(where, "no values in Prometheus for %s" % promql)

    try:
        zones = zone_series_present(base, require_zones, deadline)
    except QueryError as error:
        failures.add("prometheus", str(error))
        return
    if not zones:
        if require_zones:
            failures.add("zone panels", "no %s series in Prometheus, and --require-zone-panels is set "
                                        "(is the exporter running with %s?)" % (ZONE_PRESENCE_METRIC, ZONE_FLAG))
        else:
            print("note  no %s series (exporter without %s): zone panels are skipped" % (ZONE_PRESENCE_METRIC, ZONE_FLAG))
    for panel, target in targets:
        where = "%s [%s]" % (panel.get("title"), target.get("refId"))
        if not zones and is_zone_panel(panel):
            if not require_zones:
                print("skip  %-45s optional: needs %s" % (where, ZONE_FLAG))
                continue
        try:
            expr = substitute(target["expr"])
            count = count_with_retry(base, expr, deadline)
        except (ValueError, QueryError) as error:
            failures.add(where, "%s\n    query: %s" % (error, target["expr"]))
            print("FAIL  %-45s %s" % (where, error))
            continue
        print("%s  %-45s %d series" % ("ok  " if count else "FAIL", where, count))
        if not count:
            failures.add(where, "no series after %ds\n    query: %s" % (wait, expr))


# ---------------------------------------------------------------------------------- main


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("dashboard", help="path of the dashboard JSON")
    parser.add_argument("--prometheus", metavar="URL",
                        help="also run every query against this Prometheus (e.g. http://127.0.0.1:9090)")
    parser.add_argument("--wait", type=float, default=60, metavar="SECONDS",
                        help="how long queries that return no series are retried (default 60)")
    parser.add_argument("--require-zone-panels", action="store_true",
                        help="zone panels must return data too (the exporter runs with %s); without it "
                             "they are skipped when Prometheus has no zone series" % ZONE_FLAG)
    parser.add_argument("--provisioning", metavar="DIR",
                        help="Grafana provisioning folder to check (default: deploy/grafana/provisioning "
                             "of the repository, when present)")
    args = parser.parse_args(argv)

    try:
        with open(args.dashboard, encoding="utf-8") as f:
            dashboard = json.load(f)
    except OSError as error:
        print("check-dashboard: cannot read %s: %s" % (args.dashboard, error), file=sys.stderr)
        return 2
    except ValueError as error:
        print("check-dashboard: %s is not valid JSON: %s" % (args.dashboard, error), file=sys.stderr)
        return 1

    failures = Failures()
    targets = check_structure(dashboard, failures)
    panel_count = len([p for p, _ in walk_panels(dashboard.get("panels") if isinstance(dashboard, dict) else [])
                       if p.get("type") != "row"])
    print("structure: %d panels, %d targets, %d problem(s)" % (panel_count, len(targets), len(failures.items)))

    provisioning = args.provisioning
    if provisioning is None:
        repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
        candidate = os.path.join(repo, "deploy", "grafana", "provisioning")
        provisioning = candidate if os.path.isdir(candidate) else None
    if provisioning:
        before = len(failures.items)
        check_provisioning(provisioning, failures)
        print("provisioning: %s, %d problem(s)" % (provisioning, len(failures.items) - before))

    if args.prometheus:
        if failures.items:
            print("skipping the Prometheus checks: fix the structure first")
        else:
            check_prometheus(args.prometheus, dashboard, targets, args.wait, failures, args.require_zone_panels)

    if failures.items:
        print("\ncheck-dashboard: %d problem(s) in %s:" % (len(failures.items), args.dashboard), file=sys.stderr)
        for item in failures.items:
            print("  - " + item, file=sys.stderr)
        return 1
    print("check-dashboard: %s is fine%s" % (args.dashboard, " (every query returns data)" if args.prometheus else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
