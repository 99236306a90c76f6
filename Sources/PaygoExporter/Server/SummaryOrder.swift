/// How the summary table is sorted: the `sort` query parameter of `/`.
enum SummaryOrder: String, Sendable, CaseIterable {
    /// Within each currency, highest period-to-date cost first (costs in different currencies
    /// are never compared, so the currencies come one after the other).
    case cost
    /// By the account's name (its id while the name is unknown).
    case name
    /// What needs attention first: down, pending, up, not covered.
    case state

    static let `default` = SummaryOrder.cost
}
