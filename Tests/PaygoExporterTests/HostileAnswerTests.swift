import Foundation
import Testing

@testable import PaygoExporter

/// What a hostile or broken API (or anything in front of it) can send: numbers that overflow,
/// pauses meant to last a year, redirects to other hosts, answers with endless series. Each is
/// served to one account while a healthy account on the same exporter keeps being served.
@Suite struct HostileAnswerTests {
    /// The documented example, which the healthy account always gets.
    let example = AnswerBuilder.documentedExample
    static let hostile = UpstreamFaultTests.faulty
    static let healthy = UpstreamFaultTests.healthy

    // MARK: Retry-After

    @Test(
        arguments: [
            ("9223372036854776", 9_223_372_036_854_776),
            (String(repeating: "9", count: 60), 1e60),
            ("31536000", 31_536_000),
            ("Fri, 31 Dec 9999 23:59:59 GMT", 253_402_300_799 - 1_000),
        ] as [(String, Double)])
    func retryAfterReadsAnyNumberWithoutTrapping(header: String, seconds: Double) {
        let read = RetryAfter.seconds(header, now: 1_000)
        #expect(read.map { abs($0 - seconds) <= seconds * 1e-12 } == true, "\(header): \(String(describing: read))")
    }

    @Test(arguments: [
        "Sun, 06 Nov 300000000000 08:49:37 GMT",  // overflowed the civil-date arithmetic
        "Sun, 06 Nov -1994 08:49:37 GMT",
        "Sun, 31 Feb 1994 08:49:37 GMT",
        "Sun, 6 Nov 1994 08:49:37 GMT",
        "Sun, 06 Nov 1994 8:49:37 GMT",
        "-5", "1.5", "1e9", "", String(repeating: "1", count: 100),
    ])
    func retryAfterRefusesWhatIsNotAHeaderValue(header: String) {
        #expect(RetryAfter.seconds(header, now: 0) == nil)
    }

    @Test func aRateLimitPauseIsCappedAtFiveMinutes() throws {
        let policy = RetryPolicy()
        var random = SystemRandomNumberGenerator()
        for asked in [31_536_000.0, 9_223_372_036_854_776, .infinity] {
            let error = CloudflareAPIError.status(429, apiErrors: [], operation: UsageEndpoint.operation(for: TestAccounts.account(1)))
                .withRetryAfter(asked)
            #expect(policy.decision(after: error, attempt: 1, random: &random) == .pauseToken(seconds: 300, retry: false))
        }
        let short = CloudflareAPIError.status(429, apiErrors: [], operation: UsageEndpoint.operation(for: TestAccounts.account(1)))
            .withRetryAfter(2)
        #expect(policy.decision(after: short, attempt: 1, random: &random) == .pauseToken(seconds: 2, retry: true))
    }

    @Test func theGateSaturatesAndExposesWhenItOpens() {
        let clock = TestClock(unixTime: 1_000)
        let gate = RateLimitGate(clock: clock)
        #expect(gate.pausedUntilUnixSeconds == 0)
        let open = gate.generation
        gate.pause(seconds: 9.3e18)  // traps as milliseconds in an Int64
        #expect(gate.remainingSeconds == Duration.saturationCeiling.seconds)
        gate.pause(seconds: .nan)
        gate.pause(seconds: -5)
        #expect(gate.generation != open, "a new pause changes what the metric shows")

        let paused = RateLimitGate(clock: clock)
        paused.pause(seconds: 300)
        let pausedGeneration = paused.generation
        #expect(paused.pausedUntilUnixSeconds == 1_300)
        clock.advance(by: .seconds(100))
        #expect(paused.remainingSeconds == 200)
        clock.advance(by: .seconds(199))
        #expect(paused.pausedUntilUnixSeconds == 1_300)
        #expect(paused.generation == pausedGeneration)
        clock.advance(by: .seconds(1))
        #expect(paused.pausedUntilUnixSeconds == 0, "0 once the pause is over")
        #expect(paused.generation != pausedGeneration, "and the body is rebuilt to show it")
    }

