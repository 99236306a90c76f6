#!/usr/bin/env bash
# Checks that need the real Prometheus tools, run by .ci/run after `swift test`:
#   1. promtool check metrics on the demo exporter's live output;
#   2. Prometheus scrapes the exporter in OpenMetrics and in the text format;
#   3. backfill 90 days from a stand-in API, build TSDB blocks with promtool, start Prometheus
#      on them and read a past day's cost back through the HTTP API.
set -euo pipefail
cd "$(dirname "$0")/.."
bin="$(swift build --show-bin-path)/cloudflare-paygo-exporter"
work="$(mktemp -d)"
pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
wait_http() { # URL [tries]
    for _ in $(seq 1 "${2:-150}"); do curl -fsS "$1" >/dev/null 2>&1 && return 0; sleep 0.2; done
    echo "no answer from $1"; return 1
}
prom_query() { # PORT QUERY [TIME] -> JSON
    curl -fsS "http://127.0.0.1:$1/api/v1/query" --data-urlencode "query=$2" ${3:+--data-urlencode "time=$3"}
}
json_value() { # reads a Prometheus query answer, prints the first sample's value (or nothing)
    python3 -c 'import json,sys; r=json.load(sys.stdin)["data"]["result"]; print(r[0]["value"][1] if r else "")'
}

echo "--- 1. promtool check metrics on the demo exporter's live output"
port=$(free_port)
"$bin" --demo --web.listen-address "127.0.0.1:$port" 2>"$work/demo.log" & pids+=($!)
wait_http "http://127.0.0.1:$port/-/ready"
curl -fsS "http://127.0.0.1:$port/metrics" >"$work/demo.prom"
grep -q '^cloudflare_paygo_contracted_cost{' "$work/demo.prom" || { echo "demo output has no cost series"; exit 1; }
problems="$(promtool check metrics <"$work/demo.prom" 2>&1)" || { echo "$problems"; exit 1; }
[ -z "$problems" ] || { echo "promtool check metrics reported:"; echo "$problems"; exit 1; }
echo "clean: $(grep -vc '^#' "$work/demo.prom") samples"

echo "--- 2. Prometheus parses both formats"
text_port=$(free_port)
"$bin" --demo --web.disable-openmetrics --web.listen-address "127.0.0.1:$text_port" 2>"$work/demo-text.log" & pids+=($!)
wait_http "http://127.0.0.1:$text_port/-/ready"
curl -fsS -H 'Accept: application/openmetrics-text;version=1.0.0' "http://127.0.0.1:$port/metrics" | tail -1 | grep -qx '# EOF' \
    || { echo "the default exporter did not answer OpenMetrics"; exit 1; }
curl -fsSI -H 'Accept: application/openmetrics-text;version=1.0.0' "http://127.0.0.1:$text_port/metrics" | grep -qi '^content-type: text/plain; version=0.0.4' \
    || { echo "--web.disable-openmetrics did not answer the text format"; exit 1; }
prom_port=$(free_port)
cat >"$work/formats.yml" <<YAML
global: {scrape_interval: 1s, evaluation_interval: 1s}
scrape_configs:
  - job_name: openmetrics
    static_configs: [{targets: ["127.0.0.1:$port"]}]
  - job_name: text
    static_configs: [{targets: ["127.0.0.1:$text_port"]}]
YAML
promtool check config "$work/formats.yml" >/dev/null
prometheus --config.file="$work/formats.yml" --storage.tsdb.path="$work/formats-tsdb" --web.listen-address="127.0.0.1:$prom_port" 2>"$work/prom-formats.log" & pids+=($!)
wait_http "http://127.0.0.1:$prom_port/-/ready"
for job in openmetrics text; do
    count=""
    for _ in $(seq 1 50); do
        count=$(prom_query "$prom_port" "count(cloudflare_paygo_contracted_cost{job=\"$job\"}) and on() (up{job=\"$job\"} == 1)" | json_value)
        [ -n "$count" ] && break; sleep 0.3
    done
    [ -n "$count" ] && [ "$count" -ge 20 ] || { echo "Prometheus did not ingest job $job"; cat "$work/prom-formats.log" | tail -5; exit 1; }
    info=$(prom_query "$prom_port" "cloudflare_paygo_exporter_build_info{job=\"$job\"}" | json_value)
    [ "$info" = "1" ] || { echo "build_info missing for job $job"; exit 1; }
    echo "job $job: $count cost series, build_info present"
done

