import Foundation
import Logging
import NIOCore
import PrometheusExposition
import Testing

@testable import PaygoExporter

/// Every family is declared once, in `MetricCatalog.families`: a full exporter serves exactly
/// the declared families, and README's metric table lists exactly them.
@Suite struct MetricCatalogTests {
    /// A body with everything switched on: an account with every column, a failure and a
    /// success behind it, budgets, the schedule, the rate limit, a paused token.
    static func fullBody() throws -> String {
        let account = TestAccounts.account(1)
        let store = SnapshotStore(accounts: [account])
        let records = [
            UsageRecord(
                billingCurrency: "USD", billingPeriodStart: 0, chargePeriodStart: 86_400, chargePeriodEnd: 2 * 86_400,
                serviceName: "Workers",
                consumedUnit: "Requests", consumedQuantity: 1, pricingQuantity: 1, contractedCost: 1, cumulatedContractedCost: 2,
                cumulatedPricingQuantity: 2,
                details: .init(
                    billingAccountName: "Example", serviceFamily: "Workers", pricingUnit: "Requests", zoneID: "z1", zoneName: "z")),
            UsageRecord(
                billingCurrency: "USD", billingPeriodStart: 0, chargePeriodStart: 0, chargePeriodEnd: 86_400, serviceName: "Workers",
                consumedUnit: "Requests", consumedQuantity: 1, pricingQuantity: 1, contractedCost: 1, cumulatedContractedCost: 1,
                cumulatedPricingQuantity: 1),
        ]
        let failure = RefreshFailure(reason: .http, description: "failed")
        store.update(account) {
            $0.applying(UsageFetchOutcome(result: .failure(failure), responseCodes: [500]), finishedAt: 5 * 86_400, durationSeconds: 1)
                .applying(.info(AccountInfo(covered: true, subscriptions: []), responseCodes: [200]), at: 5 * 86_400)
                .applying(
                    UsageFetchOutcome(result: .success(records), responseCodes: [200]), finishedAt: 5 * 86_400, durationSeconds: 1,
                    nextRefreshTime: 6 * 86_400, byZone: true)
        }
        let logger = Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }
        let budgets = BudgetBook(
            [Budget(account: account, currency: "USD", amount: 10, warnRatio: 0.8)], path: nil, watchedAccounts: [account], logger: logger)
        let rate = RequestRate(requests: 600, perSeconds: 300)
        let api = CloudflareAPI(
            httpClient: .shared, configuration: CloudflareAPIConfiguration(credentials: .apiToken("t"), rateLimit: rate),
            credentials: CredentialsStore(fixed: .apiToken("t")), userAgent: "test", logger: logger)
        api.gate.pause(seconds: 60)
        api.budget.observe(RateLimitQuota(remaining: 900), at: .now)
        // A web config with basic auth, for the web server's own families.
        let webConfig = FileManager.default.temporaryDirectory.appendingPathComponent("web-\(UInt64.random(in: 0...UInt64.max)).yml").path
        try "basic_auth_users:\n  alice: \(WebConfigurationTests.aliceHash)\n".write(toFile: webConfig, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: webConfig) }
        let web = try ReloadableWebConfiguration(settings: WebServerSettings(maxRequests: 40, webConfigFile: webConfig), logger: logger)
        // A --config.file, for the reload gauges.
        let configReload = ConfigFileReload(
            path: "/nonexistent/exporter.yml",
            defaults: .init(
                api: CloudflareAPIConfiguration(credentials: .apiToken("t")), shard: .whole, discoveryInterval: .seconds(3_600),
                maxStaleSeconds: 3_600),
            running: [], assignment: AccountAssignment(credentials: [], store: store, logger: logger),
            refresher: UsageRefresher(store: store, source: DemoUsageSource(), interval: .seconds(60), logger: logger), logger: logger)
        let discovery = DiscoveryStatus()
        discovery.record(credential: "default", successful: true, at: 1_000)
        let cache = ExpositionCache(
            store: store, budgets: budgets,
            standaloneSources: [
                RefreshPlan(accounts: [account], interval: .seconds(60), credentials: [.init(name: "default", rate: rate)]),
                CredentialMetrics([api]), ShardStatus(shard: Shard(index: 1, total: 2)!, accountsSeen: 2), configReload, discovery,
            ])
        let endpoint = MetricsEndpoint(
            cache: cache, openMetricsEnabled: true, serverSources: web.metricSources + [WebConnections(limit: 512)])
        let answer = endpoint.answer(accept: nil, acceptEncoding: nil)
        return answer.body.map { String(buffer: $0) }.joined()
    }

    @Test func aFullExporterServesExactlyTheDeclaredFamilies() throws {
        let body = try Self.fullBody()
        let served = body.split(separator: "\n").filter { $0.hasPrefix("# TYPE ") }.map { String($0.split(separator: " ")[2]) }
        let declared = MetricCatalog.families.map(\.descriptor.name)
        #expect(Set(served).subtracting(declared).isEmpty, "served but not declared: \(Set(served).subtracting(declared).sorted())")
        #expect(Set(declared).subtracting(served).isEmpty, "declared but not served: \(Set(declared).subtracting(served).sorted())")
        #expect(served == served.sorted(), "in name order")
        #expect(declared == declared.sorted(), "declared in name order")
    }

    /// The server's families follow the usage body in the tail, so their names must sort after
    /// every family the body can hold.
    @Test func theServersFamiliesSortAfterTheUsageBodys() {
        let body = MetricCatalog.families.filter { family in
            switch family.samples {
            case .perUsageSeries, .perZoneSeries, .perAccount, .standalone: true
            case .server, .process: false
            }
        }.map(\.descriptor.name)
        let server = MetricCatalog.families.filter { if case .server = $0.samples { true } else { false } }.map(\.descriptor.name)
        #expect(!server.isEmpty)
        for name in server {
            #expect(body.allSatisfy { $0.utf8.lexicographicallyPrecedes(name.utf8) }, "\(name)")
        }
    }

    @Test func backfillWritesTheFamiliesMarkedBackfilled() throws {
        let history = DailyUsage(records: [
            UsageRecord(
                billingCurrency: "USD", billingPeriodStart: 0, chargePeriodStart: 0, chargePeriodEnd: 86_400, serviceName: "Workers",
                consumedUnit: "Requests", consumedQuantity: 1, pricingQuantity: 1, contractedCost: 1, cumulatedContractedCost: 1,
                cumulatedPricingQuantity: 1)
        ])
        var text = ""
        BackfillWriter(step: 3_600, notAfter: 86_400).write([(TestAccounts.account(1), history)]) { chunk in
            text += String(decoding: chunk, as: UTF8.self)
        }
        let written = Set(text.split(separator: "\n").filter { $0.hasPrefix("# TYPE ") }.map { String($0.split(separator: " ")[2]) })
        let backfilled = Set(MetricCatalog.families.filter(\.backfilled).map(\.descriptor.familyName))
        #expect(written == backfilled)
    }

    /// README's metric table names every declared family, and no other.
    @Test func readmeListsExactlyTheDeclaredFamilies() throws {
        let readme = try String(
            contentsOf: URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../README.md"),
            encoding: .utf8)
        let section = try #require(
            readme.components(separatedBy: "\n## Metrics\n").dropFirst().first?.components(separatedBy: "\n## ").first)
        var listed = Set<String>()
        for row in section.split(separator: "\n") where row.hasPrefix("| `") {
            let firstCell = row.split(separator: "|").first ?? ""
            for name in firstCell.split(separator: "`").enumerated().filter({ $0.offset % 2 == 1 }).map({ String($0.element) })
            where name.hasPrefix("cloudflare_paygo_") || name.hasPrefix("process_") {
                listed.insert(name)
            }
        }
        let declared = Set(MetricCatalog.families.map(\.descriptor.name))
        #expect(listed.subtracting(declared).isEmpty, "in README but not declared: \(listed.subtracting(declared).sorted())")
        #expect(declared.subtracting(listed).isEmpty, "declared but not in README: \(declared.subtracting(listed).sorted())")
    }
}
