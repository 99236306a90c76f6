import Foundation
import NIOCore
import Testing

@testable import PaygoExporter

@Suite struct OnceAndBackfillTests {
    @Test func windowsNeverExceed62Days() throws {
        let range = try #require(UsageDateRange(from: "2026-08-25", to: "2026-11-22"))
        #expect(range.dayCount == 90)
        let windows = range.windows()
        #expect(windows.map(\.description) == ["2026-08-25..2026-10-25", "2026-10-26..2026-11-22"])
        #expect(windows.allSatisfy { $0.dayCount <= 62 })
        #expect(windows.reduce(0) { $0 + $1.dayCount } == 90)
        #expect(try #require(UsageDateRange(from: "2026-11-01", to: "2026-11-01")).windows().count == 1)
        #expect(UsageDateRange(from: "2026-11-02", to: "2026-11-01") == nil)
    }

    @Test func backfillFlagsAreChecked() throws {
        let now = 1_795_435_200.0  // 2026-11-23 08:00 UTC
        let request = try BackfillRequest(from: "2026-08-25", to: nil, step: "5m", now: now)
        #expect(request.range.toText == "2026-11-22", "--to defaults to yesterday")
        #expect(request.stepSeconds == 300)
        #expect(throws: ConfigurationError.self) { try BackfillRequest(from: "2026-13-01", to: nil, step: "5m", now: now) }
        #expect(throws: ConfigurationError.self) { try BackfillRequest(from: "2026-11-22", to: "2026-11-01", step: "5m", now: now) }
        #expect(throws: ConfigurationError.self) { try BackfillRequest(from: "2026-12-01", to: "2026-12-02", step: "5m", now: now) }
        #expect(throws: ConfigurationError.self, "today is still growing") {
            try BackfillRequest(from: "2026-11-20", to: "2026-11-23", step: "5m", now: now)
        }
        #expect(try BackfillRequest(from: "2026-11-20", to: "2026-11-22", step: "5m", now: now).range.dayCount == 3)
        #expect(throws: ConfigurationError.self) { try BackfillRequest(from: "2026-11-01", to: nil, step: "10m", now: now) }
    }

    @Test func onceWritesTheMetricsAndExitsZero() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("once-\(UInt64.random(in: 0...UInt64.max)).prom").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let printed = try ProcessRunner.run(CommandLineTests.binary, ["once", "--demo"], environment: CommandLineTests.environment)
        #expect(printed.status == 0)
        let parsed = try ParsedExposition(printed.stdout)
        #expect(parsed.matching("cloudflare_paygo_up").allSatisfy { $0.value == 1 })
        #expect(parsed.matching("cloudflare_paygo_contracted_cost").count >= 20)
        #expect(!printed.stdout.contains("process_"), "no process metrics in a textfile")
        try PromtoolCheck.checkMetrics(printed.stdout)

        let written = try ProcessRunner.run(
            CommandLineTests.binary, ["once", "--demo", "--output", path], environment: CommandLineTests.environment)
        #expect(written.status == 0)
        #expect(written.stdout.isEmpty)
        let file = try String(contentsOfFile: path, encoding: .utf8)
        #expect(try ParsedExposition(file).matching("cloudflare_paygo_contracted_cost").count >= 20)
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: FileManager.default.temporaryDirectory.path).filter {
            $0.hasSuffix(".tmp") && $0.contains("once-")
        }
        #expect(leftovers.isEmpty, "the temporary file was renamed into place")

        // "-" is standard output, as for most Unix tools, not a file named "-".
        let dashed = try ProcessRunner.run(
            CommandLineTests.binary, ["once", "--demo", "--output", "-"], environment: CommandLineTests.environment)
        #expect(dashed.status == 0)
        #expect(try ParsedExposition(dashed.stdout).matching("cloudflare_paygo_contracted_cost").count >= 20)
        #expect(!FileManager.default.fileExists(atPath: "-"))
    }

    @Test func onceExitsNonZeroWhenAnAccountFails() async throws {
        let api = StandInCloudflareAPI()
        api.reply(for: TestAccounts.id(1), with: .json(try AnswerBuilder.fixture("paygo-example.json")))
        api.reply(for: TestAccounts.id(2), with: .json(AnswerBuilder.failure(code: 10000, message: "Authentication error"), status: 401))
        let result = try await api.serve { baseURL in
            let exporter = try ExporterProcess(
                arguments: [
                    "once", "--cloudflare.api-url", baseURL, "--cloudflare.account-id", TestAccounts.id(1), "--cloudflare.account-id",
                    TestAccounts.id(2),
                ],
                environment: ["CLOUDFLARE_API_TOKEN": "t", "PATH": "/usr/bin:/bin"], listen: false)
            let status = await exporter.waitForExit()
            return (status, exporter.standardOutput, exporter.standardError)
        }
        #expect(result.0 == 1)
        let parsed = try ParsedExposition(result.1)
        #expect(parsed.value("cloudflare_paygo_up", ["account_id": TestAccounts.id(1)]) == 1)
        #expect(parsed.value("cloudflare_paygo_up", ["account_id": TestAccounts.id(2)]) == 0)
        #expect(result.2.contains("some accounts failed"))
    }

    @Test func backfillFetchesInWindowsAndWritesOpenMetricsWithTimestamps() async throws {
        let api = StandInCloudflareAPI()
        // Every window gets the same three days; what matters here is how they are asked for and written.
        api.reply(
            for: TestAccounts.id(1),
            with: .json(
                AnswerBuilder.success([
                    AnswerBuilder.record(day: 1, cost: 1.5), AnswerBuilder.record(day: 2, cost: 2.5),
                    AnswerBuilder.record(day: 2, cost: 0.5, extra: ["ZoneId": "z2"]), AnswerBuilder.record(unit: "CPU ms", day: 3, cost: 7),
                ])))
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("history-\(UInt64.random(in: 0...UInt64.max)).om").path
        defer { try? FileManager.default.removeItem(atPath: output) }
        let (status, log) = try await api.serve { baseURL in
            let exporter = try ExporterProcess(
                arguments: [
                    "backfill", "--cloudflare.api-url", baseURL, "--cloudflare.account-id", TestAccounts.id(1),
                    "--from", "2024-12-01", "--to", "2025-03-31", "--output", output,
                ],
                environment: ["CLOUDFLARE_API_TOKEN": "t", "PATH": "/usr/bin:/bin"], listen: false)
            return (await exporter.waitForExit(), exporter.standardError)
        }
        #expect(status == 0, "\(log)")
        #expect(log.contains("window 2/2") && log.contains("wrote \(output)"), "progress on stderr: \(log)")
        let queries = api.usageRequests.map(\.target)
        #expect(queries.count == 2, "no info endpoint (404): plain 62-day windows")
        #expect(queries[0].hasSuffix("?from=2024-12-01&to=2025-01-31"))
        #expect(queries[1].hasSuffix("?from=2025-02-01&to=2025-03-31"))

        let text = try String(contentsOfFile: output, encoding: .utf8)
        #expect(text.hasSuffix("# EOF\n"))
        #expect(text.contains("# TYPE cloudflare_paygo_contracted_cost gauge\n"))
        var lastTimestamp: [String: Double] = [:]
        var samples: [String: [(Double, Double)]] = [:]
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            let parts = line.split(separator: " ")
            let series = parts.dropLast(2).joined(separator: " ")
            let value = try #require(Double(parts[parts.count - 2]))
            let time = try #require(Double(parts[parts.count - 1]))
            #expect(time > (lastTimestamp[series] ?? -1), "ascending per series")
            lastTimestamp[series] = time
            samples[series, default: []].append((time, value))
        }
        let costKey =
            #"cloudflare_paygo_contracted_cost{account_id="\#(TestAccounts.id(1))",service="Workers Standard",service_family="",unit="Requests",currency="USD"}"#
        let cost = try #require(samples[costKey])
        #expect(cost.count == 2 * 288, "every 5 minutes across each of the two days")
        #expect(cost.first?.0 == 1_738_368_000 && cost.first?.1 == 1.5)
        #expect(cost.last?.0 == 1_738_540_800 - 300 && cost.last?.1 == 3, "the day's records are summed")
        #expect(zip(cost, cost.dropFirst()).allSatisfy { $1.0 - $0.0 == 300 })
        try await Self.checkWithPromtoolIfInstalled(output)
    }

    @Test func backfillWindowsStartOnTheAccountsBillingPeriods() async throws {
        let api = StandInCloudflareAPI()
        let account = TestAccounts.id(1)
        api.info(for: account, with: StandInCloudflareAPI.infoAnswer(anchor: "2024-11-15T00:00:00Z"))
        // Each window answers one record on its first day and one on its last.
        api.answer(path: "/accounts/\(account)/billable-usage") { query in
            func record(_ date: String, cost: Double) -> [String: Any] {
                AnswerBuilder.record(
                    cost: cost, extra: ["ChargePeriodStart": "\(date)T00:00:00Z", "ChargePeriodEnd": "\(date)T12:00:00Z"])
            }
            return .json(AnswerBuilder.success([record(query["from"] ?? "", cost: 1), record(query["to"] ?? "", cost: 2)]))
        }
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("periods-\(UInt64.random(in: 0...UInt64.max)).om").path
        defer { try? FileManager.default.removeItem(atPath: output) }
        let (status, log) = try await api.serve { baseURL in
            let exporter = try ExporterProcess(
                arguments: [
                    "backfill", "--cloudflare.api-url", baseURL, "--cloudflare.account-id", account,
                    "--from", "2024-12-01", "--to", "2025-03-31", "--output", output,
                ],
                environment: ["CLOUDFLARE_API_TOKEN": "t", "PATH": "/usr/bin:/bin"], listen: false)
            return (await exporter.waitForExit(), exporter.standardError)
        }
        #expect(status == 0, "\(log)")
        #expect(api.requests.filter { $0.path.hasSuffix("/billable-usage/info") }.count == 1)
        // Periods run from the 15th to the 14th: each window is whole periods, at most 62 days,
        // the first from the start of the period holding --from, the last cut at --to.
        #expect(
            api.usageRequests.map(\.target).map { String($0.drop { $0 != "?" }) } == [
                "?from=2024-11-15&to=2025-01-14", "?from=2025-01-15&to=2025-03-14", "?from=2025-03-15&to=2025-03-31",
            ])
        #expect(log.contains("window 1/3 2024-11-15..2025-01-14: 1 records"), "the day before --from is not kept: \(log)")
        let text = try String(contentsOfFile: output, encoding: .utf8)
        let days = Set(
            text.split(separator: "\n").filter { $0.hasPrefix("cloudflare_paygo_contracted_cost{") }
                .compactMap { $0.split(separator: " ").last.flatMap { Double($0) } }.map { Int($0) / 86_400 * 86_400 })
        #expect(days == [1_736_812_800, 1_736_899_200, 1_741_910_400, 1_741_996_800, 1_743_379_200])
    }

    /// promtool's own OpenMetrics reader builds blocks from the file when it is installed.
    static func checkWithPromtoolIfInstalled(_ path: String) async throws {
        guard let promtool = PromtoolCheck.path else { return }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("blocks-\(UInt64.random(in: 0...UInt64.max))").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let result = try ProcessRunner.run(promtool, ["tsdb", "create-blocks-from", "openmetrics", path, directory])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(try !FileManager.default.contentsOfDirectory(atPath: directory).isEmpty)
    }
}
