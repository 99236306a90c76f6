/// The bar of one currency's spend and forecast against its budget: the spend solid, the
/// forecast lighter behind it, the budget a mark, all on one scale that fits the largest of
/// the three. Inline SVG, coloured by the page's CSS.
struct BudgetBar: Sendable {
    var spent: Double?
    var forecast: Double?
    var budget: Budget

    /// How the bar is coloured: over the budget, past its warning share, or within.
    enum Level: String, Sendable {
        case within = "ok"
        case warning = "warn"
        case over = "over"
    }

    var level: Level {
        let highest = max(spent ?? 0, forecast ?? 0)
        if highest > budget.amount { return .over }
        if highest >= budget.amount * budget.warnRatio { return .warning }
        return .within
    }

    func render() -> String {
        let scale = [spent ?? 0, forecast ?? 0, budget.amount].filter(\.isFinite).max() ?? 1
        func width(_ value: Double?) -> String {
            guard let value, value.isFinite, scale > 0 else { return "0" }
            return HumanFormat.exact((min(max(value / scale, 0), 1) * 1_000).rounded() / 10)
        }
        let currency = HTMLEscaping.escape(budget.currency)
        var parts: [String] = []
        if let spent { parts.append("spent \(HumanFormat.percent(spent / budget.amount))") }
        if let forecast { parts.append("forecast \(HumanFormat.percent(forecast / budget.amount))") }
        let label = "\(parts.joined(separator: ", ")) of a \(currency) \(HumanFormat.amount(budget.amount)) budget"
        return """
            <svg class="bar \(level.rawValue)" viewBox="0 0 100 10" preserveAspectRatio="none" role="img" aria-label="\(label)" \
            xmlns="http://www.w3.org/2000/svg"><title>\(label)</title>\
            <rect class="track" x="0" y="0" width="100" height="10"/>\
            <rect class="forecast" x="0" y="0" width="\(width(forecast))" height="10"/>\
            <rect class="spent" x="0" y="0" width="\(width(spent))" height="10"/>\
            <rect class="budget" x="\(width(budget.amount))" y="0" width="0.8" height="10" transform="translate(-0.8 0)"/></svg>
            """
    }
}