echo "--- 3. backfill 90 days, build blocks, query a past day"
api_port=$(free_port)
account=00000000000000000000000000000c1a
python3 .ci/standin_cloudflare_api.py "$api_port" ci-token 2>"$work/standin.log" & pids+=($!)
for _ in $(seq 1 50); do curl -sS -o /dev/null "http://127.0.0.1:$api_port/" 2>/dev/null && break; sleep 0.2; done
from=$(date -u -d '90 days ago' +%F); to=$(date -u -d 'yesterday' +%F)
CLOUDFLARE_API_TOKEN=ci-token "$bin" backfill --cloudflare.api-url "http://127.0.0.1:$api_port/client/v4" \
    --cloudflare.account-id "$account" --from "$from" --to "$to" --output "$work/history.om"
# Usage calls only (the /info call is apart); each window starts on a billing period's first day.
windows=$(grep -c 'GET /client/v4/accounts/[0-9a-f]*/billable-usage?' "$work/standin.log" || true)
[ "$windows" -ge 2 ] || { echo "expected at least two <=62-day windows, saw $windows usage calls"; exit 1; }
grep -q 'GET /client/v4/accounts/[0-9a-f]*/billable-usage/info' "$work/standin.log" \
    || { echo "backfill did not ask the info endpoint for the billing periods"; exit 1; }
tail -1 "$work/history.om" | grep -qx '# EOF'
echo "history: $(wc -l <"$work/history.om") lines; building blocks (promtool writes one per 2 h, which takes a minute or two)"
promtool tsdb create-blocks-from openmetrics "$work/history.om" "$work/tsdb" >"$work/blocks.log"
[ -n "$(ls -A "$work/tsdb")" ] || { echo "no blocks created"; exit 1; }
echo "blocks: $(ls "$work/tsdb" | wc -l)"
hist_port=$(free_port)
printf 'global: {scrape_interval: 1m}\nscrape_configs: []\n' >"$work/history.yml"
prometheus --config.file="$work/history.yml" --storage.tsdb.path="$work/tsdb" --storage.tsdb.retention.time=400d \
    --web.listen-address="127.0.0.1:$hist_port" 2>"$work/prom-history.log" & pids+=($!)
wait_http "http://127.0.0.1:$hist_port/-/ready"
for days_ago in 30 75; do
    day=$(date -u -d "$days_ago days ago" +%F)
    noon=$(date -u -d "$day 12:00:00" +%s)
    for service in "Workers Standard" "R2 Storage"; do
        got=$(prom_query "$hist_port" "cloudflare_paygo_contracted_cost{service=\"$service\"}" "$noon" | json_value)
        want=$(python3 .ci/standin_cloudflare_api.py --expected-cost "$day" "$service")
        python3 -c "import sys; sys.exit(0 if abs(float('${got:-nan}') - float('$want')) < 1e-9 else 1)" \
            || { echo "backfilled cost of $service on $day: got '${got}', want $want"; exit 1; }
        echo "backfilled $service on $day: $got = stand-in's $want"
    done
    # The line is continuous: a value at every 5-minute step of that day.
    points=$(curl -fsS "http://127.0.0.1:$hist_port/api/v1/query_range" --data-urlencode 'query=cloudflare_paygo_contracted_cost{service="R2 Storage"}' \
        --data-urlencode "start=$(date -u -d "$day 00:00:00" +%s)" --data-urlencode "end=$(date -u -d "$day 23:55:00" +%s)" --data-urlencode step=300 \
        | python3 -c 'import json,sys; r=json.load(sys.stdin)["data"]["result"]; print(len(r[0]["values"]) if r else 0)')
    [ "$points" = 288 ] || { echo "expected 288 points across $day, got $points"; exit 1; }
done
echo "--- 4. the shipped Prometheus rules and Alertmanager configuration against the demo"
promtool check rules deploy/prometheus/recording-rules.yml deploy/prometheus/alerts.yml
promtool test rules deploy/prometheus/tests/alerts_test.yml
python3 .ci/generate-prometheusrule.py --check
amtool check-config deploy/alertmanager/alertmanager.yml >/dev/null && echo "amtool check-config: ok"
am_port=$(free_port)
prometheus-alertmanager --config.file=deploy/alertmanager/alertmanager.yml --storage.path="$work/am" \
    --web.listen-address="127.0.0.1:$am_port" --cluster.listen-address= 2>"$work/am.log" & pids+=($!)
