import AsyncHTTPClient
import Foundation
import Hummingbird
import Logging
import NIOCore
import Testing

@testable import PaygoExporter

/// The landing pages over loopback HTTP: escaping of hostile names, currencies kept apart,
/// the chart's points against the daily records, validated links, bounded sizes.
@Suite struct LandingPageTests {
    /// 2025-02-01, the billing period start `AnswerBuilder` writes.
    static let february = 1_738_368_000.0
    static let day = 86_400.0

    /// A record of `AnswerBuilder`'s February billing period, as the exporter decodes it.
    static func record(
        _ service: String, unit: String = "Requests", currency: String = "USD", day: Int, cost: Double, cumulated: Double? = nil
    ) -> UsageRecord {
        UsageRecord(
            billingCurrency: currency, billingPeriodStart: february, chargePeriodStart: february + Double(day - 1) * Self.day,
            chargePeriodEnd: february + Double(day) * Self.day, serviceName: service, consumedUnit: unit, consumedQuantity: 1_000,
            pricingQuantity: 1_000, contractedCost: cost, cumulatedContractedCost: cumulated, cumulatedPricingQuantity: 12_345.5)
    }

    /// Serves the exporter's router over `store` (and `budgets`) on a loopback port.
    static func withPages<T: Sendable>(
        _ store: SnapshotStore, budgets: [Budget] = [], _ body: @Sendable (String) async throws -> T
    ) async throws -> T {
        let logger = Logger(label: "pages") { _ in SwiftLogNoOpLogHandler() }
        let book = BudgetBook(budgets, path: nil, watchedAccounts: store.accounts, logger: logger)
        let router = ExporterRouter(
            store: store, cache: ExpositionCache(store: store, budgets: book), telemetryPath: "/metrics", demo: false,
            settings: WebServerSettings(), budgets: book)
        return try await withRunningService(
            { onPort in
                Application(
                    router: router.build(), configuration: .init(address: .hostname("127.0.0.1", port: 0)),
                    onServerRunning: { await onPort($0.localAddress?.port ?? 0) }, logger: logger)
            },
            body: { port in try await body("http://127.0.0.1:\(port)") })
    }

    static func get(_ url: String) async throws -> (status: Int, body: String) {
        let response = try await RunningExporter.client.execute(HTTPClientRequest(url: url), timeout: .seconds(10))
        return (Int(response.status.code), String(buffer: try await response.body.collect(upTo: 16 << 20)))
    }

    /// A store whose accounts hold `records` (and `names`), refreshed once at `now`.
    static func store(_ records: [Int: [UsageRecord]], names: [Int: String] = [:], now: Double = february + 10 * day) -> SnapshotStore {
        let store = SnapshotStore(accounts: records.keys.map(TestAccounts.account))
        for (number, list) in records {
            store.update(TestAccounts.account(number)) { snapshot in
                var next = snapshot.applying(
                    UsageFetchOutcome(result: .success(list), responseCodes: [200]), finishedAt: now, durationSeconds: 0.25,
                    nextRefreshTime: now + 600)
                next.accountName = names[number]
                return next
            }
        }
        return store
    }

    /// The values of `attribute` in every tag of `html` that has `class` among its classes.
    static func attributes(_ attribute: String, ofClass name: String, in html: String) -> [String] {
        let pattern = try! NSRegularExpression(pattern: "<[a-z]+ [^>]*class=\"[^\"]*\\b\(name)\\b[^\"]*\"[^>]*>")
        return pattern.matches(in: html, range: NSRange(html.startIndex..., in: html)).compactMap { match in
            let tag = String(html[Range(match.range, in: html)!])
            guard let range = tag.range(of: "\(attribute)=\"") else { return nil }
            return String(tag[range.upperBound...].prefix { $0 != "\"" })
        }
    }

