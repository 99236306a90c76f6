import Foundation
import NIOSSL
import Testing

@testable import PaygoExporter

/// Every way Cloudflare or the network misbehaves, against the exporter on loopback.
@Suite struct UpstreamFaultTests {
    let example: String
    init() throws { example = try AnswerBuilder.fixture("paygo-example.json") }

    /// Labels of the misbehaving account; account 2 is always healthy.
    static let faulty = ["account_id": TestAccounts.id(1)]
    static let healthy = ["account_id": TestAccounts.id(2)]

    /// Runs the exporter with account 1 answered by `replies` and account 2 answered well, waits
    /// until account 1 has a result, checks that account 2 was served correctly all along, and
    /// hands over the exporter, that scrape and the stand-in.
    private func withFaultyAccount(
        _ replies: [StandInCloudflareAPI.Reply],
        timeoutSeconds: Double = 5,
        interval: Duration = .seconds(600),
        maxStaleSeconds: Double = 86_400,
        customize: @escaping @Sendable (inout CloudflareAPIConfiguration) -> Void = { _ in },
        _ body: @Sendable (RunningExporter, ParsedExposition) async throws -> Void
    ) async throws -> StandInCloudflareAPI {
        let api = StandInCloudflareAPI()
        api.replies(for: TestAccounts.id(1), with: replies)
        api.reply(for: TestAccounts.id(2), with: .json(example))
        try await api.serve { baseURL in
            let configuration = TestAccounts.configuration(
                baseURL: baseURL, accounts: [1, 2], interval: interval, timeoutSeconds: timeoutSeconds,
                maxStaleSeconds: maxStaleSeconds, customize: customize)
            try await RunningExporter.with(configuration) { exporter in
                let parsed = try await exporter.scrape {
                    $0.value("cloudflare_paygo_up", Self.faulty) != nil && $0.value("cloudflare_paygo_up", Self.healthy) != nil
                }
                #expect(parsed.value("cloudflare_paygo_up", Self.healthy) == 1, "the healthy account is unaffected")
                #expect(parsed.value("cloudflare_paygo_contracted_cost", Self.healthy) == 0.75)
                try await body(exporter, parsed)
                let later = try await exporter.scrape()
                #expect(later.contains(#"cloudflare_paygo_up{account_id="\#(TestAccounts.id(2))"} 1"#), "and stays served")
            }
        }
        return api
    }

    private func requestCount(_ api: StandInCloudflareAPI, account: Int) -> Int {
        api.usageRequests.filter { $0.path.contains(TestAccounts.id(account)) }.count
    }

    @Test(arguments: [408, 409, 500, 502, 503, 520])
    func transientStatusesAreRetriedWithinOneRefresh(status: Int) async throws {
        let busy = StandInCloudflareAPI.Reply.html("<html>busy</html>", status: status)
        _ = try await withFaultyAccount([busy, busy, .json(example)]) { exporter, parsed in
            #expect(parsed.value("cloudflare_paygo_up", Self.faulty) == 1)
            #expect(parsed.value("cloudflare_paygo_api_requests_total", Self.faulty.merging(["code": String(status)]) { $1 }) == 2)
            #expect(parsed.value("cloudflare_paygo_api_requests_total", Self.faulty.merging(["code": "200"]) { $1 }) == 1)
            #expect(parsed.matching("cloudflare_paygo_refresh_errors_total", Self.faulty).allSatisfy { $0.value == 0 })
            #expect(exporter.logLines.all.contains("retrying call"))
        }
    }

    @Test func retriesStopAfterAFewAttempts() async throws {
        let api = try await withFaultyAccount([.html("<html>down</html>", status: 500)]) { _, parsed in
            #expect(parsed.value("cloudflare_paygo_up", Self.faulty) == 0)
            #expect(parsed.value("cloudflare_paygo_api_requests_total", Self.faulty.merging(["code": "500"]) { $1 }) == 3)
            #expect(parsed.value("cloudflare_paygo_refresh_errors_total", Self.faulty.merging(["reason": "http"]) { $1 }) == 1)
        }
        #expect(requestCount(api, account: 1) == 3)
    }

