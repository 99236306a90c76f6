/// The HTML pages on `/` (every account at a glance) and `/accounts/<id>` (one account in
/// full): what the exporter knows of spend and health, rendered by the exporter itself.
///
/// No script, no external asset, no image: the pages work offline and behind the exporter's
/// TLS and basic auth, and look the same with images off. Everything taken from the API, the
/// configuration or the request is escaped, and every list is bounded, so a page's size and
/// render time do not grow with what an answer holds (see `rowsPerPage`, `AccountFigures`).
struct LandingPage: Sendable {
    var telemetryPath: String
    var demo: Bool

    /// Rows of the summary table per page: with 1,000 accounts `/` stays a page a phone opens.
    static let rowsPerPage = 200

    /// The whole document around `body`.
    func document(title: String, _ body: String) -> String {
        """
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <meta name="color-scheme" content="light dark">
        <link rel="icon" href="data:,">
        <title>\(HTMLEscaping.escape(title, limit: 120))</title>
        <style>
        \(LandingPageStyle.css)</style>
        </head>
        <body>
        \(header())
        <main>
        \(body)</main>
        </body>
        </html>

        """
    }

    private func header() -> String {
        let path = HTMLEscaping.escape(telemetryPath)
        let demoNote =
            demo ? "<p class=\"demo\"><strong>Demo mode</strong>: built-in sample data, no Cloudflare calls.</p>\n" : ""
        return """
            <header>
            <p class="brand"><a href="/">Cloudflare PayGo Exporter</a></p>
            <p class="muted">Version \(HTMLEscaping.escape(BuildInfo.version)) (revision \(HTMLEscaping.escape(BuildInfo.revision)), \
            Swift \(HTMLEscaping.escape(BuildInfo.swiftVersion))) &middot; <a href="\(path)">Metrics</a> (<code>\(path)</code>) &middot; \
            <a href="/-/healthy">Health</a> &middot; <a href="/-/ready">Readiness</a></p>
            \(demoNote)</header>
            """
    }

    /// A money cell or figure: the amount for people, the exact value one hover away.
    static func money(_ value: Double?, _ currency: String, class name: String) -> String {
        guard let value else { return "<span class=\"\(name) muted\">-</span>" }
        let currency = HTMLEscaping.escape(currency)
        return "<span class=\"\(name)\" title=\"\(currency) \(HumanFormat.exact(value))\">\(currency) \(HumanFormat.amount(value))</span>"
    }

    /// A time for people, the Unix seconds on hover.
    static func time(_ value: Double?) -> String {
        guard let value else { return "<span class=\"muted\">-</span>" }
        return "<time title=\"\(HumanFormat.exact(value))\">\(HumanFormat.dateTime(value))</time>"
    }

    static func stateBadge(_ state: AccountState) -> String {
        "<span class=\"state \(state.cssClass)\">\(state.label)</span>"
    }

    /// The link to an account's page, named as everywhere else.
    static func accountLink(_ figures: AccountFigures) -> String {
        let name = HTMLEscaping.escape(figures.displayName, limit: 80)
        let title = figures.hasName ? " title=\"\(HTMLEscaping.escape(figures.displayName, limit: 500))\"" : ""
        return "<a class=\"account\" href=\"/accounts/\(figures.account.rawValue)\"\(title)>\(name)</a>"
    }
}
