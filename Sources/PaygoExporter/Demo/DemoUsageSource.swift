import Foundation

/// A built-in stand-in for Cloudflare: five accounts that between them show every state the
/// exporter knows, each with daily records for the current billing period that move with the
/// date.
///
/// - "Example Corp" (USD) and "Beispiel GmbH" (EUR) on today's API (27 columns, with names,
///   product families and pricing units); Example Corp's Argo traffic is split across two zones.
/// - "Night Shift Ltd" (USD), on today's API, whose billing cycle is anchored on the 31st, so
///   its periods end on the last day of short months.
/// - An account still on the first, beta path (11 columns, no info endpoint, no name).
/// - An account that the usage API does not cover.
///
/// Each relative account's billing day is fixed when the source is made: the USD period began
/// 9 days before, the EUR one 18 days before, the legacy one 5 days before. A fixed calendar day
/// would leave the demo without a forecast on that day of every month (a period's first day
/// has no complete day to project from), so the dashboard, the alerts and the checks built on
/// them would depend on the date; only the account anchored on the 31st has such a day.
///
/// It writes the JSON Cloudflare would send and hands it to the same decoders as real
/// answers, so `--demo` exercises the whole decode -> snapshot -> render path.
public struct DemoUsageSource: UsageSource {
    /// The demo's accounts (`DemoConfiguration.accounts`).
    public static var accounts: [AccountID] { DemoConfiguration.accounts }

    struct Product {
        let service: String
        let family: String
        let unit: String
        let pricingUnit: String
        /// Typical quantity per day.
        let dailyQuantity: Double
        /// Price per pricing unit.
        let unitPrice: Double
        /// Shares of the quantity per zone (id, name); empty for an account-level charge.
        var zones: [(id: String, name: String, share: Double)] = []
    }

    /// Which generation of Cloudflare's API the account's usage comes from.
    enum Generation {
        /// `/billable-usage` with `/info` and 27 columns.
        case current
        /// `/billing/usage/paygo`: 11 columns, no info endpoint.
        case first
    }

    enum Anchor {
        /// The billing cycle began this many days before the source was made (on the 28th at
        /// the latest, so every month has the day).
        case daysBefore(Int)
        /// A fixed anchor date (days since 1970).
        case fixed(Int)
    }

    struct Profile {
        let name: String?
        let currency: String
        let generation: Generation
        let anchor: Anchor
        let covered: Bool
        let scale: Double
        let products: [Product]

        /// The cycle's anchor (Unix seconds) for a source made on `madeOn` (days since 1970).
        func anchorTime(madeOn: Int) -> Double {
            switch anchor {
            case .daysBefore(let days):
                let day = min(CivilCalendar.civilDate(fromDays: madeOn - days).day, 28)
                return Double(CivilCalendar.daysFromCivil(year: 2025, month: 1, day: day)) * 86_400
            case .fixed(let day):
                return Double(day) * 86_400
            }
        }
    }

    private static let argoZones = [
        (id: "4f5e6d7c8b9a0f1e2d3c4b5a69788796", name: "example.com", share: 0.65),
        (id: "0a1b2c3d4e5f60718293a4b5c6d7e8f9", name: "example.org", share: 0.35),
    ]

    static let products: [Product] = [
        Product(
            service: "Workers Standard", family: "Workers", unit: "Requests", pricingUnit: "Requests", dailyQuantity: 12_000_000,
            unitPrice: 0.000_000_3),
        Product(
            service: "Workers Standard", family: "Workers", unit: "CPU ms", pricingUnit: "Count", dailyQuantity: 95_000_000,
            unitPrice: 0.000_000_02),
        Product(
            service: "Workers KV", family: "Workers", unit: "Reads", pricingUnit: "Reads", dailyQuantity: 40_000_000, unitPrice: 0.000_000_5
        ),
        Product(service: "Workers KV", family: "Workers", unit: "GB-month", pricingUnit: "GB-month", dailyQuantity: 30, unitPrice: 0.5),
        Product(service: "R2 Storage", family: "R2", unit: "GB-month", pricingUnit: "GB-month", dailyQuantity: 41, unitPrice: 0.015),
        Product(
            service: "R2 Class A Operations", family: "R2", unit: "Requests", pricingUnit: "Requests", dailyQuantity: 900_000,
            unitPrice: 0.000_004_5),
        Product(
            service: "R2 Class B Operations", family: "R2", unit: "Requests", pricingUnit: "Requests", dailyQuantity: 7_500_000,
            unitPrice: 0.000_000_36),
        Product(
            service: "D1", family: "D1", unit: "Rows read", pricingUnit: "Rows", dailyQuantity: 2_500_000_000, unitPrice: 0.000_000_001),
        Product(
            service: "Durable Objects", family: "Workers", unit: "Requests", pricingUnit: "Requests", dailyQuantity: 3_000_000,
            unitPrice: 0.000_000_15),
        Product(
            service: "Stream", family: "Stream", unit: "Minutes delivered", pricingUnit: "Minutes", dailyQuantity: 60_000, unitPrice: 0.001),
        Product(
            service: "Images", family: "Images", unit: "Transformations", pricingUnit: "Transformations", dailyQuantity: 45_000,
            unitPrice: 0.000_5),
        Product(
            service: "Queues", family: "Queues", unit: "Operations", pricingUnit: "Operations", dailyQuantity: 5_000_000,
            unitPrice: 0.000_000_4),
        Product(
            service: "Workers AI", family: "Workers AI", unit: "Neurons", pricingUnit: "Neurons", dailyQuantity: 800_000,
            unitPrice: 0.000_011),
        Product(
            service: "Argo Smart Routing", family: "Argo", unit: "GB", pricingUnit: "GB", dailyQuantity: 120, unitPrice: 0.1,
            zones: argoZones),
    ]