    @Test func hostileServiceAndAccountNamesAreEscaped() async throws {
        let hostile = #"<script>alert("x")</script>&'"#
        let records = [
            Self.record(hostile, unit: #""><svg onload=alert(1)>"#, day: 3, cost: 2, cumulated: 5),
            Self.record("Workers Standard", day: 3, cost: 1, cumulated: 3),
        ]
        let store = Self.store([1: records], names: [1: #"<img src=x onerror=alert(1)> "Acme" & Co"#])
        try await Self.withPages(store) { base in
            for path in ["/", "/?sort=name", "/accounts/\(TestAccounts.id(1))"] {
                let page = try await Self.get(base + path)
                #expect(page.status == 200, "\(path)")
                #expect(!page.body.contains("<script>"), "\(path)")
                #expect(!page.body.contains("<img"), "\(path)")
                #expect(!page.body.contains("<svg onload"), "\(path)")
                #expect(
                    page.body.contains("&lt;img src=x onerror=alert(1)&gt; &quot;Acme&quot; &amp; Co"),
                    "the name is shown, escaped: \(path)")
            }
            let account = try await Self.get(base + "/accounts/\(TestAccounts.id(1))")
            #expect(account.body.contains("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;&#39;"))
            #expect(account.body.contains("&quot;&gt;&lt;svg onload=alert(1)&gt;"))
            #expect(account.body.contains(TestAccounts.id(1)), "the id is shown beside the name")
        }
    }

    @Test func unknownAndMalformedAccountsAre404WithoutEchoingTheRequest() async throws {
        let store = Self.store([1: [Self.record("Workers Standard", day: 1, cost: 1, cumulated: 1)]])
        try await Self.withPages(store) { base in
            for path in [
                "/accounts/\(TestAccounts.id(2))", "/accounts/%3Cscript%3Ealert(1)%3C%2Fscript%3E",
                "/accounts/\(TestAccounts.id(1).uppercased())",
                "/accounts/", "/accounts/\(TestAccounts.id(1))/extra",
            ] {
                let page = try await Self.get(base + path)
                #expect(page.status == 404, "\(path)")
                #expect(!page.body.contains("script"), "\(path)")
                #expect(!page.body.contains(TestAccounts.id(2)), "\(path)")
            }
            for path in ["/?sort=%3Cscript%3E", "/?sort=cost&sort=name", "/?page=0", "/?page=-1", "/?page=1e3", "/?page=99999999999999"] {
                let page = try await Self.get(base + path)
                #expect(page.status == 400, "\(path)")
                #expect(!page.body.contains("script") && !page.body.contains("1e3") && !page.body.contains("9999"), "\(path)")
            }
            #expect(try await Self.get(base + "/?page=2").status == 404, "past the last page")
            for order in SummaryOrder.allCases {
                #expect(try await Self.get(base + "/?sort=\(order.rawValue)&page=1").status == 200)
            }
        }
    }

    @Test func costsInDifferentCurrenciesAreNeverAddedUp() async throws {
        let store = Self.store([
            1: [
                Self.record("Workers Standard", currency: "USD", day: 2, cost: 1, cumulated: 100),
                Self.record("R2 Storage", currency: "USD", day: 2, cost: 1, cumulated: 20),
                Self.record("Workers Standard", currency: "EUR", day: 2, cost: 1, cumulated: 7),
            ],
            2: [Self.record("Workers Standard", currency: "USD", day: 2, cost: 1, cumulated: 3)],
        ])
        let budgets = [Budget(account: TestAccounts.account(1), currency: "EUR", amount: 10)]
        try await Self.withPages(store, budgets: budgets) { base in
            let summary = try await Self.get(base + "/").body
            let totals = Self.attributes("title", ofClass: "ptd", in: summary)
            // Totals per currency first, then one row per account and currency.
            #expect(Array(totals.prefix(2)) == ["EUR 7", "USD 123"], "\(totals)")
            #expect(Set(totals.dropFirst(2)) == ["USD 120", "EUR 7", "USD 3"])
            for mixed in ["127", "130", "110"] {
                #expect(!totals.contains { $0.hasSuffix(" \(mixed)") }, "no sum across currencies: \(mixed)")
            }
            let account = try await Self.get(base + "/accounts/\(TestAccounts.id(1))").body
            #expect(Self.attributes("title", ofClass: "ptd", in: account) == ["EUR 7", "USD 120"])
            #expect(Self.attributes("title", ofClass: "budget", in: account) == ["EUR 10"], "the EUR budget, not a USD one")
            #expect(account.contains("data-currency=\"EUR\"") && account.contains("data-currency=\"USD\""))
        }
    }

    @Test func chartPointsFollowTheDailyRecords() async throws {
        // Two services a day, so each point is the day's sum; day 6 is the highest.
        let costs: [Double] = [1.5, 3, 0.25, 2, 4, 6.5, 1]
        var records: [UsageRecord] = []
        for (index, cost) in costs.enumerated() {
            records.append(Self.record("Workers Standard", day: index + 1, cost: cost * 0.75))
            records.append(Self.record("R2 Storage", unit: "GB-month", day: index + 1, cost: cost * 0.25))
        }
        let store = Self.store([1: records.shuffled()], now: Self.february + 6.5 * Self.day)
        try await Self.withPages(store) { base in
            let page = try await Self.get(base + "/accounts/\(TestAccounts.id(1))").body
            let drawn = zip(
                Self.attributes("data-cost", ofClass: "dot", in: page).compactMap(Double.init),
                Self.attributes("cy", ofClass: "dot", in: page).compactMap(Double.init))
            let xs = Self.attributes("cx", ofClass: "dot", in: page).compactMap(Double.init)
            #expect(drawn.map(\.0) == costs, "one point per day, oldest first, each the day's total")
            #expect(xs == xs.sorted() && Set(xs).count == costs.count)
            let bottom = DailyCostChart.plotBottom, top = DailyCostChart.plotTop
            for (cost, y) in drawn {
                let expected = bottom - cost / 6.5 * (bottom - top)
                #expect(abs(y - expected) <= 0.051, "day costing \(cost): y \(y), expected \(expected)")
            }
            // The points are spread over the whole period (28 days in February), each at its day's middle.
            let left = DailyCostChart.plotLeft, width = DailyCostChart.plotRight - DailyCostChart.plotLeft
            for (index, x) in xs.enumerated() {
                #expect(abs(x - (left + (Double(index) + 0.5) / 28 * width)) <= 0.051)
            }
            let polyline = try #require(page.range(of: "<polyline class=\"line\" points=\""))
            let points = page[polyline.upperBound...].prefix { $0 != "\"" }.split(separator: " ")
            #expect(points.count == costs.count)
            #expect(page.contains("dot partial"), "today's day is drawn as partial")
        }
    }

    @Test func summarySortsByCostNameAndState() async throws {
        let store = Self.store(
            [
                1: [Self.record("Workers Standard", day: 1, cost: 1, cumulated: 5)],
                2: [Self.record("Workers Standard", day: 1, cost: 1, cumulated: 50)],
                3: [Self.record("Workers Standard", day: 1, cost: 1, cumulated: 20)],
            ], names: [1: "bravo", 2: "Charlie", 3: "alpha"])
        store.update(TestAccounts.account(3)) { snapshot in
            snapshot.applying(
                UsageFetchOutcome(
                    result: .failure(RefreshFailure(reason: .auth, description: "Authentication error")), responseCodes: [403]),
                finishedAt: Self.february + 11 * Self.day, durationSeconds: 0.1)
        }
        try await Self.withPages(store) { base in
            let rows = { (query: String) async throws -> [String] in
                let body = try await Self.get(base + "/" + query).body
                let pattern = try NSRegularExpression(pattern: "<tr data-account=\"([0-9a-f]{32})\"")
                return pattern.matches(in: body, range: NSRange(body.startIndex..., in: body)).map {
                    String(body[Range($0.range(at: 1), in: body)!])
                }
            }
            #expect(try await rows("?sort=cost") == [2, 3, 1].map(TestAccounts.id))
            #expect(try await rows("") == [2, 3, 1].map(TestAccounts.id), "by cost unless asked otherwise")
            #expect(try await rows("?sort=name") == [3, 1, 2].map(TestAccounts.id))
            #expect(try await rows("?sort=state") == [3, 1, 2].map(TestAccounts.id), "down first, then by name")
            let summary = try await Self.get(base + "/?sort=state").body
            #expect(summary.contains("Authentication error"))
        }
    }

    /// Coverage comes from the info endpoint (issue 16); the figures' state is set directly so
    /// this test does not depend on how a snapshot learns it.
    @Test func notCoveredIsItsOwnStateNotAnError() throws {
        let up = AccountSnapshot(account: TestAccounts.account(1)).applying(
            UsageFetchOutcome(result: .success([Self.record("Workers Standard", day: 1, cost: 1, cumulated: 1)]), responseCodes: [200]),
            finishedAt: Self.february + Self.day, durationSeconds: 0.1)
        var notCovered = AccountFigures(AccountSnapshot(account: TestAccounts.account(2)), budgets: [])
        notCovered.state = .notCovered
        let figures = [notCovered, AccountFigures(up, budgets: [])]
        let page = LandingPage(telemetryPath: "/metrics", demo: false)
        let summary = page.summary(figures, order: .state, page: 1) ?? ""
        let upRow = try #require(summary.range(of: "data-account=\"\(TestAccounts.id(1))\""))
        let notCoveredRow = try #require(summary.range(of: "data-account=\"\(TestAccounts.id(2))\""))
        #expect(upRow.lowerBound < notCoveredRow.lowerBound, "not covered sorts after up")
        #expect(summary.contains("<span class=\"state not-covered\">not covered</span>"))
        #expect(summary.contains("0 down, 0 pending, 1 up, 1 not covered"))
        let account = page.accountPage(notCovered)
        #expect(account.contains("nothing to fix here"))
        #expect(!account.contains("class=\"state down\""))
    }

    @Test func pagesStayBoundedWhateverAnAnswerHolds() async throws {
        // One account with 40 currencies of 50 long-named services each.
        var records: [UsageRecord] = []
        for currency in 0..<40 {
            let code = "C" + String(format: "%02d", currency)
            for service in 0..<50 {
                records.append(
                    Self.record(
                        String(repeating: "s", count: 2_000) + "\(service)", currency: code, day: 1, cost: 1, cumulated: Double(service)))
            }
        }
        // Numbered up to 0xa1 and beyond, `TestAccounts.id` repeats itself (0xa1 pads to the id of 1).
        let accounts = (1...1_000).map { AccountID(String(repeating: "0", count: 29) + String(format: "%03x", $0))! }
        let store = SnapshotStore(accounts: accounts)
        for (index, account) in accounts.enumerated() {
            let list = index == 0 ? records : [Self.record("Workers Standard", day: 1, cost: 1, cumulated: Double(index))]
            store.update(account) {
                $0.applying(
                    UsageFetchOutcome(result: .success(list), responseCodes: [200]), finishedAt: Self.february + 10 * Self.day,
                    durationSeconds: 1)
            }
        }
        try await Self.withPages(store) { base in
            let account = try await Self.get(base + "/accounts/\(accounts[0].rawValue)")
            #expect(account.status == 200)
            #expect(account.body.utf8.count < 300_000, "\(account.body.utf8.count) bytes")
            #expect(account.body.contains("32 more currencies"))
            let summary = try await Self.get(base + "/")
            #expect(summary.body.utf8.count < 400_000, "\(summary.body.utf8.count) bytes")
            let rows = summary.body.components(separatedBy: "<tr data-account=").count - 1
            #expect(rows == LandingPage.rowsPerPage)
            let last = try await Self.get(base + "/?page=6")
            #expect(last.status == 200, "1,007 rows make six pages")
            #expect(try await Self.get(base + "/?page=7").status == 404)
        }
    }

    @Test func demoPageShowsTheFiguresOfMetrics() async throws {
        var configuration = DemoExporterConfiguration.make()
        configuration.budgets = DemoConfiguration.budgets
        try await RunningExporter.with(configuration) { exporter in
            let parsed = try await exporter.scrape { $0.matching("cloudflare_paygo_up").count == DemoUsageSource.accounts.count }
            let page = String(buffer: try await exporter.get("/").body)
            // The demo's budgeted accounts (USD and EUR); the others show no budget.
            for account in DemoConfiguration.budgets.map(\.account) {
                let costs = parsed.matching("cloudflare_paygo_cumulated_contracted_cost", ["account_id": account.rawValue])
                let currency = try #require(costs.first?.labels["currency"])
                let total = costs.reduce(0) { $0 + $1.value }
                let row = try #require(page.range(of: "<tr data-account=\"\(account.rawValue)\" data-currency=\"\(currency)\">"))
                let cell = Self.attributes("title", ofClass: "ptd", in: String(page[row.lowerBound...])).first ?? ""
                let shown = try #require(Double(cell.dropFirst(4)), "\(cell)")
                #expect(cell.hasPrefix("\(currency) "))
                #expect(abs(shown - total) <= 1e-9 * total, "\(account): page \(shown), metrics \(total)")
                let forecast = try #require(parsed.value("cloudflare_paygo_forecast_cost", ["account_id": account.rawValue]))
                let forecastCell = Self.attributes("title", ofClass: "forecast", in: String(page[row.lowerBound...])).first
                #expect(forecastCell == "\(currency) \(HumanFormat.exact(forecast))")
                let detail = String(buffer: try await exporter.get("/accounts/\(account.rawValue)").body)
                #expect(detail.contains("class=\"chart\""))
                #expect(
                    Self.attributes("title", ofClass: "budget", in: detail).count == 1, "the demo's budgeted accounts show their budget")
            }
        }
    }

    @Test func accountPagesAreBehindTheSameBasicAuth() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("pages-\(UInt64.random(in: 0...UInt64.max)).yml").path
        try "basic_auth_users:\n  alice: \(WebConfigurationTests.aliceHash)\n".write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        var configuration = DemoExporterConfiguration.make()
        configuration.web = try WebServerSettings(maxRequests: 40, webConfigFile: path)
        try await RunningExporter.with(configuration) { exporter in
            let page = "/accounts/\(DemoUsageSource.accounts[0].rawValue)"
            for anonymous in ["/", "/?sort=name", page] {
                let status = try await exporter.get(anonymous).status
                #expect(status == 401, "\(anonymous)")
            }
            let credentials = "Basic " + Data("alice:\(WebConfigurationTests.alicePassword)".utf8).base64EncodedString()
            let status = try await exporter.get(page, headers: ["Authorization": credentials]).status
            #expect(status == 200)
        }
    }