    /// Calls wait at the gate until the exact end of the pause.
    @Test func callsWaitForTheExactEndOfThePause() async throws {
        let clock = TestClock()
        let gate = RateLimitGate(clock: clock)
        gate.pause(seconds: 30)
        let opened = Task {
            try await gate.waitUntilOpen()
            return clock.now
        }
        try await clock.waitForSleepers(1)
        #expect(clock.nextDeadline == clock.start + .seconds(30))
        clock.advance(by: .seconds(29))
        #expect(clock.sleeperCount == 1, "still waiting a second before the end")
        clock.advance(by: .seconds(1))
        #expect(try await opened.value == clock.start + .seconds(30))
    }

    /// Each hostile `Retry-After` reaches the real client over loopback: nothing traps, the
    /// token pauses for at most 5 minutes, the log says so, and the metric shows when it ends.
    @Test(arguments: ["9223372036854776", "Sun, 06 Nov 300000000000 08:49:37 GMT", "31536000"])
    func hostileRetryAfterPausesTheTokenForAtMostFiveMinutes(header: String) async throws {
        let api = StandInCloudflareAPI()
        let limited = StandInCloudflareAPI.Reply.json(
            AnswerBuilder.failure(code: 971, message: "Please wait and consider throttling your request speed"),
            status: 429, headers: ["Retry-After": header])
        // Account 1 answers once, then is limited: by then account 2 has its data.
        api.replies(for: TestAccounts.id(1), with: [.json(example, delay: .milliseconds(300)), limited])
        api.reply(for: TestAccounts.id(2), with: .json(example))
        // An unreadable header falls back to the default pause, 1 s in tests.
        let expectedPause = RetryAfter.seconds(header, now: 0) == nil ? 1 : RetryPolicy.defaultMaxRateLimitPauseSeconds
        try await api.serve { baseURL in
            let configuration = TestAccounts.configuration(baseURL: baseURL, accounts: [1, 2], interval: .milliseconds(500))
            try await RunningExporter.with(configuration) { exporter in
                let first = try await exporter.scrape { $0.value("cloudflare_paygo_up", Self.healthy) == 1 }
                #expect(first.value("cloudflare_paygo_rate_limited_until_timestamp_seconds") == 0, "0 while not paused")
                let before = Date().timeIntervalSince1970
                let parsed = try await exporter.scrape(until: {
                    $0.value("cloudflare_paygo_rate_limited_until_timestamp_seconds").map { $0 > 0 } == true
                })
                let after = Date().timeIntervalSince1970
                let until = try #require(parsed.value("cloudflare_paygo_rate_limited_until_timestamp_seconds"))
                #expect(
                    until >= before + expectedPause - 1 && until <= after + expectedPause + 0.5, "paused until now + \(until - after) s")
                #expect(parsed.value("cloudflare_paygo_up", Self.healthy) == 1)
                #expect(parsed.value("cloudflare_paygo_contracted_cost", Self.healthy) == 0.75)
                _ = try await exporter.scrape {
                    $0.value("cloudflare_paygo_refresh_errors_total", Self.hostile.merging(["reason": "rate_limited"]) { $1 }) == 1
                }
                let log = exporter.logLines.all
                #expect(log.contains("pausing every account on this token"))
                if expectedPause == 300 {
                    #expect(log.contains("capped"), "a pause cut short is logged: \(log)")
                }
            }
        }
    }

    // MARK: Redirects

    /// A 302 to another host would receive the global key (AsyncHTTPClient strips only
    /// Authorization): no redirect is followed, the failure is counted as `http` and logged
    /// with the target's host alone.
    @Test(arguments: [301, 302, 307, 308])
    func redirectsAreNeverFollowedAndNoCredentialLeaves(status: Int) async throws {
        let elsewhere = StandInCloudflareAPI()
        try await elsewhere.serve { elsewhereURL in
            let api = StandInCloudflareAPI()
            let target =
                elsewhereURL.replacingOccurrences(of: "127.0.0.1", with: "localhost")
                + "/accounts/\(TestAccounts.id(1))/billing/usage/paygo?leak=query-secret"
            var redirect = StandInCloudflareAPI.Reply.html("<a>moved</a>", status: status)
            redirect.headers = ["Location": target]
            api.reply(for: TestAccounts.id(1), with: redirect)
            api.reply(for: TestAccounts.id(2), with: .json(example))
            try await api.serve { baseURL in
                let configuration = TestAccounts.configuration(
                    baseURL: baseURL, accounts: [1, 2],
                    credentials: .globalKey(email: "ops@example.com", key: "GLOBALKEYsecret0123456789abcdef01234"))
                try await RunningExporter.with(configuration) { exporter in
                    let parsed = try await exporter.scrape {
                        $0.value("cloudflare_paygo_up", Self.hostile) != nil && $0.value("cloudflare_paygo_up", Self.healthy) != nil
                    }
                    #expect(parsed.value("cloudflare_paygo_up", Self.hostile) == 0)
                    #expect(parsed.value("cloudflare_paygo_up", Self.healthy) == 1)
                    #expect(parsed.value("cloudflare_paygo_refresh_errors_total", Self.hostile.merging(["reason": "http"]) { $1 }) == 1)
                    #expect(parsed.value("cloudflare_paygo_api_requests_total", Self.hostile.merging(["code": String(status)]) { $1 }) == 1)
                    let log = exporter.logLines.all
                    #expect(log.contains("redirected (HTTP \(status)) to host localhost"), "\(log)")
                    #expect(!log.contains("query-secret") && !log.contains("GLOBALKEYsecret"))
                }
                #expect(api.usageRequests.filter { $0.path.contains(TestAccounts.id(1)) }.count == 1, "a redirect is not retried")
            }
            #expect(elsewhere.requests.isEmpty, "nothing reached the other host")
        }
    }

    // MARK: Series cap

    @Test func seriesBeyondTheCapAreDroppedAndCounted() {
        let records = (0..<50).map { index in
            UsageRecord(
                billingCurrency: "USD", billingPeriodStart: 0, chargePeriodStart: 0, chargePeriodEnd: 86_400,
                serviceName: "service \(index)",
                consumedUnit: "Requests", consumedQuantity: 1, pricingQuantity: 1, contractedCost: 1, cumulatedContractedCost: 1,
                cumulatedPricingQuantity: 1)
        }
        let usage = AccountUsage(records: records + records, now: 100_000, maxSeries: 20)
        #expect(usage.series.count == 20)
        #expect(usage.droppedSeries == 30, "distinct series, not records")
        #expect(Set(usage.series.map(\.key.service)) == Set((0..<20).map { "service \($0)" }), "the first ones listed are kept")
        #expect(usage.series.allSatisfy { $0.contractedCost == 2 })
        let snapshot = AccountSnapshot(account: TestAccounts.account(1))
            .applying(UsageFetchOutcome(result: .success(records), responseCodes: [200]), finishedAt: 1, durationSeconds: 0, maxSeries: 20)
            .applying(UsageFetchOutcome(result: .success(records), responseCodes: [200]), finishedAt: 2, durationSeconds: 0, maxSeries: 20)
        #expect(snapshot.health.seriesDropped == 60, "a counter across refreshes")
    }

    /// An answer of `services` distinct services, made quickly: the suite shares two cores.
    static func floodOfServices(_ services: Int) -> String {
        var body: [UInt8] = []
        body.reserveCapacity(services * 330)
        body += #"{"success":true,"errors":[],"messages":[],"result":["#.utf8
        for index in 0..<services {
            if index > 0 { body.append(UInt8(ascii: ",")) }
            body +=
                #"{"BillingCurrency":"USD","BillingPeriodStart":"2025-02-01T00:00:00Z","ChargePeriodStart":"2025-02-02T00:00:00Z","#.utf8
            body += #""ChargePeriodEnd":"2025-02-03T00:00:00Z","ServiceName":"hostile service number "#.utf8
            body += String(index).utf8
            body +=
                #" with a long name","ConsumedUnit":"Requests","ContractedCost":0.01,"ConsumedQuantity":5,"CumulatedContractedCost":0.02}"#
                .utf8
        }
        body += "]}".utf8
        return String(decoding: body, as: UTF8.self)
    }

    /// Thousands of distinct services in one answer: the exporter keeps the cap's worth, counts
    /// the rest, logs once per refresh, and the healthy account is served as before.
    @Test func anAnswerWithEndlessServicesIsCapped() async throws {
        let services = 20_000
        let body = Self.floodOfServices(services)
        let api = StandInCloudflareAPI()
        api.reply(for: TestAccounts.id(1), with: .json(body))
        api.reply(for: TestAccounts.id(2), with: .json(example))
        try await api.serve { baseURL in
            var configuration = TestAccounts.configuration(baseURL: baseURL, accounts: [1, 2], timeoutSeconds: 30)
            configuration.maxSeriesPerAccount = 1_000
            try await RunningExporter.with(configuration) { exporter in
                let parsed = try await exporter.scrape(
                    until: {
                        $0.value("cloudflare_paygo_up", Self.hostile) != nil && $0.value("cloudflare_paygo_up", Self.healthy) != nil
                    }, timeout: .seconds(60))
                #expect(parsed.value("cloudflare_paygo_up", Self.hostile) == 1)
                #expect(parsed.matching("cloudflare_paygo_contracted_cost", Self.hostile).count == 1_000)
                #expect(parsed.value("cloudflare_paygo_series_dropped_total", Self.hostile) == Double(services - 1_000))
                #expect(parsed.value("cloudflare_paygo_series_dropped_total", Self.healthy) == 0)
                #expect(parsed.value("cloudflare_paygo_contracted_cost", Self.healthy) == 0.75)
                let warnings = exporter.logLines.all.components(separatedBy: "the rest were dropped").count - 1
                #expect(warnings == 1, "logged once per refresh")
            }
        }
    }

    /// A flood against the binary at its defaults: the cap holds and the exporter's peak memory
    /// stays a small multiple of the answer (100,000 services made 310 MB when every series was
    /// kept; 40,000 here keep the suite light on two cores).
    @Test func theBinaryKeepsAHostileAnswerWithinBoundedMemory() async throws {
        let services = 40_000
        let body = Self.floodOfServices(services)
        let answerBytes = body.utf8.count
        let api = StandInCloudflareAPI()
        api.reply(for: TestAccounts.id(1), with: .json(body))
        try await api.serve { baseURL in
            let exporter = try ExporterProcess(
                arguments: ["--cloudflare.api-url", baseURL, "--cloudflare.account-id", TestAccounts.id(1)],
                environment: CommandLineTests.environment.merging(["CLOUDFLARE_API_TOKEN": TestAccounts.secretToken]) { $1 })
            try await exporter.waitUntilReady(timeout: .seconds(60))
            let parsed = try await exporter.client.scrape { $0.value("cloudflare_paygo_series_dropped_total") != nil }
            #expect(parsed.value("cloudflare_paygo_series_dropped_total") == Double(services - AccountUsage.defaultMaxSeries))
            #expect(parsed.matching("cloudflare_paygo_contracted_cost").count == AccountUsage.defaultMaxSeries)
            let peak = try #require(exporter.peakResidentBytes)
            #expect(peak < 4 * answerBytes + (32 << 20), "peak RSS \(peak >> 20) MiB for a \(answerBytes >> 20) MiB answer")
            #expect(await exporter.stop() == 0)
        }
    }
}
