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
            "--web.config.file", "--web.max-requests", "--web.max-connections", "--cloudflare.max-body-size", "--cloudflare.max-stale",
            "HTTPS_PROXY", "SIGHUP", "--config.file", "--shard", "--total-shards",
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
        try expectUsageError(
            ["backfill", "--demo", "--from", "2026-11-01", "--output", "/nonexistent/x", "--web.config.file=web.yml"],
            mentions: ["--web.config.file", "backfill"])
    }

    @Test func missingTokenExitsTwoWithTheFix() throws {
        try expectUsageError(["--cloudflare.account-id", TestAccounts.id(1)], mentions: ["CLOUDFLARE_API_TOKEN", "Billing Read"])
    }

    @Test func missingAccountExitsTwo() throws {
        try expectUsageError(
            [], environment: Self.environment.merging(["CLOUDFLARE_API_TOKEN": "abc"]) { $1 },
            mentions: ["--cloudflare.account-id", "CLOUDFLARE_ACCOUNT_ID"])
    }

    @Test(arguments: ["0123", "0DDBA11C0FFEE0000000000000000001", "zz3456789abcdef0123456789abcdef0", "0123456789abcdef0123456789abcdef0"])
    func malformedAccountIDExitsTwo(id: String) throws {
        try expectUsageError(
            ["--cloudflare.account-id", id], environment: Self.environment.merging(["CLOUDFLARE_API_TOKEN": "abc"]) { $1 },
            mentions: ["account id", "32-character"])
    }

    @Test func malformedAccountFromEnvironmentExitsTwo() throws {
        let environment = Self.environment.merging(["CLOUDFLARE_API_TOKEN": "abc", "CLOUDFLARE_ACCOUNT_ID": "\(TestAccounts.id(1)),bogus"])
        { $1 }
        try expectUsageError([], environment: environment, mentions: ["5 characters, not 32"])
        #expect(try !run([], environment: environment).stderr.contains("bogus"))
    }

    /// A 40-character API token or a 37-character global key pasted as an account id is a secret:
    /// the message gives its length and what is wrong, never the value.
    @Test(arguments: [
        ("0123456789ABCDEFghijklmnopqrstuvwxyz_-01", "40 characters"),
        ("0123456789abcdef0123456789abcdef01234", "37 characters"),
        ("0123456789ABCDEF0123456789ABCDEF", "upper-case"),
        ("0123456789abcdef0123456789abcdeg", "other than 0-9 and a-f"),
    ])
    func anAccountIDThatMightBeASecretIsNeverEchoed(value: String, problem: String) throws {
        let environment = Self.environment.merging(["CLOUDFLARE_API_TOKEN": "abc"]) { $1 }
        try expectUsageError(["--cloudflare.account-id", value], environment: environment, mentions: [problem])
        let result = try run(["--cloudflare.account-id", value], environment: environment)
        #expect(!result.stderr.contains(value))
        #expect(!result.stderr.contains(String(value.prefix(12))), "not even part of it")
    }

    /// An https:// proxy would be spoken to in plain HTTP, its password in clear: refused.
    @Test func aTLSProxyIsRefusedWithoutEchoingItsPassword() throws {
        for variable in ["HTTPS_PROXY", "https_proxy"] {
            let environment = Self.environment.merging([
                "CLOUDFLARE_API_TOKEN": "abc", variable: "https://user:hunter2pass@proxy.example:3128",
            ]) { $1 }
            try expectUsageError(
                ["--cloudflare.account-id", TestAccounts.id(1)], environment: environment, mentions: ["HTTPS_PROXY", "http://"])
            #expect(try !run(["--cloudflare.account-id", TestAccounts.id(1)], environment: environment).stderr.contains("hunter2pass"))
        }
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
        (["--web.max-requests", "100001"], "--web.max-requests"),
        (["--web.max-requests", "99999999999999999999999"], "--web.max-requests"),
        // Each of these overflowed a Double-to-Int64 conversion and trapped (exit 132).
        (["--cloudflare.refresh-interval=300000000y"], "--cloudflare.refresh-interval"),
        (["--cloudflare.rate-limit=1/300y"], "--cloudflare.rate-limit"),
        (["--cloudflare.timeout=1000000000000y"], "--cloudflare.timeout"),
        (["--cloudflare.refresh-interval=32d"], "--cloudflare.refresh-interval"),
        (["--cloudflare.refresh-interval=\(String(repeating: "9", count: 400))s"], "--cloudflare.refresh-interval"),
        (["--cloudflare.timeout=11m"], "--cloudflare.timeout"),
        (["--cloudflare.timeout=5ms"], "--cloudflare.timeout"),
        (["--cloudflare.rate-limit=0/5m"], "--cloudflare.rate-limit"),
        (["--cloudflare.rate-limit=1000001/5m"], "--cloudflare.rate-limit"),
        (["--cloudflare.rate-limit=600/2d"], "--cloudflare.rate-limit"),
        (["--cloudflare.rate-limit=600/500ms"], "--cloudflare.rate-limit"),
        (["--cloudflare.max-stale=367d"], "--cloudflare.max-stale"),
        (["--cloudflare.max-body-size=5GiB"], "--cloudflare.max-body-size"),
        (["--cloudflare.max-body-size=99999999999999999999GiB"], "--cloudflare.max-body-size"),
        (["--cloudflare.max-series-per-account=0"], "--cloudflare.max-series-per-account"),
        (["--cloudflare.max-series-per-account=1000001"], "--cloudflare.max-series-per-account"),
        (["--web.max-requests", "many"], "--web.max-requests"),
        (["--web.max-connections", "0"], "--web.max-connections"),
        (["--web.max-connections", "65537"], "--web.max-connections"),
        (["--web.max-connections", "lots"], "--web.max-connections"),
        (["--web.config.file", "/nonexistent/web.yml"], "--web.config.file"),
        (["--budget.config-file", "/nonexistent/budgets.yml"], "--budget.config-file"),
        (["--total-shards", "0"], "--total-shards"),
        (["--total-shards", "1001"], "--total-shards"),
        (["--shard", "2", "--total-shards", "2"], "--shard"),
        (["--shard", "-1"], "--shard"),
    ])
    func invalidFlagValuesExitTwo(arguments: [String], flag: String) throws {
        try expectUsageError(["--demo"] + arguments, mentions: [flag])
    }

    @Test func demoRefusesRealAccounts() throws {
        try expectUsageError(["--demo", "--cloudflare.account-id", TestAccounts.id(1)], mentions: ["--demo"])
        try expectUsageError(["--demo", "--config.file", "/nonexistent/exporter.yml"], mentions: ["--demo"])
    }

    /// The binary stops at a broken --config.file with one line and exit code 2, and at the
    /// one-token flags given beside it.
    @Test func aBrokenConfigFileExitsTwo() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("exporter-\(UInt64.random(in: 0...UInt64.max)).yml").path
        defer { try? FileManager.default.removeItem(atPath: file) }
        try "credentials:\n  - name: a\n    api_token_env: NOT_SET_ANYWHERE\n    discover: true\n".write(
            toFile: file, atomically: true, encoding: .utf8)
        try expectUsageError(["--config.file", file], mentions: ["--config.file", "NOT_SET_ANYWHERE"])
        try expectUsageError(["--config.file", "/nonexistent/exporter.yml"], mentions: ["--config.file"])
        try expectUsageError(
            ["--config.file", file, "--cloudflare.account-id", TestAccounts.id(1)], mentions: ["--cloudflare.account-id", "--config.file"])
    }

    @Test func invalidAPIURLAndPathExitTwo() throws {
        let environment = Self.environment.merging(["CLOUDFLARE_API_TOKEN": "abc"]) { $1 }
        try expectUsageError(
            ["--cloudflare.account-id", TestAccounts.id(1), "--cloudflare.api-url", "ftp://x"], environment: environment,
            mentions: ["--cloudflare.api-url"])
        try expectUsageError(
            ["--cloudflare.account-id", TestAccounts.id(1), "--cloudflare.usage-path", "/accounts/usage"], environment: environment,
            mentions: ["{account_id}"])
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
            if let text = try? await exporter.scrape(), text.contains("cloudflare_paygo_contracted_cost") {
                body = text
                break
            }
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
