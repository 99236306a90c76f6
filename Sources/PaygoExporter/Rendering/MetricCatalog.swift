import PrometheusExposition

/// Every family the exporter serves, with its HELP text. The names are a contract: dashboards
/// and alerts depend on them.
public enum MetricCatalog {
    static let fromSnapshot = " Served from the last successful refresh of the account; see cloudflare_paygo_up."

    public static let contractedCost = MetricDescriptor(
        name: "cloudflare_paygo_contracted_cost",
        help:
            "Cost of the newest charge period (usually one UTC day) per service and unit, in the billing currency (ContractedCost); never add across currencies."
            + fromSnapshot,
        type: .gauge)
    public static let cumulatedContractedCost = MetricDescriptor(
        name: "cloudflare_paygo_cumulated_contracted_cost",
        help:
            "Billing-period-to-date cost per service and unit, in the billing currency (CumulatedContractedCost of the newest charge period)."
            + fromSnapshot,
        type: .gauge)
    public static let consumedQuantity = MetricDescriptor(
        name: "cloudflare_paygo_consumed_quantity",
        help: "Usage in the newest charge period, measured in the unit label (ConsumedQuantity)." + fromSnapshot,
        type: .gauge)
    public static let pricingQuantity = MetricDescriptor(
        name: "cloudflare_paygo_pricing_quantity",
        help:
            "Quantity the price applies to in the newest charge period (PricingQuantity), counted in the pricing_unit label (PricingUnit; \"\" on the older API paths)."
            + fromSnapshot,
        type: .gauge)
    public static let cumulatedPricingQuantity = MetricDescriptor(
        name: "cloudflare_paygo_cumulated_pricing_quantity",
        help:
            "Billing-period-to-date pricing quantity (CumulatedPricingQuantity of the newest charge period), in the pricing_unit label."
            + fromSnapshot,
        type: .gauge)
    public static let chargePeriodStart = MetricDescriptor(
        name: "cloudflare_paygo_charge_period_start_timestamp_seconds",
        help: "Start (inclusive, Unix seconds) of the newest charge period behind the usage series with the same labels." + fromSnapshot,
        type: .gauge, unit: "seconds")
    public static let chargePeriodEnd = MetricDescriptor(
        name: "cloudflare_paygo_charge_period_end_timestamp_seconds",
        help: "End (exclusive, Unix seconds) of the newest charge period behind the usage series with the same labels." + fromSnapshot,
        type: .gauge, unit: "seconds")
    public static let billingPeriodStart = MetricDescriptor(
        name: "cloudflare_paygo_billing_period_start_timestamp_seconds",
        help: "Start (Unix seconds) of the current billing (invoice) period per currency." + fromSnapshot,
        type: .gauge, unit: "seconds")
    public static let billingPeriodEnd = MetricDescriptor(
        name: "cloudflare_paygo_billing_period_end_timestamp_seconds",
        help:
            "End (Unix seconds) of the current billing period per currency: the next start of the subscription's billing cycle (from the billable-usage info endpoint), or the same day of the next month where the API has no info endpoint."
            + fromSnapshot,
        type: .gauge, unit: "seconds")
    public static let accountInfo = MetricDescriptor(
        name: "cloudflare_paygo_account_info",
        help:
            "Always 1 per account whose name or static labels are known; account_name is the newest name (the account listing or BillingAccountName), the other labels are --config.file's account_labels. Join it onto other families with group_left(account_name).",
        type: .info)
    public static let accountCovered = MetricDescriptor(
        name: "cloudflare_paygo_account_covered",
        help:
            "1 if Cloudflare's billable-usage API reports on the account, 0 if it is not a PayGo account it covers (not polled for usage, not an error); absent until the info endpoint answers.",
        type: .gauge)
    public static let zoneContractedCost = MetricDescriptor(
        name: "cloudflare_paygo_contracted_cost_by_zone",
        help:
            "Cost of the newest charge period per service, unit and zone (--usage.by-zone); zone_id=\"\" holds account-level charges, and the zones of a series add up to cloudflare_paygo_contracted_cost."
            + fromSnapshot,
        type: .gauge)
    public static let zoneConsumedQuantity = MetricDescriptor(
        name: "cloudflare_paygo_consumed_quantity_by_zone",
        help: "Usage in the newest charge period per service, unit and zone (--usage.by-zone), in the unit label." + fromSnapshot,
        type: .gauge)
    public static let forecastCost = MetricDescriptor(
        name: "cloudflare_paygo_forecast_cost",
        help:
            "Projected cost at the end of the current billing period per currency: cost so far plus the median daily cost of the last 7 complete days times the days left."
            + fromSnapshot,
        type: .gauge)
    public static let budget = MetricDescriptor(
        name: "cloudflare_paygo_budget",
        help: "Budget for the billing period per account and currency, from --budget.config-file.",
        type: .gauge)
    public static let budgetWarnRatio = MetricDescriptor(
        name: "cloudflare_paygo_budget_warn_ratio",
        help: "Share of the budget at which to warn, from --budget.config-file (default 0.8).",
        type: .gauge)

