import Foundation
import Logging
import Synchronization
import Testing

@testable import PaygoExporter

/// Today's API (`/billable-usage`, its `/info` endpoint, 27 columns) beside the older paths,
/// over loopback HTTP against the stand-in.
@Suite struct BillableUsageAPITests {
    static let quiet = Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }
    static let currentPath = "/accounts/{account_id}/billable-usage"
    static let alphaPath = "/accounts/{account_id}/paygo-usage"
    static let firstPath = "/accounts/{account_id}/billing/usage/paygo"

    /// One exporter, three accounts on three generations of the API: each path is found in
    /// order (current, then May's, then the first), and each account's later calls go straight
    /// to its own path.
    @Test func pathsAreTriedInOrderAndRememberedPerAccount() async throws {
        let api = StandInCloudflareAPI()
        let current = TestAccounts.id(1), alpha = TestAccounts.id(2), first = TestAccounts.id(3)
        api.reply(for: current, with: .json(try AnswerBuilder.fixture("billable-usage-example.json")))
        api.reply(for: alpha, with: .json(AnswerBuilder.documentedExample), template: Self.alphaPath)
        api.reply(for: first, with: .json(AnswerBuilder.documentedExample), template: Self.firstPath)
        try await api.serve { baseURL in
            let configuration = TestAccounts.configuration(baseURL: baseURL, accounts: [1, 2, 3])
            try await UsageSourceParts(mode: configuration.mode, accounts: configuration.accounts, logger: Self.quiet).run { parts in
                for account in configuration.accounts {
                    _ = try await parts.source.fetchUsage(for: account).result.get()
                }
                func paths(_ id: String) -> [String] {
                    api.requests.filter { $0.path.contains(id) }.map { String($0.path.dropFirst(StandInCloudflareAPI.basePath.count)) }
                }
                func path(_ template: String, _ id: String) -> String { template.replacingOccurrences(of: "{account_id}", with: id) }
                #expect(paths(current) == [path(Self.currentPath, current)])
                #expect(paths(alpha) == [path(Self.currentPath, alpha), path(Self.alphaPath, alpha)])
                #expect(paths(first) == [path(Self.currentPath, first), path(Self.alphaPath, first), path(Self.firstPath, first)])

                for account in configuration.accounts {
                    _ = try await parts.source.fetchUsage(for: account).result.get()
                }
                #expect(paths(current).suffix(1) == [path(Self.currentPath, current)])
                #expect(paths(alpha).count == 3 && paths(alpha).last == path(Self.alphaPath, alpha), "straight to its own path")
                #expect(paths(first).count == 4 && paths(first).last == path(Self.firstPath, first), "straight to its own path")
            }
        }
    }

    /// Old (11 columns) and new (27 columns) answers side by side in one exporter: both served,
    /// the new one with its name, product families and pricing units, the old one without.
    @Test func oldAndNewAnswersSideBySide() async throws {
        let api = StandInCloudflareAPI()
        let current = TestAccounts.id(1), old = TestAccounts.id(2)
        api.reply(for: current, with: .json(try AnswerBuilder.fixture("billable-usage-example.json")))
        api.info(for: current, with: .json(try AnswerBuilder.fixture("billable-usage-info-example.json")))
        api.reply(for: old, with: .json(AnswerBuilder.documentedExample), template: Self.firstPath)
        try await api.serve { baseURL in
            let result = await OneShot.run(
                configuration: TestAccounts.configuration(baseURL: baseURL, accounts: [1, 2]), logger: Self.quiet)
            #expect(result.failedAccounts.isEmpty)
            let parsed = try ParsedExposition(String(decoding: result.body, as: UTF8.self))
            #expect(parsed.value("cloudflare_paygo_account_info", ["account_id": current]) == 1)
            #expect(
                parsed.matching("cloudflare_paygo_account_info", ["account_id": current]).first?.labels["account_name"] == "Example Corp")
            #expect(parsed.matching("cloudflare_paygo_account_info", ["account_id": old]).isEmpty, "no name known")
            #expect(parsed.value("cloudflare_paygo_account_covered", ["account_id": current]) == 1)
            #expect(parsed.matching("cloudflare_paygo_account_covered", ["account_id": old]).isEmpty, "no info endpoint there")
            let cpu = ["account_id": current, "service": "Workers Standard", "unit": "CPU ms"]
            #expect(parsed.value("cloudflare_paygo_contracted_cost", cpu.merging(["service_family": "Workers"]) { $1 }) == 0.122)
            #expect(parsed.value("cloudflare_paygo_pricing_quantity", cpu.merging(["pricing_unit": "Count"]) { $1 }) == 6_100_000)
            // The zone-split service adds up by default; no zone families without the flag.
            #expect(
                parsed.value("cloudflare_paygo_contracted_cost", ["account_id": current, "service": "Argo Smart Routing"]) == 0.325 + 0.15)
            #expect(parsed.matching("cloudflare_paygo_contracted_cost_by_zone").isEmpty)
            let oldSeries = parsed.matching("cloudflare_paygo_contracted_cost", ["account_id": old])
            #expect(!oldSeries.isEmpty && oldSeries.allSatisfy { $0.labels["service_family"] == "" })
            try PromtoolCheck.checkMetrics(parsed.text)
        }
    }

    /// An account the API does not cover is shown as such, healthy, and its usage is not asked
    /// for until the next info call a day later; a covered one is polled as usual.
    @Test func anAccountThatIsNotCoveredIsShownAndNotPolled() async throws {
        let api = StandInCloudflareAPI()
        let covered = TestAccounts.id(1), notCovered = TestAccounts.id(2)
        for id in [covered, notCovered] { api.reply(for: id, with: .json(AnswerBuilder.success([AnswerBuilder.record()]))) }
        api.info(for: covered, with: StandInCloudflareAPI.infoAnswer(covered: true, anchor: "2025-02-01T00:00:00Z"))
        api.info(for: notCovered, with: StandInCloudflareAPI.infoAnswer(covered: false, anchor: "2025-02-01T00:00:00Z"))
        try await api.serve { baseURL in
            let clock = TestClock(unixTime: 1_738_800_000)
            let configuration = TestAccounts.configuration(baseURL: baseURL, accounts: [1, 2], interval: .seconds(3_600))
            let store = SnapshotStore(accounts: configuration.accounts)
            try await UsageSourceParts(mode: configuration.mode, accounts: configuration.accounts, logger: Self.quiet).run { parts in
                let refresher = UsageRefresher(
                    store: store, source: parts.source, interval: .seconds(3_600), jitter: [0, 0], clock: clock,
                    logger: Self.quiet)
                let running = Task { try await refresher.run() }
                defer { running.cancel() }
                func calls(_ id: String, _ suffix: String) -> Int {
                    api.requests.filter { $0.path.hasSuffix("/accounts/\(id)/billable-usage\(suffix)") }.count
                }
                try await clock.waitForSleepers(2)
                let snapshot = try #require(store.snapshot(of: AccountID(notCovered)!))
                #expect(snapshot.covered == false)
                #expect(snapshot.health.up == true && snapshot.health.lastError == nil, "not an error")
                #expect(snapshot.usage == nil)
                #expect(calls(notCovered, "/info") == 1 && calls(notCovered, "") == 0)
                #expect(calls(covered, "/info") == 1 && calls(covered, "") == 1)
                #expect(store.snapshot(of: AccountID(covered)!)?.covered == true)

                let body = String(
                    buffer: ExpositionCache(store: store, budgets: BudgetBook([], path: nil, watchedAccounts: [], logger: Self.quiet)).body(
                        .prometheusText
                    ).bytes)
                let parsed = try ParsedExposition(body)
                #expect(parsed.value("cloudflare_paygo_account_covered", ["account_id": notCovered]) == 0)
                #expect(parsed.value("cloudflare_paygo_account_covered", ["account_id": covered]) == 1)
                #expect(parsed.value("cloudflare_paygo_up", ["account_id": notCovered]) == 1)
                #expect(parsed.matching("cloudflare_paygo_contracted_cost", ["account_id": notCovered]).isEmpty)

                // Hourly refreshes for a day (the clock jumps an hour at a time, so both accounts
                // refresh at each step): until a day after its first info call, the account that
                // is not covered is asked nothing, while the covered one is polled every hour.
                api.info(for: notCovered, with: StandInCloudflareAPI.infoAnswer(covered: true, anchor: "2025-02-01T00:00:00Z"))
                for hour in 1...23 {
                    clock.advance(by: .seconds(3_600))
                    try await clock.waitForSleepers(2)
                    #expect(calls(covered, "") == hour + 1, "one refresh an hour, never two at once")
                    #expect(calls(notCovered, "/info") == 1 && calls(notCovered, "") == 0, "hour \(hour)")
                }
                #expect(calls(covered, "/info") == 1)
                // A day after the first info calls: asked again; now covered, so usage follows at once.
                clock.advance(by: .seconds(3_600))
                try await clock.waitForSleepers(2)
                #expect(calls(covered, "/info") == 2 && calls(covered, "") == 25)
                #expect(calls(notCovered, "/info") == 2 && calls(notCovered, "") == 1)
                #expect(store.snapshot(of: AccountID(notCovered)!)?.usage?.series.isEmpty == false)
            }
        }
    }

    /// Billing periods from anchors on the 28th to the 31st, every month of a leap year and the
    /// year after: each period starts on the anchor day or the month's last day, ends where the
    /// next starts, and never drifts (Jan 31 -> Feb 29 -> Mar 31).
    @Test func anchorsOnThe28thTo31stCutPeriodsRightForTwoYears() {
        let day = 86_400.0
        for anchorDay in 28...31 {
            let anchor = Double(CivilCalendar.daysFromCivil(year: 2027, month: 12, day: anchorDay)) * day
            let cycle = BillingCycle(anchor: anchor)
            for offset in 1...25 {
                let monthIndex = 2027 * 12 + 11 + offset
                let (year, month) = (monthIndex / 12, monthIndex % 12 + 1)
                let expectedDay = min(anchorDay, CivilCalendar.daysInMonth(year: year, month: month))
                let start = Double(CivilCalendar.daysFromCivil(year: year, month: month, day: expectedDay)) * day
                #expect(cycle.periodStart(monthsFromAnchor: offset) == start, "anchor \(anchorDay), \(year)-\(month)")
                let (periodStart, periodEnd) = cycle.period(containing: start + day / 2)
                #expect(periodStart == start)
                #expect(periodEnd == cycle.periodStart(monthsFromAnchor: offset + 1))
                #expect(cycle.period(containing: start - 1).end == start, "the second before belongs to the previous period")
                #expect(cycle.periodEnd(forStart: start) == periodEnd)
            }
        }
        let jan31 = BillingCycle(anchor: Double(CivilCalendar.daysFromCivil(year: 2028, month: 1, day: 31)) * day)
        #expect(
            (0...3).map { CivilCalendar.formatDate(jan31.periodStart(monthsFromAnchor: $0)) } == [
                "2028-01-31", "2028-02-29", "2028-03-31", "2028-04-30",
            ])
        let calendar = BillingCycle.calendarPeriodEnd(forStart: Double(CivilCalendar.daysFromCivil(year: 2028, month: 2, day: 29)) * day)
        #expect(CivilCalendar.formatDate(calendar) == "2028-03-29", "the fallback rule drifts, as documented")
    }

    /// The anchor ends the billing period and sets the forecast's days left: a steady 10 a day
    /// projects to 10 times the period's length, for every month of a year and anchors on the
    /// 28th to the 31st.
    @Test func periodEndAndForecastFollowTheAnchor() {
        let day = 86_400.0
        for anchorDay in 28...31 {
            let cycle = BillingCycle(anchor: Double(CivilCalendar.daysFromCivil(year: 2028, month: 1, day: anchorDay)) * day)
            for offset in 0..<12 {
                let start = cycle.periodStart(monthsFromAnchor: offset)
                let end = cycle.periodStart(monthsFromAnchor: offset + 1)
                let records = (0..<5).map { index in
                    UsageRecord(
                        billingCurrency: "USD", billingPeriodStart: start, chargePeriodStart: start + Double(index) * day,
                        chargePeriodEnd: start + Double(index + 1) * day, serviceName: "S", consumedUnit: "u", consumedQuantity: 1,
                        pricingQuantity: 1, contractedCost: 10, cumulatedContractedCost: nil, cumulatedPricingQuantity: nil)
                }
                let now = start + 5 * day
                let usage = AccountUsage(records: records, now: now, billingCycle: cycle)
                #expect(usage.billingPeriodEnds["USD"] == end, "anchor \(anchorDay), period \(offset)")
                let forecast = usage.forecastCosts["USD"]
                #expect(forecast.map { abs($0 - 10 * (end - start) / day) < 1e-9 } == true, "anchor \(anchorDay), period \(offset)")
            }
        }
    }

    /// The info endpoint's anchor reaches the served period end over HTTP: an anchor on the
    /// 31st, a period that began on 29 February 2028, ends on 31 March.
    @Test func theInfoAnchorSetsTheServedPeriodEnd() async throws {
        let api = StandInCloudflareAPI()
        let id = TestAccounts.id(1)
        let record = AnswerBuilder.record(extra: [
            "BillingPeriodStart": "2028-02-29T00:00:00Z", "ChargePeriodStart": "2028-03-01T00:00:00Z",
            "ChargePeriodEnd": "2028-03-02T00:00:00Z",
        ])
        api.reply(for: id, with: .json(AnswerBuilder.success([record])))
        api.info(for: id, with: StandInCloudflareAPI.infoAnswer(anchor: "2027-12-31T00:00:00Z"))
        try await api.serve { baseURL in
            let result = await OneShot.run(configuration: TestAccounts.configuration(baseURL: baseURL, accounts: [1]), logger: Self.quiet)
            let parsed = try ParsedExposition(String(decoding: result.body, as: UTF8.self))
            #expect(
                parsed.value("cloudflare_paygo_billing_period_end_timestamp_seconds", ["account_id": id])
                    == RFC3339Timestamp.parse("2028-03-31T00:00:00Z"))
        }
    }

    /// Names and zones with every character a label must escape, served escaped and parsed back
    /// exactly by an independent reader and by promtool.
    @Test func hostileNamesAreEscaped() async throws {
        let api = StandInCloudflareAPI()
        let id = TestAccounts.id(1)
        let name = "Evil \"Corp\"\\\n}{,=\u{202E}名前 # TYPE"
        let zone = "zone\"\n\\.example"
        api.reply(
            for: id,
            with: .json(
                AnswerBuilder.success([
                    AnswerBuilder.record(extra: [
                        "BillingAccountName": name, "ServiceFamilyName": "Fam\"ily\n", "PricingUnit": "Unit\\", "ZoneId": "z\"1",
                        "ZoneName": zone,
                    ])
                ])))
        try await api.serve { baseURL in
            var configuration = TestAccounts.configuration(baseURL: baseURL, accounts: [1])
            configuration.usageByZone = true
            let result = await OneShot.run(configuration: configuration, logger: Self.quiet)
            let parsed = try ParsedExposition(String(decoding: result.body, as: UTF8.self))
            #expect(parsed.matching("cloudflare_paygo_account_info").first?.labels["account_name"] == name)
            let series = try #require(parsed.matching("cloudflare_paygo_contracted_cost_by_zone").first)
            #expect(
                series.labels["zone_name"] == zone && series.labels["zone_id"] == "z\"1" && series.labels["service_family"] == "Fam\"ily\n")
            #expect(parsed.matching("cloudflare_paygo_pricing_quantity").first?.labels["pricing_unit"] == "Unit\\")
            try PromtoolCheck.checkMetrics(parsed.text)
        }
    }

    /// With `--usage.by-zone`, the zones of each service's newest period add up exactly to the
    /// service's value (in the order they are listed), account-level charges under zone_id="".
    @Test func zoneValuesAddUpExactlyToTheService() async throws {
        let api = StandInCloudflareAPI()
        let id = TestAccounts.id(1)
        var random = SystemRandomNumberGenerator()
        var records: [[String: Any]] = []
        for zone in 0..<7 {
            for _ in 0..<3 {
                records.append(
                    AnswerBuilder.record(
                        service: "Argo", unit: "GB", day: 5, cost: Double.random(in: 0..<1, using: &random),
                        consumed: Double.random(in: 0..<1e6, using: &random),
                        extra: ["ZoneId": zone == 0 ? NSNull() : "zone\(zone)", "ZoneName": zone == 0 ? NSNull() : "z\(zone).example"]))
            }
        }
        // An older day is not part of the newest period, for the service or its zones.
        records.append(AnswerBuilder.record(service: "Argo", unit: "GB", day: 4, cost: 1_000, extra: ["ZoneId": "zone1"]))
        api.reply(for: id, with: .json(AnswerBuilder.success(records.shuffled())))
        try await api.serve { baseURL in
            var configuration = TestAccounts.configuration(baseURL: baseURL, accounts: [1])
            configuration.usageByZone = true
            let result = await OneShot.run(configuration: configuration, logger: Self.quiet)
            let parsed = try ParsedExposition(String(decoding: result.body, as: UTF8.self))
            let service = try #require(parsed.value("cloudflare_paygo_contracted_cost", ["service": "Argo"]))
            let quantity = try #require(parsed.value("cloudflare_paygo_consumed_quantity", ["service": "Argo"]))
            // In the body's order, which is zone id order.
            let zoneLines = parsed.text.split(separator: "\n").filter { $0.hasPrefix("cloudflare_paygo_contracted_cost_by_zone{") }
            let zones = parsed.matching("cloudflare_paygo_contracted_cost_by_zone")
            #expect(zones.count == 7 && zoneLines.count == 7)
            let ordered = zoneLines.map { line in zones.first { line.contains("zone_id=\"\($0.labels["zone_id"]!)\"") }!.value }
            #expect(ordered.reduce(0, +) == service, "exact, not approximately")
            let quantities = zoneLines.map { line in
                parsed.matching("cloudflare_paygo_consumed_quantity_by_zone").first {
                    line.contains("zone_id=\"\($0.labels["zone_id"]!)\"")
                }!.value
            }
            #expect(quantities.reduce(0, +) == quantity)
            #expect(
                parsed.value("cloudflare_paygo_contracted_cost_by_zone", ["zone_id": "", "zone_name": ""]) != nil, "account-level charges")
            #expect(parsed.value("cloudflare_paygo_contracted_cost_by_zone", ["zone_id": "zone3", "zone_name": "z3.example"]) != nil)
        }
    }

    /// Zone series are capped like the rest: beyond --cloudflare.max-series-per-account they
    /// are dropped and counted.
    @Test func zoneSeriesAreCapped() {
        let records = (0..<50).map { zone in
            UsageRecord(
                billingCurrency: "USD", billingPeriodStart: 0, chargePeriodStart: 86_400, chargePeriodEnd: 172_800, serviceName: "Argo",
                consumedUnit: "GB", consumedQuantity: 1, pricingQuantity: 1, contractedCost: 1, cumulatedContractedCost: nil,
                cumulatedPricingQuantity: nil, details: .init(zoneID: "zone\(zone)"))
        }
        let usage = AccountUsage(records: records, maxSeries: 20, byZone: true)
        #expect(usage.zoneSeries.count == 20)
        #expect(usage.droppedSeries == 30)
        #expect(usage.series.first?.contractedCost == 50, "a service with zones left out keeps its whole sum")
    }

    /// The info answer's fields, both documented shapes, and what is refused.
    @Test func infoAnswersDecode() throws {
        let account = TestAccounts.account(1)
        let info = try UsageInfoEndpoint.info(
            status: 200, body: Array(try AnswerBuilder.fixture("billable-usage-info-example.json").utf8), account: account, credentials: nil
        )
        #expect(info.covered)
        #expect(info.subscriptions.map(\.billingCycleAnchor) == [RFC3339Timestamp.parse("2025-01-14T00:00:00Z")!])
        #expect(info.billingCycle(at: 1_800_000_000)?.anchor == RFC3339Timestamp.parse("2025-01-14T00:00:00Z"))
        let cancelled =
            #"{"success":true,"errors":[],"messages":[],"result":{"covered":true,"extra":[1],"subscriptions":[{"id":"old","billing_cycle_anchor_timestamp":"2024-03-31T00:00:00Z","start_timestamp":"2024-03-31T00:00:00Z","end_timestamp":"2025-01-01T00:00:00Z"},{"id":"new","billing_cycle_anchor_timestamp":"2025-01-30T00:00:00Z","start_timestamp":"2025-01-30T00:00:00Z","end_timestamp":null}]}}"#
        let two = try UsageInfoEndpoint.info(status: 200, body: Array(cancelled.utf8), account: account, credentials: nil)
        #expect(two.billingCycle(at: 1_800_000_000)?.anchor == RFC3339Timestamp.parse("2025-01-30T00:00:00Z"), "the active subscription")
        for bad in [
            #"{"success":true,"errors":[],"messages":[],"result":{"subscriptions":[]}}"#,
            #"{"success":true,"errors":[],"messages":[],"result":{"covered":"yes","subscriptions":[]}}"#,
            #"{"success":true,"errors":[],"messages":[],"result":{"covered":true,"subscriptions":[{"id":"x"}]}}"#,
            #"{"success":true,"errors":[],"messages":[],"result":{"covered":true,"subscriptions":[{"billing_cycle_anchor_timestamp":"soon"}]}}"#,
        ] {
            #expect(throws: CloudflareAPIError.self, "\(bad)") {
                try UsageInfoEndpoint.info(status: 200, body: Array(bad.utf8), account: account, credentials: nil)
            }
        }
    }

    /// The 27-column example decodes to its records with the new columns; the cost columns
    /// that equal ContractedCost are not a difference, and one that differs is noticed.
    @Test func theNewColumnsDecode() throws {
        let records = try PaygoAnswerDecoder().decode(Array(try AnswerBuilder.fixture("billable-usage-example.json").utf8)).result
        #expect(records.count == 6)
        #expect(records.allSatisfy { $0.details.billingAccountName == "Example Corp" && !$0.details.otherCostDiffers })
        #expect(records.map(\.details.pricingUnit) == ["Requests", "Count", "Requests", "Count", "GB", "GB"])
        #expect(records.map(\.details.zoneName) == [nil, nil, nil, nil, "example.com", "example.org"])
        #expect(records.map(\.details.serviceFamily).contains("Argo"))
        let differing = AnswerBuilder.success([
            AnswerBuilder.record(cost: 1, extra: ["ListCost": 2, "ZoneName": 7, "BillingAccountName": NSNull()])
        ])
        let record = try #require(try PaygoAnswerDecoder().decode(Array(differing.utf8)).result.first)
        #expect(record.details.otherCostDiffers)
        #expect(record.details.zoneName == nil, "a wrong type in a label column reads as absent")
        #expect(record.details.billingAccountName == nil)
    }
}

