/// What the landing page shows of one account, worked out once from its snapshot and budgets:
/// per currency, never across currencies.
///
/// The figures are the ones `/metrics` serves and the Grafana dashboard adds up, so the three
/// always agree: the period-to-date cost is the sum of the account's
/// `cloudflare_paygo_cumulated_contracted_cost` in that currency, the forecast is
/// `cloudflare_paygo_forecast_cost`, the budget `cloudflare_paygo_budget`.
struct AccountFigures: Sendable {
    /// One currency of the account.
    struct CurrencyFigures: Sendable {
        var currency: String
        /// Sum of the series' period-to-date costs; nil when no series carries one.
        var periodToDate: Double?
        var forecast: Double?
        var periodStart: Double?
        /// Exclusive end of the current billing period.
        var periodEnd: Double?
        var budget: Budget?
        /// The most expensive series so far, most expensive first, at most `topServices`.
        var topServices: [UsageSeries]
        /// Series in this currency, shown or not.
        var serviceCount: Int
        /// The current billing period's daily costs, oldest first.
        var dailyCosts: [CostForecast.Day]
    }

    /// Series listed per currency on an account's page.
    static let topServices = 10
    /// Currencies shown per account: a hostile answer could list thousands, and the page
    /// must stay bounded; the rest are counted, not shown.
    static let maxCurrencies = 8

    var account: AccountID
    /// The account's name if known, else its id: what every place that names it shows.
    var displayName: String
    var hasName: Bool
    /// `displayName` folded for sorting by name.
    var sortName: String
    var state: AccountState
    var health: AccountHealth
    var recordCount: Int?
    /// Sorted by currency code, at most `maxCurrencies`.
    var currencies: [CurrencyFigures]
    /// Currencies left out of `currencies`.
    var hiddenCurrencyCount: Int

    init(_ snapshot: AccountSnapshot, budgets: [Budget]) {
        account = snapshot.account
        let name = snapshot.accountName.flatMap { $0.isEmpty ? nil : $0 }
        displayName = name ?? snapshot.account.rawValue
        hasName = name != nil
        sortName = displayName.lowercased()
        state = AccountState(snapshot)
        health = snapshot.health
        recordCount = snapshot.usage?.recordCount
        let usage = snapshot.usage
        var seriesByCurrency: [String: [UsageSeries]] = [:]
        for series in usage?.series ?? [] {
            seriesByCurrency[series.key.currency, default: []].append(series)
        }
        var codes = Set(seriesByCurrency.keys)
        if let usage { codes.formUnion(usage.billingPeriodStarts.keys) }
        codes.formUnion(budgets.lazy.filter { $0.account == snapshot.account }.map(\.currency))
        let sorted = codes.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        hiddenCurrencyCount = max(0, sorted.count - Self.maxCurrencies)
        currencies = sorted.prefix(Self.maxCurrencies).map { currency in
            let series = seriesByCurrency[currency] ?? []
            let costs = series.compactMap(\.cumulatedContractedCost)
            let top = series.sorted { lhs, rhs in
                let left = lhs.cumulatedContractedCost ?? -.infinity, right = rhs.cumulatedContractedCost ?? -.infinity
                return left != right ? left > right : lhs.key < rhs.key
            }
            return CurrencyFigures(
                currency: currency,
                periodToDate: costs.isEmpty ? nil : costs.reduce(0, +),
                forecast: usage?.forecastCosts[currency],
                periodStart: usage?.billingPeriodStarts[currency],
                periodEnd: usage?.billingPeriodEnds[currency],
                budget: budgets.first { $0.account == snapshot.account && $0.currency == currency },
                topServices: Array(top.prefix(Self.topServices)),
                serviceCount: series.count,
                dailyCosts: usage?.dailyCosts[currency] ?? [])
        }
    }
}