    public static let up = MetricDescriptor(
        name: "cloudflare_paygo_up",
        help: "1 if the last refresh of the account succeeded, 0 if it failed (its last good series are still served).",
        type: .gauge)
    public static let lastSuccess = MetricDescriptor(
        name: "cloudflare_paygo_last_success_timestamp_seconds",
        help: "Unix time of the account's last successful refresh; 0 if none has succeeded yet.",
        type: .gauge, unit: "seconds")
    public static let refreshDuration = MetricDescriptor(
        name: "cloudflare_paygo_refresh_duration_seconds",
        help: "Wall time the account's last refresh took, good or bad.",
        type: .gauge, unit: "seconds")
    public static let nextRefresh = MetricDescriptor(
        name: "cloudflare_paygo_next_refresh_timestamp_seconds",
        help: "Unix time at which the account is next due for a refresh, on its slot of the schedule.",
        type: .gauge, unit: "seconds")
    public static let refreshInterval = MetricDescriptor(
        name: "cloudflare_paygo_refresh_interval_seconds",
        help:
            "Effective time between two refreshes of each account the credential polls: --cloudflare.refresh-interval, or longer when its accounts need more calls than 95% of its rate limit allows.",
        type: .gauge, unit: "seconds")
    public static let configuredRefreshInterval = MetricDescriptor(
        name: "cloudflare_paygo_configured_refresh_interval_seconds",
        help:
            "The refresh interval asked for with --cloudflare.refresh-interval; below cloudflare_paygo_refresh_interval_seconds when the rate limit stretched it.",
        type: .gauge, unit: "seconds")
    public static let rateLimit = MetricDescriptor(
        name: "cloudflare_paygo_rate_limit_requests_per_second",
        help:
            "Average calls per second the exporter allows itself on the credential's token (--cloudflare.rate-limit or the credential's rate_limit, divided by --total-shards).",
        type: .gauge)
    public static let rateLimitRemaining = MetricDescriptor(
        name: "cloudflare_paygo_rate_limit_remaining",
        help:
            "Calls the token has left in Cloudflare's window, as the newest answer's Ratelimit or X-RateLimit-Remaining header said (everything using the token counts); absent until an answer said.",
        type: .gauge)
    public static let apiCalls = MetricDescriptor(
        name: "cloudflare_paygo_api_calls_total",
        help: "Calls sent on the credential's token, answered or not; retries, path fallbacks, info and account listings count.",
        type: .counter)
    public static let records = MetricDescriptor(
        name: "cloudflare_paygo_records",
        help: "Records in the account's last successful answer, before aggregation.",
        type: .gauge)
    public static let apiRequests = MetricDescriptor(
        name: "cloudflare_paygo_api_requests_total",
        help:
            "Requests to the Cloudflare usage API that got an answer, by HTTP status code; calls with no answer count in cloudflare_paygo_refresh_errors_total.",
        type: .counter)
    public static let refreshErrors = MetricDescriptor(
        name: "cloudflare_paygo_refresh_errors_total",
        help: "Failed refreshes by reason: auth, rate_limited, not_found, http, timeout, connection, decode, api_error.",
        type: .counter)
    public static let seriesDropped = MetricDescriptor(
        name: "cloudflare_paygo_series_dropped_total",
        help:
            "Usage series (service, unit, currency) left out of the account's answers because it held more than --cloudflare.max-series-per-account.",
        type: .counter)
    public static let rateLimitedUntil = MetricDescriptor(
        name: "cloudflare_paygo_rate_limited_until_timestamp_seconds",
        help:
            "Unix time until which every call on the credential's token waits after a 429 (Retry-After, capped at 5 minutes); 0 when not paused.",
        type: .gauge, unit: "seconds")
    public static let discoveryLastListingSuccessful = MetricDescriptor(
        name: "cloudflare_paygo_account_discovery_last_listing_successful",
        help:
            "1 if the credential's newest listing of its accounts (GET /accounts) worked, 0 if it failed and the accounts listed before stay watched (the log says why).",
        type: .gauge)
    public static let discoveryLastSuccessTimestamp = MetricDescriptor(
        name: "cloudflare_paygo_account_discovery_last_success_timestamp_seconds",
        help: "Unix time of the credential's last listing of its accounts that worked; 0 until one did.",
        type: .gauge, unit: "seconds")
    public static let shardInfo = MetricDescriptor(
        name: "cloudflare_paygo_shard_info",
        help:
            "Always 1; shard and total_shards are --shard and --total-shards (0 and 1 without sharding). Replicas that disagree on total_shards split the accounts wrongly.",
        type: .info)
    public static let shardAccountsSeen = MetricDescriptor(
        name: "cloudflare_paygo_shard_accounts_seen",
        help:
            "Accounts given or discovered (after exclusions and the name filter) before this replica takes its shard's share: every shard should see the same number, and together serve that many.",
        type: .gauge)
    public static let buildInfo = MetricDescriptor(
        name: "cloudflare_paygo_exporter_build_info",
        help: "Always 1; labels give the exporter's version, source revision and Swift version.",
        type: .info)