    @Test(arguments: [401, 403])
    func authFailuresAreNotRetriedAndNameThePermission(status: Int) async throws {
        let refused = StandInCloudflareAPI.Reply.json(AnswerBuilder.failure(code: 10000, message: "Authentication error"), status: status)
        let api = try await withFaultyAccount([refused]) { exporter, parsed in
            #expect(parsed.value("cloudflare_paygo_refresh_errors_total", Self.faulty.merging(["reason": "auth"]) { $1 }) == 1)
            #expect(exporter.logLines.all.contains("Billing Read"))
        }
        #expect(requestCount(api, account: 1) == 1)
    }

    @Test func timeoutsAreRetried() async throws {
        let api = try await withFaultyAccount([.json(example, delay: .seconds(5)), .json(example)], timeoutSeconds: 0.5) { _, parsed in
            #expect(parsed.value("cloudflare_paygo_up", Self.faulty) == 1)
            #expect(parsed.value("cloudflare_paygo_refresh_duration_seconds", Self.faulty).map { $0 >= 0.5 && $0 < 3 } == true)
        }
        #expect(requestCount(api, account: 1) == 2)
    }

    @Test func rateLimitHonoursRetryAfterAndPausesEveryAccountOnTheToken() async throws {
        let api = StandInCloudflareAPI()
        let limited = StandInCloudflareAPI.Reply.json(
            AnswerBuilder.failure(code: 971, message: "Please wait and consider throttling your request speed"),
            status: 429, headers: ["Retry-After": "2"])
        api.replies(for: TestAccounts.id(1), with: [.json(example, delay: .milliseconds(300)), limited, .json(example)])
        api.reply(for: TestAccounts.id(2), with: .json(example))
        try await api.serve { baseURL in
            let configuration = TestAccounts.configuration(baseURL: baseURL, accounts: [1, 2], interval: .milliseconds(100))
            try await RunningExporter.with(configuration) { exporter in
                _ = try await exporter.scrape(until: { $0.value("cloudflare_paygo_api_requests_total", ["code": "429"]) == 1 })
                try await Task.sleep(for: .seconds(3))
                let parsed = try await exporter.scrape()
                #expect(parsed.contains(#"cloudflare_paygo_up{account_id="\#(TestAccounts.id(1))"} 1"#))
                #expect(exporter.logLines.all.contains("pausing every account on this token"))
            }
        }
        let requests = api.usageRequests
        let firstAccountCalls = requests.indices.filter { requests[$0].path.contains(TestAccounts.id(1)) }
        try #require(firstAccountCalls.count >= 3)
        let limitedIndex = firstAccountCalls[1]
        let limitedTime = requests[limitedIndex].time
        let after = requests[(limitedIndex + 1)...]
        #expect(!after.isEmpty)
        // Calls already on the wire before the client read the 429 may land just after it
        // (the suite runs in parallel on two cores); none may start later in the window.
        for request in after {
            let offset = limitedTime.duration(to: request.time)
            #expect(offset < .milliseconds(500) || offset >= .milliseconds(1_950), "call \(offset) after the 429: \(request.path)")
        }
        #expect(after.contains { limitedTime.duration(to: $0.time) >= .milliseconds(1_950) && $0.path.contains(TestAccounts.id(1)) })
        // Before the 429, account 2 was being refreshed every 100 ms: the pause really held it back.
        #expect(requests[..<limitedIndex].filter { $0.path.contains(TestAccounts.id(2)) }.count >= 2)
    }

    @Test func trickledBodyIsCutAtTheDeadline() async throws {
        var slow = StandInCloudflareAPI.Reply.json(example)
        slow.trickle = .milliseconds(500)
        // One attempt for both accounts: the healthy one needs a deadline a loaded CI machine
        // meets (it missed 1 s once, with the soak test running beside it).
        _ = try await withFaultyAccount([slow], timeoutSeconds: 3, customize: { $0.retryPolicy.maxAttempts = 1 }) { _, parsed in
            #expect(parsed.value("cloudflare_paygo_refresh_errors_total", Self.faulty.merging(["reason": "timeout"]) { $1 }) == 1)
            // The whole body would take about 20 s (16 bytes per 500 ms); cut at the 3 s deadline
            // it ends well before half of that, even with the suite loading both cores.
            let wholeBodySeconds = Double((example.utf8.count + 15) / 16) * 0.5
            let duration = parsed.value("cloudflare_paygo_refresh_duration_seconds", Self.faulty)
            #expect(duration.map { $0 >= 3 && $0 < wholeBodySeconds / 2 } == true, "refresh took \(duration ?? -1) s")
        }
    }

