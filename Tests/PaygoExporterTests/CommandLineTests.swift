import Foundation
import PaygoExporter
import Testing

/// The built binary, run as a user would run it.
@Suite struct CommandLineTests {
    static var binary: String {
        if let path = ProcessInfo.processInfo.environment["PAYGO_EXPORTER_BINARY"] { return path }
        let testBinary = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        return testBinary.deletingLastPathComponent().appendingPathComponent("cloudflare-paygo-exporter").path
    }

    /// A clean environment, so the developer's own Cloudflare variables never leak in.
    static let environment = ["PATH": "/usr/bin:/bin"]

    private func run(_ arguments: [String], environment: [String: String] = environment) throws -> ProcessRunner.Result {
        try ProcessRunner.run(Self.binary, arguments, environment: environment)
    }

    private func expectUsageError(_ arguments: [String], environment: [String: String] = environment, mentions: [String]) throws {
        let result = try run(arguments, environment: environment)
        #expect(result.status == 2, "\(arguments): \(result.stderr)")
        let lines = result.stderr.split(separator: "\n")
        #expect(lines.count == 1, "one line: \(result.stderr)")
        for word in mentions { #expect(result.stderr.contains(word), "\(arguments) should mention \(word): \(result.stderr)") }
        #expect(result.stdout.isEmpty)
    }

    @Test func versionAndHelp() throws {
        let version = try run(["--version"])
        #expect(version.status == 0)
        #expect(version.stdout.contains("cloudflare-paygo-exporter, version \(BuildInfo.version)"))
        let help = try run(["--help"])
        #expect(help.status == 0)
        for flag in [
            "--web.listen-address", "--web.telemetry-path", "--cloudflare.account-id", "--cloudflare.api-token-file",
            "--cloudflare.api-url", "--cloudflare.usage-path", "--cloudflare.refresh-interval", "--cloudflare.timeout",
            "--log.level", "--log.format", "--demo", "--version", "CLOUDFLARE_API_TOKEN", "CLOUDFLARE_ACCOUNT_ID",
            "--web.config.file", "--web.max-requests", "--web.max-connections", "--cloudflare.max-body-size", "--cloudflare.max-stale", "HTTPS_PROXY", "SIGHUP",
        ] {
            #expect(help.stdout.contains(flag), "--help mentions \(flag)")
        }
    }

    @Test func unknownFlagExitsTwo() throws {
        try expectUsageError(["--no-such-flag"], mentions: ["--no-such-flag", "--help"])
    }

    @Test func serverFlagsAreRefusedWhereNothingIsServed() throws {
        try expectUsageError(["once", "--demo", "--web.listen-address=:0"], mentions: ["--web.listen-address", "once"])
        try expectUsageError(["--web.max-requests", "3", "once", "--demo"], mentions: ["--web.max-requests", "once"])
        try expectUsageError(["backfill", "--demo", "--from", "2026-11-01", "--output", "/nonexistent/x", "--web.config.file=web.yml"],
                             mentions: ["--web.config.file", "backfill"])
    }

    @Test func missingTokenExitsTwoWithTheFix() throws {
        try expectUsageError(["--cloudflare.account-id", TestAccounts.id(1)], mentions: ["CLOUDFLARE_API_TOKEN", "Billing Read"])
    }

    @Test func missingAccountExitsTwo() throws {
        try expectUsageError([], environment: Self.environment.merging(["CLOUDFLARE_API_TOKEN": "abc"]) { $1 }, mentions: ["--cloudflare.account-id", "CLOUDFLARE_ACCOUNT_ID"])
    }

    @Test(arguments: ["0123", "0DDBA11C0FFEE0000000000000000001", "zz3456789abcdef0123456789abcdef0", "0123456789abcdef0123456789abcdef0"])
    func malformedAccountIDExitsTwo(id: String) throws {
        try expectUsageError(["--cloudflare.account-id", id], environment: Self.environment.merging(["CLOUDFLARE_API_TOKEN": "abc"]) { $1 }, mentions: ["account id", "32-character"])
    }

    @Test func malformedAccountFromEnvironmentExitsTwo() throws {
        let environment = Self.environment.merging(["CLOUDFLARE_API_TOKEN": "abc", "CLOUDFLARE_ACCOUNT_ID": "\(TestAccounts.id(1)),bogus"]) { $1 }
        try expectUsageError([], environment: environment, mentions: ["\"bogus\""])
    }

    @Test func unreadableTokenFileExitsTwo() throws {
        try expectUsageError(
            ["--cloudflare.account-id", TestAccounts.id(1), "--cloudflare.api-token-file", "/nonexistent/token"],
            mentions: ["/nonexistent/token", "readable"])
    }

    @Test func tokenWithSpacesIsRejectedWithoutPrintingIt() throws {
        let environment = Self.environment.merging(["CLOUDFLARE_API_TOKEN": "secret part two"]) { $1 }
        try expectUsageError(["--cloudflare.account-id", TestAccounts.id(1)], environment: environment, mentions: ["CLOUDFLARE_API_TOKEN"])
        let result = try run(["--cloudflare.account-id", TestAccounts.id(1)], environment: environment)
        #expect(!result.stderr.contains("secret"))
    }

    @Test(arguments: [
        (["--web.listen-address", "nope"], "--web.listen-address"),
        (["--web.listen-address", ":99999"], "--web.listen-address"),
        (["--web.telemetry-path", "metrics"], "--web.telemetry-path"),
        (["--log.level", "loud"], "--log.level"),
        (["--log.format", "xml"], "--log.format"),
        (["--cloudflare.refresh-interval", "often"], "--cloudflare.refresh-interval"),
        (["--cloudflare.timeout", "0s"], "--cloudflare.timeout"),
        (["--cloudflare.max-body-size", "lots"], "--cloudflare.max-body-size"),
        (["--cloudflare.max-body-size", "10"], "--cloudflare.max-body-size"),
        (["--cloudflare.max-stale", "forever"], "--cloudflare.max-stale"),
        (["--web.max-requests", "-1"], "--web.max-requests"),
        (["--web.max-requests", "many"], "--web.max-requests"),
        (["--web.max-connections", "0"], "--web.max-connections"),
        (["--web.max-connections", "65537"], "--web.max-connections"),
        (["--web.max-connections", "lots"], "--web.max-connections"),
        (["--web.config.file", "/nonexistent/web.yml"], "--web.config.file"),
        (["--budget.config-file", "/nonexistent/budgets.yml"], "--budget.config-file"),
    ])
    func invalidFlagValuesExitTwo(arguments: [String], flag: String) throws {
        try expectUsageError(["--demo"] + arguments, mentions: [flag])
    }

    @Test func demoRefusesRealAccounts() throws {
        try expectUsageError(["--demo", "--cloudflare.account-id", TestAccounts.id(1)], mentions: ["--demo"])
    }

    @Test func invalidAPIURLAndPathExitTwo() throws {
        let environment = Self.environment.merging(["CLOUDFLARE_API_TOKEN": "abc"]) { $1 }
        try expectUsageError(["--cloudflare.account-id", TestAccounts.id(1), "--cloudflare.api-url", "ftp://x"], environment: environment, mentions: ["--cloudflare.api-url"])
        try expectUsageError(["--cloudflare.account-id", TestAccounts.id(1), "--cloudflare.usage-path", "/accounts/usage"], environment: environment, mentions: ["{account_id}"])
    }

    @Test func demoRunsServesAndStopsCleanlyOnSIGTERM() async throws {
        let port = ExporterProcess.randomPort()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.binary)
        process.arguments = ["--demo", "--web.listen-address", "127.0.0.1:\(port)", "--log.format", "json"]
        process.environment = Self.environment
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        defer { if process.isRunning { process.terminate() } }
        let exporter = RunningExporter(baseURL: "http://127.0.0.1:\(port)", logLines: LogLines())
        var body = ""
        for _ in 0..<100 {
            if let text = try? await exporter.scrape(), text.contains("cloudflare_paygo_contracted_cost") { body = text; break }
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(body.contains(#"currency="EUR""#))
        // SIGHUP with nothing to reload must not end the process.
        kill(process.processIdentifier, SIGHUP)
        try await Task.sleep(for: .milliseconds(300))
        #expect(process.isRunning, "SIGHUP is trapped in demo mode too")
        #expect(try await exporter.get("/-/healthy").status == 200)
        let second = try run(["--demo", "--web.listen-address", "127.0.0.1:\(port)"])
        #expect(second.status == 2, "a taken address is a startup error")
        #expect(second.stderr.contains("cannot listen on --web.listen-address 127.0.0.1:\(port): the address is already in use"))
        kill(process.processIdentifier, SIGTERM)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        let log = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let lines = log.split(separator: "\n")
        #expect(lines.contains { $0.contains(#""msg":"stopped""#) }, "\(log)")
        #expect(lines.allSatisfy { $0.hasPrefix("{\"ts\":") && $0.hasSuffix("}") }, "every line is JSON: \(log)")
    }
}