    @Test func dailyCostsKeepTheCurrentPeriodPerCurrencyBounded() {
        var records: [UsageRecord] = []
        for day in 1...28 {
            records.append(Self.record("Workers Standard", day: day, cost: Double(day)))
            records.append(Self.record("Workers Standard", currency: "EUR", day: day, cost: 1))
        }
        // A previous period's day is not part of the current period's chart.
        var old = Self.record("Workers Standard", day: 1, cost: 99)
        old.billingPeriodStart = Self.february - 31 * Self.day
        old.chargePeriodStart = Self.february - Self.day
        old.chargePeriodEnd = Self.february
        records.append(old)
        let usage = AccountUsage(records: records.shuffled(), now: Self.february + 28 * Self.day)
        #expect(usage.dailyCosts["USD"]?.map(\.cost) == (1...28).map(Double.init))
        #expect(usage.dailyCosts["EUR"]?.count == 28)
        // Hourly charge periods over a month would be 600 points: only the newest are kept.
        let hourly = (0..<600).map { hour in
            UsageRecord(
                billingCurrency: "USD", billingPeriodStart: Self.february, chargePeriodStart: Self.february + Double(hour) * 3_600,
                chargePeriodEnd: Self.february + Double(hour + 1) * 3_600, serviceName: "x", consumedUnit: "", consumedQuantity: nil,
                pricingQuantity: nil, contractedCost: Double(hour), cumulatedContractedCost: nil, cumulatedPricingQuantity: nil)
        }
        let cut = AccountUsage(records: hourly).dailyCosts["USD"] ?? []
        #expect(cut.count == AccountUsage.maxDailyCosts)
        #expect(cut.last?.cost == 599)
    }