    @Test(arguments: [false, true])
    func oversizedBodiesAreRefused(chunked: Bool) async throws {
        var big = StandInCloudflareAPI.Reply.json(example + String(repeating: " ", count: 4_096))
        if chunked { big.trickle = .microseconds(10) }
        _ = try await withFaultyAccount([big], customize: { $0.maxBodyBytes = 2_048 }) { exporter, parsed in
            #expect(parsed.value("cloudflare_paygo_up", Self.faulty) == 0)
            #expect(parsed.value("cloudflare_paygo_refresh_errors_total", Self.faulty.merging(["reason": "http"]) { $1 }) == 1)
            #expect(exporter.logLines.all.contains("larger than 2048 bytes"))
        }
    }

    @Test func staleUsageIsDroppedAfterMaxStale() async throws {
        _ = try await withFaultyAccount(
            [.json(example), .html("<html>down</html>", status: 500)], interval: .milliseconds(200), maxStaleSeconds: 1,
            customize: { $0.retryPolicy.maxAttempts = 1 }
        ) { exporter, _ in
            let failing = try await exporter.scrape { $0.value("cloudflare_paygo_up", Self.faulty) == 0 }
            #expect(failing.value("cloudflare_paygo_contracted_cost", Self.faulty) == 0.75, "kept while fresh enough")
            let stale = try await exporter.scrape { $0.matching("cloudflare_paygo_contracted_cost", Self.faulty).isEmpty }
            #expect(stale.value("cloudflare_paygo_up", Self.faulty) == 0)
            #expect(stale.value("cloudflare_paygo_last_success_timestamp_seconds", Self.faulty) != nil)
            #expect(stale.matching("cloudflare_paygo_records", Self.faulty).isEmpty)
        }
    }

