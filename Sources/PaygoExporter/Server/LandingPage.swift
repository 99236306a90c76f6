/// The small HTML page on `/`: what this is, where the metrics are, and how each account's
/// refreshes are going. Everything it echoes is escaped.
enum LandingPage {
    static func render(telemetryPath: String, entries: [SnapshotStore.Entry], demo: Bool) -> String {
        let path = HTMLEscaping.escape(telemetryPath)
        var rows = ""
        for entry in entries {
            let health = entry.snapshot.health
            let state =
                switch health.up {
                case nil: "pending"
                case true?: "up"
                case false?: "down"
                }
            rows +=
                "<tr><td><code>\(HTMLEscaping.escape(entry.snapshot.account.rawValue))</code></td>"
                + "<td class=\"\(state)\">\(state)</td>"
                + "<td>\(format(health.lastAttemptTime))</td>"
                + "<td>\(format(health.lastSuccessTime))</td>"
                + "<td>\(format(health.nextRefreshTime))</td>"
                + "<td>\(entry.snapshot.usage.map { String($0.recordCount) } ?? "-")</td>"
                + "<td>\(HTMLEscaping.escape(health.lastError ?? ""))</td></tr>\n"
        }
        return """
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <title>Cloudflare PayGo Exporter</title>
            <style>
            body { font-family: sans-serif; margin: 2em; }
            table { border-collapse: collapse; }
            td, th { border: 1px solid #ccc; padding: 0.3em 0.6em; text-align: left; vertical-align: top; }
            .up { color: #1a7f37; } .down { color: #cf222e; } .pending { color: #9a6700; }
            </style>
            </head>
            <body>
            <h1>Cloudflare PayGo Exporter</h1>
            <p>Version \(HTMLEscaping.escape(BuildInfo.version)) (revision \(HTMLEscaping.escape(BuildInfo.revision)), Swift \(BuildInfo.swiftVersion))\(demo ? " &mdash; <strong>demo mode</strong>: built-in sample data, no Cloudflare calls" : "")</p>
            <ul>
            <li><a href="\(path)">Metrics</a> (<code>\(path)</code>)</li>
            <li><a href="/-/healthy">Health</a> and <a href="/-/ready">readiness</a></li>
            </ul>
            <h2>Accounts</h2>
            <table>
            <tr><th>Account</th><th>State</th><th>Last refresh (UTC)</th><th>Last success (UTC)</th><th>Next refresh (UTC)</th><th>Records</th><th>Last error</th></tr>
            \(rows)</table>
            </body>
            </html>

            """
    }

    private static func format(_ time: Double?) -> String {
        guard let time else { return "-" }
        let seconds = Int(time)
        let day = CivilCalendar.formatDate(Double(seconds))
        let inDay = ((seconds % 86_400) + 86_400) % 86_400
        func pad(_ value: Int) -> String { value < 10 ? "0\(value)" : String(value) }
        return "\(day) \(pad(inDay / 3_600)):\(pad(inDay / 60 % 60)):\(pad(inDay % 60))"
    }
}
