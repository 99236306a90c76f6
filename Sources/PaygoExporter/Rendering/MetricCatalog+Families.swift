import Foundation
import PrometheusExposition

extension MetricCatalog {
    /// Every family the exporter serves, each with where its samples come from, in name order.
    public static let families: [FamilyDeclaration] =
        ([
            .init(contractedCost, .perUsageSeries { $0.contractedCost }, backfilled: true),
            .init(cumulatedContractedCost, .perUsageSeries { $0.cumulatedContractedCost }, backfilled: true),
            .init(consumedQuantity, .perUsageSeries { $0.consumedQuantity }, backfilled: true),
            .init(pricingQuantity, .perUsageSeries({ $0.pricingQuantity }, pricingUnit: true), backfilled: true),
            .init(cumulatedPricingQuantity, .perUsageSeries({ $0.cumulatedPricingQuantity }, pricingUnit: true), backfilled: true),
            .init(zoneContractedCost, .perZoneSeries { $0.contractedCost }),
            .init(zoneConsumedQuantity, .perZoneSeries { $0.consumedQuantity }),
            .init(accountInfo, .perAccount(accountNameSamples)),
            .init(accountCovered, .perAccount(coveredSamples)),
            // History has no use for the charge periods' own timestamps, and they would add 40%.
            .init(chargePeriodStart, .perUsageSeries { $0.chargePeriodStart }),
            .init(chargePeriodEnd, .perUsageSeries { $0.chargePeriodEnd }),
            .init(
                billingPeriodStart, .perAccount { perCurrency($0) { usage, currency in usage.billingPeriodStarts[currency] } },
                backfilled: true),
            .init(billingPeriodEnd, .perAccount { perCurrency($0) { usage, currency in usage.billingPeriodEnds[currency] } }),
            .init(forecastCost, .perAccount { perCurrency($0) { usage, currency in usage.forecastCosts[currency] } }),
            .init(up, .perAccount { single($0.health.up.map { $0 ? 1 : 0 }) }),
            // 0 until the first success, so data-age alerts also catch an account that never worked.
            .init(lastSuccess, .perAccount { $0.health.up == nil ? [] : single($0.health.lastSuccessTime ?? 0) }),
            .init(refreshDuration, .perAccount { single($0.health.lastRefreshDurationSeconds) }),
            .init(nextRefresh, .perAccount { single($0.health.nextRefreshTime) }),
            .init(records, .perAccount { single($0.usage.map { Double($0.recordCount) }) }),
            .init(
                apiRequests,
                .perAccount { snapshot in
                    snapshot.health.requestsByStatusCode.sorted { String($0.key) < String($1.key) }.map {
                        AccountSample([Label("code", String($0.key))], Double($0.value))
                    }
                }),
            // Every reason from the start, so increase() sees the very first failure too.
            .init(
                refreshErrors,
                .perAccount { snapshot in
                    snapshot.health.errorsByReason.sorted { $0.key < $1.key }.map {
                        AccountSample([Label("reason", $0.key.rawValue)], Double($0.value))
                    }
                }),
            .init(seriesDropped, .perAccount { single(Double($0.health.seriesDropped)) }),
            .init(budget, .standalone),
            .init(budgetWarnRatio, .standalone),
            .init(refreshInterval, .standalone),
            .init(configuredRefreshInterval, .standalone),
            .init(rateLimit, .standalone),
            .init(rateLimitRemaining, .standalone),
            .init(apiCalls, .standalone),
            .init(rateLimitedUntil, .standalone),
            .init(buildInfo, .standalone),
            .init(discoveryLastListingSuccessful, .standalone),
            .init(discoveryLastSuccessTimestamp, .standalone),
            .init(shardInfo, .standalone),
            .init(shardAccountsSeen, .standalone),
            .init(configLastReloadSuccessful, .standalone),
            .init(configLastReloadSuccessTimestamp, .standalone),
            .init(webConfigLastReloadSuccessful, .server),
            .init(webConfigLastReloadSuccessTimestamp, .server),
            .init(webAuthChecks, .server),
            .init(webAuthBcryptSeconds, .server),
            .init(webAuthCachedCredentials, .server),
            .init(webConnections, .server),
            .init(webMaxConnections, .server),
            .init(webConnectionsClosed, .server),
        ] + ProcessMetrics.descriptors.map { FamilyDeclaration($0, .process) })
        .sorted { $0.descriptor.name.utf8.lexicographicallyPrecedes($1.descriptor.name.utf8) }

    /// The families rendered from account snapshots, in name order.
    public static let accountFamilies: [FamilyDeclaration] = families.filter(\.isPerAccount)

    @Sendable private static func accountNameSamples(_ snapshot: AccountSnapshot) -> [AccountSample] {
        guard snapshot.accountName != nil || !snapshot.staticLabels.isEmpty else { return [] }
        let name = snapshot.accountName.map { [Label("account_name", $0)] } ?? []
        let labels = snapshot.staticLabels.sorted { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }.map { Label($0.key, $0.value) }
        return [AccountSample(name + labels, 1)]
    }

    @Sendable private static func coveredSamples(_ snapshot: AccountSnapshot) -> [AccountSample] {
        guard let covered = snapshot.covered else { return [] }
        return [AccountSample(covered ? 1 : 0)]
    }

    private static func single(_ value: Double?) -> [AccountSample] {
        value.map { [AccountSample($0)] } ?? []
    }

    /// One sample per currency that has a billing period, in currency order.
    private static func perCurrency(_ snapshot: AccountSnapshot, _ value: (AccountUsage, String) -> Double?) -> [AccountSample] {
        guard let usage = snapshot.usage else { return [] }
        return usage.billingPeriodStarts.keys.sorted().compactMap { currency in
            value(usage, currency).map { AccountSample([Label("currency", currency)], $0) }
        }
    }

    /// A reloaded file's two gauges, as Prometheus's own `config_last_reload_*`: whether the
    /// last load worked, and when one last did (whole seconds).
    static func reloadFamilies(
        _ successfulFamily: MetricDescriptor, _ timestampFamily: MetricDescriptor, successful: Bool, lastSuccess: Date
    ) -> [MetricFamily] {
        [
            MetricFamily(successfulFamily, samples: [Sample(labels: [], value: successful ? 1 : 0)]),
            MetricFamily(timestampFamily, samples: [Sample(labels: [], value: lastSuccess.timeIntervalSince1970.rounded(.down))]),
        ]
    }
}
