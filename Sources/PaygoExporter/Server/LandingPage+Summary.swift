extension LandingPage {
    /// One line of the summary table: an account in one of its currencies (or in none, before
    /// its first good answer).
    private struct SummaryRow {
        var figures: AccountFigures
        var currency: AccountFigures.CurrencyFigures?
    }

    /// Per currency, what all accounts add up to: the only sums the page makes.
    private struct CurrencyTotal {
        var accounts = 0
        var periodToDate = 0.0
        var forecast = 0.0
        var forecastAccounts = 0
        var overBudget = 0
    }

    /// `/`: totals per currency, then every account's row, sorted by `order`, `rowsPerPage`
    /// at a time. Nil when `page` (1-based) is past the last page.
    func summary(_ accounts: [AccountFigures], order: SummaryOrder, page: Int) -> String? {
        var rows: [SummaryRow] = []
        rows.reserveCapacity(accounts.count)
        var totals: [String: CurrencyTotal] = [:]
        var states: [AccountState: Int] = [:]
        for figures in accounts {
            states[figures.state, default: 0] += 1
            if figures.currencies.isEmpty { rows.append(SummaryRow(figures: figures, currency: nil)) }
            for currency in figures.currencies {
                rows.append(SummaryRow(figures: figures, currency: currency))
                var total = totals[currency.currency, default: CurrencyTotal()]
                total.accounts += 1
                total.periodToDate += currency.periodToDate ?? 0
                if let forecast = currency.forecast {
                    total.forecast += forecast
                    total.forecastAccounts += 1
                }
                if let budget = currency.budget,
                    BudgetBar(spent: currency.periodToDate, forecast: currency.forecast, budget: budget).level == .over
                {
                    total.overBudget += 1
                }
                totals[currency.currency] = total
            }
        }
        let pageCount = max(1, (rows.count + Self.rowsPerPage - 1) / Self.rowsPerPage)
        guard (1...pageCount).contains(page) else { return nil }
        rows.sort(by: Self.comparator(order))
        let shown = rows[min(rows.count, (page - 1) * Self.rowsPerPage)..<min(rows.count, page * Self.rowsPerPage)]

        var body = "<h1>Spend at a glance</h1>\n"
        body += Self.totalsTable(totals)
        let stateCounts = AccountState.allCases.map { "\(HumanFormat.quantity(Double(states[$0] ?? 0))) \($0.label)" }.joined(
            separator: ", ")
        body += "<p>\(HumanFormat.quantity(Double(accounts.count))) account\(accounts.count == 1 ? "" : "s"): \(stateCounts).</p>\n"
        body += "<h2 id=\"accounts\">Accounts</h2>\n"
        body += Self.sortLinks(order)
        body += """
            <div class="scroll"><table class="accounts">
            <thead><tr><th>\(Self.sortHeader("Account", .name, order))</th><th>\(Self.sortHeader("State", .state, order))</th>\
            <th>Currency</th><th class="num">\(Self.sortHeader("Period to date", .cost, order))</th><th class="num">Forecast</th>\
            <th class="num">Budget</th><th>Last success</th></tr></thead>
            <tbody>

            """
        for row in shown {
            body += Self.summaryRow(row)
        }
        body += "</tbody></table></div>\n"
        body += Self.pageLinks(page: page, pageCount: pageCount, rowCount: rows.count, shown: shown, order: order)
        return document(title: "Cloudflare PayGo Exporter", body)
    }

    private static func comparator(_ order: SummaryOrder) -> (SummaryRow, SummaryRow) -> Bool {
        func byName(_ lhs: SummaryRow, _ rhs: SummaryRow) -> Bool {
            let left = lhs.figures.sortName, right = rhs.figures.sortName
            if left != right { return left.utf8.lexicographicallyPrecedes(right.utf8) }
            if lhs.figures.account != rhs.figures.account { return lhs.figures.account < rhs.figures.account }
            return (lhs.currency?.currency ?? "").utf8.lexicographicallyPrecedes((rhs.currency?.currency ?? "").utf8)
        }
        switch order {
        case .name:
            return byName
        case .state:
            return { lhs, rhs in lhs.figures.state != rhs.figures.state ? lhs.figures.state < rhs.figures.state : byName(lhs, rhs) }
        case .cost:
            // Costs are compared only within a currency; rows without a cost come last.
            return { lhs, rhs in
                switch (lhs.currency, rhs.currency) {
                case (nil, nil): return byName(lhs, rhs)
                case (nil, _?): return false
                case (_?, nil): return true
                case (let left?, let right?):
                    if left.currency != right.currency { return left.currency.utf8.lexicographicallyPrecedes(right.currency.utf8) }
                    let leftCost = left.periodToDate ?? -.infinity, rightCost = right.periodToDate ?? -.infinity
                    return leftCost != rightCost ? leftCost > rightCost : byName(lhs, rhs)
                }
            }
        }
    }

    private static func totalsTable(_ totals: [String: CurrencyTotal]) -> String {
        guard !totals.isEmpty else { return "<p class=\"muted\">No usage yet: the first refresh may still be under way.</p>\n" }
        var table = """
            <div class="scroll"><table class="totals">
            <thead><tr><th>Currency</th><th class="num">Accounts</th><th class="num">Billing-period-to-date cost</th>\
            <th class="num">Forecast for the billing period</th><th class="num">Forecast over budget</th></tr></thead>
            <tbody>

            """
        // Bounded like each account's currencies: the first ones by code.
        let codes = totals.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        for code in codes.prefix(AccountFigures.maxCurrencies * 4) {
            guard let total = totals[code] else { continue }
            let forecast = total.forecastAccounts > 0 ? money(total.forecast, code, class: "forecast") : money(nil, code, class: "forecast")
            table += """
                <tr data-currency="\(HTMLEscaping.escape(code))"><td>\(HTMLEscaping.escape(code, limit: 16))</td>\
                <td class="num">\(HumanFormat.quantity(Double(total.accounts)))</td>\
                <td class="num">\(money(total.periodToDate, code, class: "ptd"))</td><td class="num">\(forecast)</td>\
                <td class="num">\(HumanFormat.quantity(Double(total.overBudget)))</td></tr>

                """
        }
        return table + "</tbody></table></div>\n"
    }

    private static func sortLinks(_ order: SummaryOrder) -> String {
        let links = SummaryOrder.allCases.map { candidate in
            candidate == order
                ? "<strong aria-current=\"true\">\(candidate.rawValue)</strong>"
                : "<a href=\"/?sort=\(candidate.rawValue)#accounts\">\(candidate.rawValue)</a>"
        }
        return "<p class=\"sort\">Sort by: \(links.joined(separator: " &middot; "))</p>\n"
    }

    private static func sortHeader(_ title: String, _ column: SummaryOrder, _ order: SummaryOrder) -> String {
        column == order ? "\(title) &darr;" : "<a href=\"/?sort=\(column.rawValue)#accounts\">\(title)</a>"
    }

    private static func summaryRow(_ row: SummaryRow) -> String {
        let figures = row.figures
        let idLine = figures.hasName ? "<br><code class=\"id\">\(figures.account.rawValue)</code>" : ""
        var state = stateBadge(figures.state)
        if figures.state == .down, let error = figures.health.lastError {
            state +=
                "<br><span class=\"error\" title=\"\(HTMLEscaping.escape(error, limit: 1_000))\">\(HTMLEscaping.escape(error, limit: 120))</span>"
        }
        let currencyCells: String
        if let currency = row.currency {
            let code = currency.currency
            var budget = "<span class=\"muted\">-</span>"
            if let limit = currency.budget {
                let bar = BudgetBar(spent: currency.periodToDate, forecast: currency.forecast, budget: limit)
                let share = currency.periodToDate.map { " (\(HumanFormat.percent($0 / limit.amount)))" } ?? ""
                budget = "<span class=\"level \(bar.level.rawValue)\">\(money(limit.amount, code, class: "budget"))\(share)</span>"
            }
            currencyCells = """
                <td>\(HTMLEscaping.escape(code, limit: 16))</td><td class="num">\(money(currency.periodToDate, code, class: "ptd"))</td>\
                <td class="num">\(money(currency.forecast, code, class: "forecast"))</td><td class="num">\(budget)</td>
                """
        } else {
            currencyCells =
                "<td class=\"muted\">-</td><td class=\"num muted\">-</td><td class=\"num muted\">-</td><td class=\"num muted\">-</td>"
        }
        let currencyAttribute = row.currency.map { " data-currency=\"\(HTMLEscaping.escape($0.currency))\"" } ?? ""
        return """
            <tr data-account="\(figures.account.rawValue)"\(currencyAttribute)><td>\(accountLink(figures))\(idLine)</td><td>\(state)</td>\
            \(currencyCells)<td>\(time(figures.health.lastSuccessTime))</td></tr>

            """
    }

    private static func pageLinks(page: Int, pageCount: Int, rowCount: Int, shown: ArraySlice<SummaryRow>, order: SummaryOrder) -> String {
        guard pageCount > 1 else { return "" }
        func link(_ target: Int, _ text: String) -> String {
            "<a href=\"/?sort=\(order.rawValue)&amp;page=\(target)#accounts\">\(text)</a>"
        }
        var parts: [String] = []
        if page > 1 { parts.append(link(page - 1, "&larr; previous")) }
        parts.append("rows \(shown.startIndex + 1)&ndash;\(shown.endIndex) of \(HumanFormat.quantity(Double(rowCount)))")
        if page < pageCount { parts.append(link(page + 1, "next &rarr;")) }
        return "<nav class=\"pages\">Page \(page) of \(pageCount): \(parts.joined(separator: " &middot; "))</nav>\n"
    }
}