    /// 2025-01-31: an anchor on the 31st.
    static let thirtyFirstAnchorDay = CivilCalendar.daysFromCivil(year: 2025, month: 1, day: 31)

    static let profiles: [AccountID: Profile] = [
        accounts[0]: Profile(
            name: "Example Corp", currency: "USD", generation: .current, anchor: .daysBefore(9), covered: true, scale: 1,
            products: products),
        accounts[1]: Profile(
            name: "Beispiel GmbH", currency: "EUR", generation: .current, anchor: .daysBefore(18), covered: true, scale: 0.35,
            products: Array(products.prefix(11))),
        accounts[2]: Profile(
            name: "Night Shift Ltd", currency: "USD", generation: .current, anchor: .fixed(thirtyFirstAnchorDay), covered: true,
            scale: 0.1, products: Array(products.prefix(5))),
        accounts[3]: Profile(
            name: nil, currency: "USD", generation: .first, anchor: .daysBefore(5), covered: true, scale: 0.2,
            products: Array(products.prefix(4))),
        accounts[4]: Profile(
            name: nil, currency: "USD", generation: .current, anchor: .daysBefore(3), covered: false, scale: 0, products: []),
    ]

    private let now: @Sendable () -> Double
    /// Billing-cycle anchor per account, fixed at `init`.
    private let anchors: [AccountID: Double]

    /// - Parameter now: the wall clock, Unix seconds; tests pin it. Its value at `init` fixes
    ///   the billing days.
    public init(now: @escaping @Sendable () -> Double = { Date().timeIntervalSince1970 }) {
        self.now = now
        let madeOn = Int((now() / 86_400).rounded(.down))
        anchors = Self.profiles.mapValues { $0.anchorTime(madeOn: madeOn) }
    }

    public func fetchUsage(for account: AccountID, range: UsageDateRange?) async -> UsageFetchOutcome {
        let (status, body) = Self.answer(for: account, at: now(), anchor: anchors[account] ?? 0, range: range)
        do throws(CloudflareAPIError) {
            let records = try UsageEndpoint.records(status: status, body: body.utf8, account: account, credentials: nil)
            return UsageFetchOutcome(result: .success(records), responseCodes: [status])
        } catch {
            return UsageFetchOutcome(result: .failure(error.refreshFailure), responseCodes: [status])
        }
    }

    public func fetchAccountInfo(for account: AccountID) async -> AccountInfoOutcome {
        let (status, body) = Self.infoAnswer(for: account, anchor: anchors[account] ?? 0)
        do throws(CloudflareAPIError) {
            return .info(
                try UsageInfoEndpoint.info(status: status, body: body.utf8, account: account, credentials: nil), responseCodes: [status])
        } catch  where error.httpStatus == 404 {
            return .unavailable(responseCodes: [status])
        } catch {
            return .failure(error.refreshFailure, responseCodes: [status])
        }
    }

    private static let notFound =
        #"{"success":false,"errors":[{"code":7003,"message":"Could not route to this account"}],"messages":[],"result":null}"#

    /// The info endpoint's answer: a 404 on the first API generation, as it has none.
    static func infoAnswer(for account: AccountID, anchor: Double) -> (status: Int, body: String) {
        guard let profile = profiles[account], profile.generation == .current else { return (404, notFound) }
        let stamp = timestamp(seconds: anchor)
        return (
            200,
            #"{"success":true,"errors":[],"messages":[],"result":{"covered":\#(profile.covered),"subscriptions":[{"id":"\#(subscriptionID(account))","billing_cycle_anchor_timestamp":"\#(stamp)","start_timestamp":"\#(stamp)"}]}}"#
        )
    }

    private static func subscriptionID(_ account: AccountID) -> String {
        String(account.rawValue.reversed())
    }

