import Foundation
import NIOCore
import PaygoExporter
import Testing

/// The binary as operators run it: secrets never leak, SIGHUP reloads the token.
@Suite struct ProcessLevelTests {
    @Test func tokenNeverAppearsAnywhereOnAnyErrorPath() async throws {
        let canary = TestAccounts.secretToken
        let example = try AnswerBuilder.fixture("paygo-example.json")
        let api = StandInCloudflareAPI()
        api.reply(for: TestAccounts.id(1), with: .json(example))
        api.reply(
            for: TestAccounts.id(2), with: .json(AnswerBuilder.failure(code: 9109, message: "Invalid access token \(canary)"), status: 401))
        api.reply(
            for: TestAccounts.id(3),
            with: .json(AnswerBuilder.failure(code: 10000, message: "Authentication error for Bearer \(canary)"), status: 403))
        api.reply(
            for: TestAccounts.id(4),
            with: .json(AnswerBuilder.failure(code: 971, message: "rate limited \(canary)"), status: 429, headers: ["Retry-After": "1"]))
        api.reply(for: TestAccounts.id(5), with: .html("<html>\(canary)</html>", status: 500))
        api.reply(for: TestAccounts.id(6), with: .json(String(example.prefix(40))))
        api.reply(for: TestAccounts.id(7), with: .json(AnswerBuilder.failure(code: 1001, message: "bad \(canary)"), status: 200))
        api.reply(for: TestAccounts.id(9), with: .json(example, delay: .seconds(5)))
        try await api.serve { baseURL in
            let accounts = (1...9).map(TestAccounts.id)
            let exporter = try ExporterProcess(
                arguments: [
                    "--cloudflare.api-url", baseURL, "--cloudflare.timeout", "1s", "--cloudflare.refresh-interval", "3s",
                    "--log.level", "debug",
                ] + accounts.flatMap { ["--cloudflare.account-id", $0] },
                environment: ["CLOUDFLARE_API_TOKEN": canary, "PATH": "/usr/bin:/bin"])
            try await exporter.waitUntilReady()
            let client = exporter.client
            var served = ""
            for path in ["/metrics", "/", "/-/ready", "/-/healthy", "/nope", "/metrics?x=\(canary)"] {
                served += String(buffer: try await client.get(path).body)
            }
            #expect(served.contains(#"cloudflare_paygo_up{account_id="\#(TestAccounts.id(1))"} 1"#))
            #expect(served.contains("[redacted]"), "echoed API messages are shown with the token cut out")
            let metrics = try ParsedExposition(String(buffer: try await client.get("/metrics").body))
            for reason in ["auth", "rate_limited", "http", "decode", "api_error", "not_found", "timeout"] {
                let counts = metrics.matching("cloudflare_paygo_refresh_errors_total", ["reason": reason])
                #expect(counts.contains { $0.value > 0 }, "reason \(reason) was exercised")
            }
            #expect(await exporter.stop() == 0)
            let written = exporter.standardOutput + exporter.standardError
            #expect(written.contains("refresh failed"))
            #expect(!written.contains(canary), "the token leaked into the process output")
            #expect(!served.contains(canary), "the token leaked into what the exporter served")
            #expect(!written.contains(String(canary.prefix(12))), "not even partly")
        }
        let help = try ProcessRunner.run(CommandLineTests.binary, ["--help"], environment: ["CLOUDFLARE_API_TOKEN": canary])
        #expect(!help.stdout.contains(canary) && !help.stderr.contains(canary))
    }

    @Test func sighupReloadsTheTokenFile() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("token-\(UInt64.random(in: 0...UInt64.max))").path
        try "first-token\n".write(toFile: path, atomically: false, encoding: .utf8)
        // A whole-second time survives the round trip exactly, so only the signal can differ.
        let fixedTime = Date(timeIntervalSince1970: 1_790_000_000)
        try FileManager.default.setAttributes([.modificationDate: fixedTime], ofItemAtPath: path)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let api = StandInCloudflareAPI()
        api.reply(for: TestAccounts.id(1), with: .json(try AnswerBuilder.fixture("paygo-example.json")))
        try await api.serve { baseURL in
            let exporter = try ExporterProcess(
                arguments: [
                    "--cloudflare.api-url", baseURL, "--cloudflare.refresh-interval", "1s", "--cloudflare.api-token-file", path,
                    "--cloudflare.account-id", TestAccounts.id(1),
                ],
                environment: ["PATH": "/usr/bin:/bin"])
            try await exporter.waitUntilReady()
            #expect(api.requests.last?.headers["authorization"] == "Bearer first-token")
            // Same modification time, size and inode, new content: only the signal can make it visible.
            try "secnd-token\n".write(toFile: path, atomically: false, encoding: .utf8)
            try FileManager.default.setAttributes([.modificationDate: fixedTime], ofItemAtPath: path)
            try await Task.sleep(for: .milliseconds(1_500))
            #expect(api.requests.last?.headers["authorization"] == "Bearer first-token", "no reload without a signal or a change")
            exporter.signal(SIGHUP)
            let deadline = ContinuousClock.now + .seconds(10)
            while api.requests.last?.headers["authorization"] != "Bearer secnd-token", ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(100))
            }
            #expect(api.requests.last?.headers["authorization"] == "Bearer secnd-token")
            #expect(await exporter.stop() == 0)
            #expect(exporter.standardError.contains("reloaded API token"))
            #expect(exporter.standardError.contains("trigger=SIGHUP"))
            #expect(!exporter.standardError.contains("secnd-token"))
        }
    }
}
