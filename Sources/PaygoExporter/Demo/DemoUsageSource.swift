import Foundation

/// A built-in stand-in for Cloudflare: two accounts (one billed in USD, one in EUR) with a
/// dozen services and daily records for the current billing period that move with the date.
///
/// Each account's billing day is fixed when the source is made: the USD period began 9 days
/// before, the EUR one 18 days before. A fixed calendar day would leave the demo without a
/// forecast on that day of every month (a period's first day has no complete day to project
/// from), so the dashboard, the alerts and the checks built on them would depend on the date.
///
/// It writes the JSON Cloudflare would send and hands it to the same decoder as real answers,
/// so `--demo` exercises the whole decode -> snapshot -> render path.
public struct DemoUsageSource: UsageSource {
    /// The demo's accounts (`DemoConfiguration.accounts`).
    public static var accounts: [AccountID] { DemoConfiguration.accounts }

    private struct Product {
        let service: String
        let unit: String
        /// Typical quantity per day.
        let dailyQuantity: Double
        /// Price per pricing unit.
        let unitPrice: Double
    }

    private struct Profile {
        let currency: String
        /// How many days before the source was made its current billing period began.
        let daysIntoPeriod: Int
        let scale: Double
        let products: [Product]

        /// Day of the month (1-28, so every month has it) the billing period starts on, for a
        /// source made on `madeOn` (days since 1970).
        func billingDay(madeOn: Int) -> Int {
            min(CivilCalendar.civilDate(fromDays: madeOn - daysIntoPeriod).day, 28)
        }
    }

    /// The first day (days since 1970) of the billing period that `day` falls in, for periods
    /// starting on `billingDay` of the month.
    private static func billingPeriodStart(containing day: Int, billingDay: Int) -> Int {
        let (year, month, dayOfMonth) = CivilCalendar.civilDate(fromDays: day)
        if dayOfMonth >= billingDay { return CivilCalendar.daysFromCivil(year: year, month: month, day: billingDay) }
        let previous = month == 1 ? (year - 1, 12) : (year, month - 1)
        return CivilCalendar.daysFromCivil(year: previous.0, month: previous.1, day: billingDay)
    }

    private static let products: [Product] = [
        Product(service: "Workers Standard", unit: "Requests", dailyQuantity: 12_000_000, unitPrice: 0.000_000_3),
        Product(service: "Workers Standard", unit: "CPU ms", dailyQuantity: 95_000_000, unitPrice: 0.000_000_02),
        Product(service: "Workers KV", unit: "Reads", dailyQuantity: 40_000_000, unitPrice: 0.000_000_5),
        Product(service: "Workers KV", unit: "GB-month", dailyQuantity: 30, unitPrice: 0.5),
        Product(service: "R2 Storage", unit: "GB-month", dailyQuantity: 41, unitPrice: 0.015),
        Product(service: "R2 Class A Operations", unit: "Requests", dailyQuantity: 900_000, unitPrice: 0.000_004_5),
        Product(service: "R2 Class B Operations", unit: "Requests", dailyQuantity: 7_500_000, unitPrice: 0.000_000_36),
        Product(service: "D1", unit: "Rows read", dailyQuantity: 2_500_000_000, unitPrice: 0.000_000_001),
        Product(service: "Durable Objects", unit: "Requests", dailyQuantity: 3_000_000, unitPrice: 0.000_000_15),
        Product(service: "Stream", unit: "Minutes delivered", dailyQuantity: 60_000, unitPrice: 0.001),
        Product(service: "Images", unit: "Transformations", dailyQuantity: 45_000, unitPrice: 0.000_5),
        Product(service: "Queues", unit: "Operations", dailyQuantity: 5_000_000, unitPrice: 0.000_000_4),
        Product(service: "Workers AI", unit: "Neurons", dailyQuantity: 800_000, unitPrice: 0.000_011),
        Product(service: "Argo Smart Routing", unit: "GB", dailyQuantity: 120, unitPrice: 0.1),
    ]