    /// The answer Cloudflare would give for `account` at `time`, its billing cycle anchored at
    /// `anchor`: one record per product (and zone) and day of the current billing period (or
    /// of `range`), today's covering the part of the day gone so far, nothing after today.
    static func answer(for account: AccountID, at time: Double, anchor: Double, range: UsageDateRange? = nil) -> (status: Int, body: String)
    {
        guard let profile = profiles[account] else { return (404, notFound) }
        let cycle = BillingCycle(anchor: anchor)
        let billingPeriodStart = { (day: Int) in Int((cycle.period(containing: Double(day) * 86_400).start / 86_400).rounded(.down)) }
        let today = Int((time / 86_400).rounded(.down))
        let wanted = range.map { $0.firstDay...min($0.lastDay, today) } ?? (billingPeriodStart(today)...today)
        var records: [String] = []
        guard !wanted.isEmpty, profile.covered else { return (200, #"{"success":true,"errors":[],"messages":[],"result":[]}"#) }
        let elapsedToday = (time - Double(today) * 86_400) / 86_400
        // Cumulated columns run from each day's billing period start, so start counting there.
        let firstCounted = billingPeriodStart(wanted.lowerBound)
        for (index, product) in profile.products.enumerated() {
            let zones: [(id: String?, name: String?, share: Double)] =
                product.zones.isEmpty ? [(nil, nil, 1)] : product.zones.map { ($0.id, $0.name, $0.share) }
            for zone in zones {
                var cumulatedCost = 0.0
                var cumulatedQuantity = 0.0
                var periodStart = firstCounted
                for dayNumber in firstCounted...wanted.upperBound {
                    let dayPeriodStart = billingPeriodStart(dayNumber)
                    if dayPeriodStart != periodStart {
                        periodStart = dayPeriodStart
                        cumulatedCost = 0
                        cumulatedQuantity = 0
                    }
                    // A weekly rhythm plus a slow drift, different per product, so each day differs.
                    let weekly = 1 + 0.2 * sin(Double(dayNumber) * 2 * .pi / 7 + Double(index))
                    let drift = 1 + 0.1 * sin(Double(dayNumber) / 11 + Double(index) * 0.7)
                    let share = (dayNumber == today ? max(elapsedToday, 0.01) : 1) * zone.share
                    // Consumed to the thousandth; priced per whole unit, as invoices do.
                    let quantity = (product.dailyQuantity * profile.scale * weekly * drift * share * 1_000).rounded() / 1_000
                    let pricing = quantity.rounded(.up)
                    let cost = pricing * product.unitPrice
                    cumulatedCost += cost
                    cumulatedQuantity += pricing
                    guard wanted.contains(dayNumber) else { continue }
                    var fields = """
                        "BillingCurrency":"\(profile.currency)","BillingPeriodStart":"\(timestamp(days: periodStart))",\
                        "ChargePeriodStart":"\(timestamp(days: dayNumber))","ChargePeriodEnd":"\(timestamp(days: dayNumber + 1))",\
                        "ConsumedQuantity":\(quantity),"ConsumedUnit":"\(product.unit)","ContractedCost":\(cost),\
                        "CumulatedContractedCost":\(cumulatedCost),"CumulatedPricingQuantity":\(Int(cumulatedQuantity)),\
                        "PricingQuantity":\(Int(pricing)),"ServiceName":"\(product.service)"
                        """
                    if profile.generation == .current {
                        fields += currentColumns(
                            account: account, profile: profile, product: product, zone: (zone.id, zone.name), cost: cost)
                    }
                    records.append("{" + fields + "}")
                }
            }
        }
        return (200, #"{"success":true,"errors":[],"messages":[],"result":["# + records.joined(separator: ",") + "]}")
    }

    /// The 16 columns today's path adds to the first path's 11.
    private static func currentColumns(
        account: AccountID, profile: Profile, product: Product, zone: (id: String?, name: String?), cost: Double
    ) -> String {
        func text(_ value: String?) -> String { value.map { "\"\($0)\"" } ?? "null" }
        return """
            ,"BilledCost":\(cost),"BillingAccountId":"\(account.rawValue)","BillingAccountName":\(text(profile.name)),\
            "ChargeCategory":"Usage","ChargeClass":null,"ChargeDescription":"\(product.service) \(product.unit.lowercased())",\
            "EffectiveCost":\(cost),"HostProviderName":"Cloudflare","InvoiceIssuerName":"Cloudflare, Inc.","ListCost":\(cost),\
            "PricingUnit":"\(product.pricingUnit)","ServiceProviderName":"Cloudflare","ServiceFamilyName":"\(product.family)",\
            "SubscriptionId":"\(subscriptionID(account))","ZoneId":\(text(zone.id)),"ZoneName":\(text(zone.name))
            """
    }

    private static func timestamp(days: Int) -> String {
        CivilCalendar.formatDate(Double(days) * 86_400) + "T00:00:00Z"
    }

    private static func timestamp(seconds: Double) -> String {
        CivilCalendar.formatDateTime(seconds)
    }
}