    @Test func numbersAreFormattedForPeople() {
        #expect(HumanFormat.money(1_234.5, "USD") == "USD 1,234.50")
        #expect(HumanFormat.money(1_234_567.891, "EUR") == "EUR 1,234,567.89")
        #expect(HumanFormat.amount(0) == "0.00")
        #expect(HumanFormat.amount(0.0042) == "0.0042")
        #expect(HumanFormat.amount(-5) == "-5.00")
        #expect(HumanFormat.amount(0.004) == "0.004")
        #expect(HumanFormat.quantity(12_000_000) == "12,000,000")
        #expect(HumanFormat.quantity(41.25) == "41.25")
        #expect(HumanFormat.quantity(1_234.6) == "1,235")
        #expect(HumanFormat.percent(0.414) == "41%")
        #expect(HumanFormat.exact(0.1) == "0.1")
        for hostile in [Double.nan, .infinity, -.infinity, 1e300, -1e300, .leastNonzeroMagnitude, .greatestFiniteMagnitude] {
            _ = HumanFormat.money(hostile, "USD")
            _ = HumanFormat.quantity(hostile)
            _ = HumanFormat.percent(hostile)
            _ = HumanFormat.dateTime(hostile)
        }
        #expect(HumanFormat.dateTime(1_738_368_000) == "2025-02-01 00:00:00 UTC")
    }
}