    public static let configLastReloadSuccessful = MetricDescriptor(
        name: "cloudflare_paygo_config_last_reload_successful",
        help:
            "1 if the last reload of --config.file succeeded, 0 if it failed and the running configuration is still in force (the log says why).",
        type: .gauge)
    public static let configLastReloadSuccessTimestamp = MetricDescriptor(
        name: "cloudflare_paygo_config_last_reload_success_timestamp_seconds",
        help: "Unix time of the last successful load of --config.file (start-up counts).",
        type: .gauge, unit: "seconds")
    public static let webConfigLastReloadSuccessful = MetricDescriptor(
        name: "cloudflare_paygo_web_config_last_reload_successful",
        help:
            "1 if the last reload of --web.config.file and the certificate files it names succeeded, 0 if it failed and the previous web configuration is still in force (the log says why).",
        type: .gauge)
    public static let webConfigLastReloadSuccessTimestamp = MetricDescriptor(
        name: "cloudflare_paygo_web_config_last_reload_success_timestamp_seconds",
        help: "Unix time of the last successful load of --web.config.file (start-up counts).",
        type: .gauge, unit: "seconds")
    public static let webAuthChecks = MetricDescriptor(
        name: "cloudflare_paygo_web_auth_checks_total",
        help:
            "Basic auth checks by result: ok and wrong ran bcrypt, cached_wrong was refused from the cache, busy got 503 because too many new credentials were waiting for bcrypt, missing had no usable Basic credentials. Requests with remembered good credentials are not counted.",
        type: .counter)
    public static let webAuthBcryptSeconds = MetricDescriptor(
        name: "cloudflare_paygo_web_auth_bcrypt_seconds_total",
        help: "Wall time spent in bcrypt checking new basic auth credentials, on the exporter's one bcrypt thread.",
        type: .counter, unit: "seconds")
    public static let webAuthCachedCredentials = MetricDescriptor(
        name: "cloudflare_paygo_web_auth_cached_credentials",
        help:
            "Basic auth credentials remembered by result (ok: good ones, kept apart so wrong ones never push them out; wrong: the most recent wrong ones).",
        type: .gauge)
    public static let webConnections = MetricDescriptor(
        name: "cloudflare_paygo_web_connections",
        help: "Open connections to the exporter's HTTP server (read at most once a second).",
        type: .gauge)
    public static let webMaxConnections = MetricDescriptor(
        name: "cloudflare_paygo_web_max_connections",
        help: "The cap on open connections: --web.max-connections, or lower when the limit on open files leaves less room.",
        type: .gauge)
    public static let webConnectionsClosed = MetricDescriptor(
        name: "cloudflare_paygo_web_connections_closed_total",
        help:
            "Connections closed to stay within cloudflare_paygo_web_max_connections, by reason: evicted (the connection idle longest, to make room for a new one), limit (a new one, every connection being busy).",
        type: .counter)
}