    @Test func callsGoThroughTheConfiguredProxy() async throws {
        let api = StandInCloudflareAPI()
        api.reply(for: TestAccounts.id(1), with: .json(example))
        let proxyAuthorities = try await api.serve { baseURL in
            let proxy = try ConnectProxy(upstreamPort: try #require(URL(string: baseURL)?.port))
            defer { proxy.stop() }
            let configuration = TestAccounts.configuration(baseURL: "http://paygo-api.invalid/client/v4", accounts: [1]) {
                $0.proxy = ProxySettings(host: "127.0.0.1", port: proxy.port)
            }
            try await RunningExporter.with(configuration) { exporter in
                let parsed = try await exporter.scrape { $0.value("cloudflare_paygo_up") != nil }
                #expect(parsed.value("cloudflare_paygo_up") == 1)
            }
            return proxy.requestedAuthorities
        }
        #expect(proxyAuthorities.first == "paygo-api.invalid:80")
        #expect(api.requests.first?.authority == "paygo-api.invalid")
    }

    @Test(.enabled(if: TestCertificates.openssl != nil))
    func untrustedCertificatesAreRefused() async throws {
        let certificates = try TestCertificates.make()
        defer { certificates.remove() }
        let tls = TLSConfiguration.makeServerConfiguration(
            certificateChain: try NIOSSLCertificate.fromPEMFile(certificates.serverCert).map { .certificate($0) },
            privateKey: .privateKey(try NIOSSLPrivateKey(file: certificates.serverKey, format: .pem)))
        let api = StandInCloudflareAPI(tls: tls)
        api.reply(for: TestAccounts.id(1), with: .json(example))
        try await api.serve { baseURL in
            #expect(baseURL.hasPrefix("https://"))
            let configuration = TestAccounts.configuration(baseURL: baseURL, accounts: [1]) { $0.retryPolicy.maxAttempts = 1 }
            try await RunningExporter.with(configuration) { exporter in
                let parsed = try await exporter.scrape { $0.value("cloudflare_paygo_up") != nil }
                #expect(parsed.value("cloudflare_paygo_up") == 0, "a certificate from an unknown CA is never accepted")
                #expect(parsed.value("cloudflare_paygo_refresh_errors_total", ["reason": "connection"]) == 1)
            }
        }
        #expect(api.requests.isEmpty, "no request crossed the failed handshake")
    }

    @Test func proxyEnvironment() throws {
        let https = try #require(URL(string: "https://api.cloudflare.com/client/v4"))
        let proxy = try ProxySettings.from(environment: ["HTTPS_PROXY": "http://user:p%40ss@proxy.local:3128"], apiURL: https)
        #expect(proxy?.host == "proxy.local")
        #expect(proxy?.port == 3128)
        #expect(proxy?.userInfo?.password == "p@ss")
        #expect(!"\(String(describing: proxy))".contains("p@ss"))
        #expect(try ProxySettings.from(environment: ["https_proxy": "proxy.local:8080"], apiURL: https)?.port == 8080)
        #expect(
            try ProxySettings.from(environment: ["HTTP_PROXY": "proxy.local:8080"], apiURL: https) == nil, "http proxy is not for https")
        for noProxy in ["api.cloudflare.com", ".cloudflare.com", "cloudflare.com", "*", "localhost, cloudflare.com"] {
            #expect(
                try ProxySettings.from(environment: ["HTTPS_PROXY": "proxy.local:3128", "NO_PROXY": noProxy], apiURL: https) == nil,
                "\(noProxy)")
        }
        #expect(
            try ProxySettings.from(environment: ["HTTPS_PROXY": "proxy.local:3128", "NO_PROXY": "notcloudflare.com"], apiURL: https) != nil)
        #expect(throws: ConfigurationError.self) { try ProxySettings.from(environment: ["HTTPS_PROXY": "http://"], apiURL: https) }
    }

    @Test func changedTokenFileIsPickedUpWithoutRestart() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("token-\(UInt64.random(in: 0...UInt64.max))").path
        try "first-token\n".write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let api = StandInCloudflareAPI()
        api.reply(for: TestAccounts.id(1), with: .json(example))
        try await api.serve { baseURL in
            let configuration = TestAccounts.configuration(
                baseURL: baseURL, accounts: [1], credentials: .apiToken("first-token"), interval: .milliseconds(100)
            ) { $0.tokenFile = path }
            try await RunningExporter.with(configuration) { exporter in
                _ = try await exporter.scrape { $0.value("cloudflare_paygo_up") == 1 }
                try "second-token\n".write(toFile: path, atomically: true, encoding: .utf8)
                try FileManager.default.setAttributes([.modificationDate: Date().addingTimeInterval(5)], ofItemAtPath: path)
                _ = try await exporter.scrape { _ in api.requests.last?.headers["authorization"] == "Bearer second-token" }
                #expect(exporter.logLines.all.contains("reloaded API token"))
                #expect(!exporter.logLines.all.contains("second-token"))
            }
        }
    }

    @Test func retryPolicyBacksOffWithJitterAndHonoursRetryAfter() throws {
        let policy = RetryPolicy()
        var random = SystemRandomNumberGenerator()
        let account = TestAccounts.account(1)
        let failing = try #require(Self.error(status: 503, account: account))
        for attempt in 1...2 {
            guard case .retry(let delay) = policy.decision(after: failing, attempt: attempt, random: &random) else {
                Issue.record("attempt \(attempt) should retry")
                continue
            }
            let step = 0.5 * Double(1 << (attempt - 1))
            #expect(delay >= step / 2 && delay <= step)
        }
        #expect(policy.decision(after: failing, attempt: 3, random: &random) == .giveUp)
        let auth = try #require(Self.error(status: 401, account: account))
        #expect(policy.decision(after: auth, attempt: 1, random: &random) == .giveUp)
        let limited = try #require(Self.error(status: 429, account: account))
        #expect(policy.decision(after: limited, attempt: 1, random: &random) == .pauseToken(seconds: 60, retry: true))
    }

    private static func error(status: Int, account: AccountID) -> CloudflareAPIError? {
        .status(status, apiErrors: [], operation: UsageEndpoint.operation(for: account))
    }
}
