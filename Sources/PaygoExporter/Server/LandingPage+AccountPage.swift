extension LandingPage {
    /// `/accounts/<id>`: per currency the period so far, the forecast, the budget, the daily
    /// chart and the top services; then the account's health.
    func accountPage(_ figures: AccountFigures) -> String {
        let name = HTMLEscaping.escape(figures.displayName, limit: 200)
        var body = "<p><a href=\"/\">&larr; All accounts</a></p>\n"
        body += "<h1 class=\"account-name\">\(name)</h1>\n"
        body += "<p><code class=\"id\">\(figures.account.rawValue)</code> \(Self.stateBadge(figures.state))</p>\n"
        if figures.state == .notCovered {
            body += "<p class=\"muted\">Cloudflare's PayGo usage API does not report on this account: nothing to fix here.</p>\n"
        }
        if figures.currencies.isEmpty {
            body += "<p class=\"muted\">No usage yet.</p>\n"
        }
        for currency in figures.currencies {
            body += Self.currencySection(currency, asOf: figures.health.lastSuccessTime)
        }
        if figures.hiddenCurrencyCount > 0 {
            body += "<p class=\"muted\">\(figures.hiddenCurrencyCount) more currencies are not shown; /metrics has them all.</p>\n"
        }
        body += Self.healthSection(figures)
        return document(title: "\(figures.displayName) - Cloudflare PayGo Exporter", body)
    }

    private static func currencySection(_ figures: AccountFigures.CurrencyFigures, asOf: Double?) -> String {
        let code = figures.currency
        let escapedCode = HTMLEscaping.escape(code, limit: 16)
        var section = "<section class=\"currency\" data-currency=\"\(HTMLEscaping.escape(code))\">\n<h2>\(escapedCode)</h2>\n"
        let since = figures.periodStart.map { "since \(HumanFormat.date($0))" } ?? "&nbsp;"
        let ends =
            figures.periodEnd.map { "period ends <time title=\"\(HumanFormat.exact($0))\">\(HumanFormat.date($0))</time>" } ?? "&nbsp;"
        let budgetNote = figures.budget.map { "warns at \(HumanFormat.percent($0.warnRatio))" } ?? "none configured"
        section += """
            <div class="figures">
            <div class="figure"><span class="caption">Billing-period-to-date cost</span>\(money(figures.periodToDate, code, class: "value ptd"))\
            <span class="sub">\(since)</span></div>
            <div class="figure"><span class="caption">Forecast for the billing period</span>\(money(figures.forecast, code, class: "value forecast"))\
            <span class="sub">\(ends)</span></div>
            <div class="figure"><span class="caption">Budget</span>\(money(figures.budget?.amount, code, class: "value budget"))\
            <span class="sub">\(budgetNote)</span></div>
            </div>

            """
        if let budget = figures.budget {
            let bar = BudgetBar(spent: figures.periodToDate, forecast: figures.forecast, budget: budget)
            section += "<div class=\"budget-bar \(bar.level.rawValue)\">\(bar.render())\n"
            section +=
                "<p class=\"legend\"><span class=\"key spent\"></span>spent <span class=\"key forecast\"></span>forecast "
                + "<span class=\"key budget\"></span>budget</p></div>\n"
        }
        section += "<h3>Daily cost</h3>\n"
        section +=
            DailyCostChart(
                days: figures.dailyCosts, currency: code, periodStart: figures.periodStart, periodEnd: figures.periodEnd, asOf: asOf
            )
            .render() + "\n"
        section += "<h3>Top services</h3>\n"
        section += servicesTable(figures)
        return section + "</section>\n"
    }

    private static func servicesTable(_ figures: AccountFigures.CurrencyFigures) -> String {
        guard !figures.topServices.isEmpty else { return "<p class=\"muted\">No services in this currency.</p>\n" }
        let code = figures.currency
        var table = """
            <div class="scroll"><table class="services">
            <thead><tr><th>Service</th><th>Unit</th><th class="num">Quantity to date</th><th class="num">Cost to date</th>\
            <th class="num">Share</th></tr></thead>
            <tbody>

            """
        for series in figures.topServices {
            let quantity = series.cumulatedPricingQuantity.map {
                "<span title=\"\(HumanFormat.exact($0))\">\(HumanFormat.quantity($0))</span>"
            }
            let share: String =
                if let cost = series.cumulatedContractedCost, let total = figures.periodToDate, total > 0 {
                    HumanFormat.percent(cost / total)
                } else {
                    "-"
                }
            table += """
                <tr><td title="\(HTMLEscaping.escape(series.key.service, limit: 1_000))">\(HTMLEscaping.escape(series.key.service, limit: 80))</td>\
                <td>\(HTMLEscaping.escape(series.key.unit, limit: 40))</td><td class="num">\(quantity ?? "-")</td>\
                <td class="num">\(money(series.cumulatedContractedCost, code, class: "cost"))</td><td class="num">\(share)</td></tr>

                """
        }
        table += "</tbody></table></div>\n"
        if figures.serviceCount > figures.topServices.count {
            table +=
                "<p class=\"muted\">\(figures.serviceCount - figures.topServices.count) more series in \(HTMLEscaping.escape(code)).</p>\n"
        }
        return table
    }

    private static func healthSection(_ figures: AccountFigures) -> String {
        let health = figures.health
        let error = health.lastError.map { "<span class=\"error\">\(HTMLEscaping.escape($0, limit: 2_000))</span>" } ?? "none"
        let duration = health.lastRefreshDurationSeconds.map { "\(HumanFormat.quantity(($0 * 1_000).rounded())) ms" } ?? "-"
        return """
            <section class="health">
            <h2>Health</h2>
            <dl>
            <dt>State</dt><dd>\(stateBadge(figures.state))</dd>
            <dt>Last success</dt><dd>\(time(health.lastSuccessTime))</dd>
            <dt>Next refresh</dt><dd>\(time(health.nextRefreshTime))</dd>
            <dt>Last error</dt><dd>\(error)</dd>
            <dt>Last attempt</dt><dd>\(time(health.lastAttemptTime))</dd>
            <dt>Last refresh took</dt><dd>\(duration)</dd>
            <dt>Records in the last answer</dt><dd>\(figures.recordCount.map { HumanFormat.quantity(Double($0)) } ?? "-")</dd>
            <dt>Series dropped so far</dt><dd>\(HumanFormat.quantity(Double(health.seriesDropped)))</dd>
            </dl>
            </section>

            """
    }
}