wait_http "http://127.0.0.1:$am_port/-/ready"
echo "alertmanager started with the example configuration"
# The stack scrapes its own demo exporter with the opt-in per-zone families, so the dashboard's
# zone panels are checked too (check-dashboard.py --require-zone-panels).
zone_port=$(free_port)
"$bin" --demo --usage.by-zone --web.listen-address "127.0.0.1:$zone_port" 2>"$work/demo-zones.log" & pids+=($!)
wait_http "http://127.0.0.1:$zone_port/-/ready"
curl -fsS "http://127.0.0.1:$zone_port/metrics" >"$work/demo-zones.prom"
grep -q '^cloudflare_paygo_contracted_cost_by_zone{' "$work/demo-zones.prom" \
    || { echo "the demo with --usage.by-zone serves no cloudflare_paygo_contracted_cost_by_zone series"; exit 1; }
problems="$(promtool check metrics <"$work/demo-zones.prom" 2>&1)" || { echo "$problems"; exit 1; }
[ -z "$problems" ] || { echo "promtool check metrics (demo with --usage.by-zone) reported:"; echo "$problems"; exit 1; }
echo "demo with --usage.by-zone: $(grep -c '^cloudflare_paygo_[a-z_]*_by_zone{' "$work/demo-zones.prom") zone samples, promtool clean"
mkdir -p "$work/stack"
cp deploy/prometheus/recording-rules.yml deploy/prometheus/alerts.yml "$work/stack/"
sed -e "s/exporter:10133/127.0.0.1:$zone_port/" -e "s/alertmanager:9093/127.0.0.1:$am_port/" \
    -e 's/scrape_interval: 60s/scrape_interval: 1s/' -e 's/evaluation_interval: 60s/evaluation_interval: 1s/' \
    deploy/prometheus/prometheus.yml >"$work/stack/prometheus.yml"
promtool check config "$work/stack/prometheus.yml" >/dev/null
stack_port=$(free_port)
prometheus --config.file="$work/stack/prometheus.yml" --storage.tsdb.path="$work/stack/tsdb" \
    --web.listen-address="127.0.0.1:$stack_port" 2>"$work/prom-stack.log" & pids+=($!)
wait_http "http://127.0.0.1:$stack_port/-/ready"
for _ in $(seq 1 60); do
    scrapes=$(prom_query "$stack_port" 'count_over_time(up{job="cloudflare-paygo"}[1m])' | json_value)
    [ -n "$scrapes" ] && [ "$scrapes" -ge 3 ] && break; sleep 0.5
done
echo "scrapes so far: $scrapes"
sleep 2
for record in $(python3 -c 'import yaml; print(" ".join(r["record"] for g in yaml.safe_load(open("deploy/prometheus/recording-rules.yml"))["groups"] for r in g["rules"] if "record" in r))'); do
    count=$(prom_query "$stack_port" "count($record)" | json_value)
    [ -n "$count" ] && [ "$count" -ge 1 ] || { echo "recording rule $record produced no series"; exit 1; }
    echo "recording rule $record: $count series"
done
curl -fsS "http://127.0.0.1:$stack_port/api/v1/rules" | python3 -c '
import json, sys
groups = json.load(sys.stdin)["data"]["groups"]
rules = [r for g in groups for r in g["rules"]]
bad = [r["name"] for r in rules if r.get("health") != "ok" or r.get("lastError")]
if bad or len(rules) < 16: sys.exit(f"rules not healthy: {bad} ({len(rules)} loaded)")
print(f"{len(rules)} rules loaded and evaluated without errors")'
active=$(curl -fsS "http://127.0.0.1:$stack_port/api/v1/alertmanagers" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["data"]["activeAlertmanagers"]))')
[ "$active" -ge 1 ] || { echo "Prometheus does not see the Alertmanager"; exit 1; }
# The demo's EUR account is on course to overspend: its forecast alert must be pending.
for _ in $(seq 1 20); do
    pending=$(prom_query "$stack_port" 'ALERTS{alertname="CloudflarePaygoForecastOverBudget", currency="EUR"}' | json_value)
    [ -n "$pending" ] && break; sleep 0.5
done
[ "$pending" = "1" ] || { echo "CloudflarePaygoForecastOverBudget is not pending for the demo's EUR account"; exit 1; }
echo "demo EUR account: CloudflarePaygoForecastOverBudget pending, as its forecast exceeds its budget"
if [ -f .ci/check-dashboard.py ]; then
    python3 .ci/check-dashboard.py dashboards/cloudflare-paygo.json --prometheus "http://127.0.0.1:$stack_port" --require-zone-panels
fi

echo "stack checks passed"