    private static let profiles: [AccountID: Profile] = [
        accounts[0]: Profile(currency: "USD", daysIntoPeriod: 9, scale: 1, products: products),
        accounts[1]: Profile(currency: "EUR", daysIntoPeriod: 18, scale: 0.35, products: Array(products.prefix(11))),
    ]

    private let now: @Sendable () -> Double
    /// Billing day per account, fixed at `init`.
    private let billingDays: [AccountID: Int]

    /// - Parameter now: the wall clock, Unix seconds; tests pin it. Its value at `init` fixes
    ///   the billing days.
    public init(now: @escaping @Sendable () -> Double = { Date().timeIntervalSince1970 }) {
        self.now = now
        let madeOn = Int((now() / 86_400).rounded(.down))
        billingDays = Self.profiles.mapValues { $0.billingDay(madeOn: madeOn) }
    }

    public func fetchUsage(for account: AccountID, range: UsageDateRange?) async -> UsageFetchOutcome {
        let (status, body) = Self.answer(for: account, at: now(), billingDay: billingDays[account] ?? 1, range: range)
        do throws(CloudflareAPIError) {
            let records = try UsageEndpoint.records(status: status, body: body.utf8, account: account, credentials: nil)
            return UsageFetchOutcome(result: .success(records), responseCodes: [status])
        } catch {
            return UsageFetchOutcome(result: .failure(error.refreshFailure), responseCodes: [status])
        }
    }

    /// The answer Cloudflare would give for `account` at `time`, its billing period starting
    /// on `billingDay` of the month: one record per product and day of the current billing
    /// period (or of `range`), today's covering the part of the day gone so far, nothing after
    /// today.
    static func answer(
        for account: AccountID, at time: Double, billingDay: Int, range: UsageDateRange? = nil
    ) -> (status: Int, body: String) {
        guard let profile = profiles[account] else {
            return (
                404, #"{"success":false,"errors":[{"code":7003,"message":"Could not route to this account"}],"messages":[],"result":null}"#
            )
        }
        let billingPeriodStart = { (day: Int) in Self.billingPeriodStart(containing: day, billingDay: billingDay) }
        let today = Int((time / 86_400).rounded(.down))
        let wanted = range.map { $0.firstDay...min($0.lastDay, today) } ?? (billingPeriodStart(today)...today)
        var records: [String] = []
        guard !wanted.isEmpty else { return (200, #"{"success":true,"errors":[],"messages":[],"result":[]}"#) }
        let elapsedToday = (time - Double(today) * 86_400) / 86_400
        // Cumulated columns run from each day's billing period start, so start counting there.
        let firstCounted = billingPeriodStart(wanted.lowerBound)
        for (index, product) in profile.products.enumerated() {
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
                let share = dayNumber == today ? max(elapsedToday, 0.01) : 1
                // Consumed to the thousandth; priced per whole unit, as invoices do.
                let quantity = (product.dailyQuantity * profile.scale * weekly * drift * share * 1_000).rounded() / 1_000
                let pricing = quantity.rounded(.up)
                let cost = pricing * product.unitPrice
                cumulatedCost += cost
                cumulatedQuantity += pricing
                guard wanted.contains(dayNumber) else { continue }
                records.append(
                    """
                    {"BillingCurrency":"\(profile.currency)","BillingPeriodStart":"\(timestamp(days: periodStart))",\
                    "ChargePeriodStart":"\(timestamp(days: dayNumber))","ChargePeriodEnd":"\(timestamp(days: dayNumber + 1))",\
                    "ConsumedQuantity":\(quantity),"ConsumedUnit":"\(product.unit)","ContractedCost":\(cost),\
                    "CumulatedContractedCost":\(cumulatedCost),"CumulatedPricingQuantity":\(Int(cumulatedQuantity)),\
                    "PricingQuantity":\(Int(pricing)),"ServiceName":"\(product.service)","ZoneId":null}
                    """)
            }
        }
        return (200, #"{"success":true,"errors":[],"messages":[],"result":["# + records.joined(separator: ",") + "]}")
    }

    private static func timestamp(days: Int) -> String {
        CivilCalendar.formatDate(Double(days) * 86_400) + "T00:00:00Z"
    }
}
