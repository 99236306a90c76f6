#!/usr/bin/env bash
# Backfill over remote write into real stores, run by .ci/run after `swift test`:
#   1. Prometheus (Debian's 2.42) with --web.enable-remote-write-receiver and an out-of-order
#      window: 90 days land while it runs, a past day's cost read back through PromQL equals
#      the stand-in API's, every 5-minute step of the day is there, and a second run of the
#      same backfill succeeds without adding a sample (idempotent);
#   2. VictoriaMetrics (Debian's victoria-metrics), scraping the live exporter as a long-term
#      store would: the same backfill, the same value read back through its Prometheus query
#      API, and every query of the shipped dashboard returns data.
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
query() { # BASE QUERY [TIME] -> JSON
    curl -fsS "$1/api/v1/query" --data-urlencode "query=$2" ${3:+--data-urlencode "time=$3"}
}
first_value() { python3 -c 'import json,sys; r=json.load(sys.stdin)["data"]["result"]; print(r[0]["value"][1] if r else "")'; }

api_port=$(free_port)
account=00000000000000000000000000000c1a
python3 .ci/standin_cloudflare_api.py "$api_port" ci-token 2>"$work/standin.log" & pids+=($!)
for _ in $(seq 1 50); do curl -sS -o /dev/null "http://127.0.0.1:$api_port/" 2>/dev/null && break; sleep 0.2; done
from=$(date -u -d '90 days ago' +%F); to=$(date -u -d 'yesterday' +%F)
backfill() { # URL -> runs the 90-day backfill over remote write
    CLOUDFLARE_API_TOKEN=ci-token "$bin" backfill --cloudflare.api-url "http://127.0.0.1:$api_port/client/v4" \
        --cloudflare.account-id "$account" --from "$from" --to "$to" --remote-write.url "$1"
}
# A past day's cost through the store's query API equals the stand-in's.
check_days() { # BASE NAME
    for days_ago in 30 75; do
        day=$(date -u -d "$days_ago days ago" +%F)
        noon=$(date -u -d "$day 12:00:00" +%s)
        for service in "Workers Standard" "R2 Storage"; do
            got=$(query "$1" "cloudflare_paygo_contracted_cost{service=\"$service\"}" "$noon" | first_value)
            want=$(python3 .ci/standin_cloudflare_api.py --expected-cost "$day" "$service")
            python3 -c "import sys; sys.exit(0 if abs(float('${got:-nan}') - float('$want')) < 1e-9 else 1)" \
                || { echo "$2: cost of $service on $day: got '${got}', want $want"; exit 1; }
            echo "$2: $service on $day: $got = stand-in's $want"
        done
    done
}
samples_of_day() { # BASE DAY -> samples of one series stored across that day
    query "$1" "count_over_time(cloudflare_paygo_contracted_cost{service=\"R2 Storage\"}[1d])" "$(date -u -d "$2 23:59:59" +%s)" | first_value
}

echo "--- 1. remote write into a running Prometheus 2.42 with an out-of-order window"
prom_port=$(free_port)
cat >"$work/prometheus.yml" <<YAML
global: {scrape_interval: 1m}
storage:
  tsdb:
    out_of_order_time_window: 100d   # longer than the history, or older samples are refused
scrape_configs: []
YAML
promtool check config "$work/prometheus.yml" >/dev/null
prometheus --config.file="$work/prometheus.yml" --storage.tsdb.path="$work/prom" --storage.tsdb.retention.time=400d \
    --web.enable-remote-write-receiver --web.listen-address="127.0.0.1:$prom_port" 2>"$work/prometheus.log" & pids+=($!)
prom_pid=$!
prom="http://127.0.0.1:$prom_port"
wait_http "$prom/-/ready"
started=$(date +%s.%N)
backfill "$prom/api/v1/write" 2>"$work/backfill-prom.log" || { cat "$work/backfill-prom.log"; exit 1; }
echo "backfill into Prometheus took $(python3 -c "import time; print(round(time.time() - $started, 1))") s: $(tail -1 "$work/backfill-prom.log")"
grep -q 'window 2/2' "$work/backfill-prom.log" || { echo "expected one progress line per window"; cat "$work/backfill-prom.log"; exit 1; }
kill -0 "$prom_pid" || { echo "Prometheus is not running any more"; exit 1; }
check_days "$prom" prometheus
day=$(date -u -d '40 days ago' +%F)
points=$(samples_of_day "$prom" "$day")
[ "$points" = 288 ] || { echo "expected 288 samples across $day, got '$points'"; exit 1; }
backfill "$prom/api/v1/write" 2>"$work/backfill-prom-again.log" || { echo "a second run of the same backfill failed"; cat "$work/backfill-prom-again.log"; exit 1; }
again=$(samples_of_day "$prom" "$day")
[ "$again" = 288 ] || { echo "after a second run: $again samples across $day, want still 288"; exit 1; }
echo "prometheus: 288 samples across $day, still 288 after running the same backfill again"

echo "--- 2. remote write into VictoriaMetrics, which also scrapes the live exporter"
exporter_port=$(free_port)
# A budget, so that the dashboard's budget panels have something to show too.
printf 'budgets:\n  - {account_id: %s, currency: USD, amount: 100}\n' "$account" >"$work/budgets.yml"
CLOUDFLARE_API_TOKEN=ci-token "$bin" --cloudflare.api-url "http://127.0.0.1:$api_port/client/v4" --cloudflare.account-id "$account" \
    --budget.config-file "$work/budgets.yml" --web.listen-address "127.0.0.1:$exporter_port" 2>"$work/exporter.log" & pids+=($!)
wait_http "http://127.0.0.1:$exporter_port/-/ready"
vm_port=$(free_port)
cat >"$work/vm-scrape.yml" <<YAML
scrape_configs:
  - job_name: cloudflare-paygo
    scrape_interval: 1s
    static_configs: [{targets: ["127.0.0.1:$exporter_port"]}]
YAML
# The default retention (1 month) would drop most of the history without a word.
victoria-metrics -storageDataPath="$work/vm" -retentionPeriod=400d -httpListenAddr="127.0.0.1:$vm_port" \
    -promscrape.config="$work/vm-scrape.yml" >"$work/vm.log" 2>&1 & pids+=($!)
vm="http://127.0.0.1:$vm_port"
wait_http "$vm/health"
backfill "$vm/api/v1/write" 2>"$work/backfill-vm.log" || { cat "$work/backfill-vm.log"; exit 1; }
echo "backfill into VictoriaMetrics: $(tail -1 "$work/backfill-vm.log")"
curl -fsS "$vm/internal/force_flush" >/dev/null
check_days "$vm" victoria-metrics
python3 .ci/check-dashboard.py dashboards/cloudflare-paygo.json --prometheus "$vm"

echo "remote-write checks passed"