/// Backfill windows on today's path: each begins on a billing period's first day (so it holds
/// the anchor day), spans at most 62 days, and together they cover the range asked for.
@Suite struct BillingPeriodWindowTests {
    @Test func windowsStartOnPeriodStartsAndStayWithin62Days() throws {
        let day = 86_400.0
        for anchorDay in [1, 14, 28, 29, 30, 31] {
            let cycle = BillingCycle(anchor: Double(CivilCalendar.daysFromCivil(year: 2027, month: 1, day: anchorDay)) * day)
            let starts = Set((0..<40).map { Int(cycle.periodStart(monthsFromAnchor: $0) / day) })
            for (from, to) in [("2027-03-05", "2027-06-02"), ("2027-12-31", "2028-03-30"), ("2028-02-29", "2028-02-29")] {
                let range = try #require(UsageDateRange(from: from, to: to))
                let windows = range.windows(startingOnPeriodsOf: cycle)
                #expect(windows.allSatisfy { starts.contains($0.firstDay) }, "anchor \(anchorDay), \(range)")
                #expect(windows.allSatisfy { $0.dayCount <= 62 })
                #expect(windows.first.map { $0.firstDay <= range.firstDay } == true)
                #expect(windows.last?.lastDay == range.lastDay)
                #expect(zip(windows, windows.dropFirst()).allSatisfy { $0.lastDay + 1 == $1.firstDay }, "no gap, no overlap")
            }
        }
        // Anchor on the 31st, 90 days: two periods per call where they fit.
        let cycle = BillingCycle(anchor: Double(CivilCalendar.daysFromCivil(year: 2027, month: 1, day: 31)) * day)
        let windows = try #require(UsageDateRange(from: "2027-08-25", to: "2027-11-22")).windows(startingOnPeriodsOf: cycle)
        #expect(windows.map(\.description) == ["2027-07-31..2027-09-29", "2027-09-30..2027-11-22"])
    }
}
