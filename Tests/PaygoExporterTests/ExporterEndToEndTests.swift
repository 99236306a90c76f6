import CompressNIO
import Foundation
import NIOCore
import Testing

@testable import PaygoExporter

/// The exporter against a stand-in Cloudflare API, both on loopback.
@Suite struct ExporterEndToEndTests {
    @Test func documentedExampleBecomesExactLines() async throws {
        let api = StandInCloudflareAPI()
        api.reply(for: TestAccounts.id(1), with: .json(try AnswerBuilder.fixture("paygo-example.json")))
        try await api.serve { baseURL in
            try await RunningExporter.with(TestAccounts.configuration(baseURL: baseURL, accounts: [1])) { exporter in
                let parsed = try await exporter.scrape { $0.value("cloudflare_paygo_up") == 1 }
                let labels =
                    #"{account_id="\#(TestAccounts.id(1))",service="Workers Standard",service_family="",unit="Requests",currency="USD"}"#
                // The first path's answer has no PricingUnit: the label is there, empty.
                let pricingLabels =
                    #"{account_id="\#(TestAccounts.id(1))",service="Workers Standard",service_family="",unit="Requests",pricing_unit="",currency="USD"}"#
                let lines = Set(parsed.text.split(separator: "\n").map(String.init))
                for expected in [
                    "cloudflare_paygo_contracted_cost\(labels) 0.75",
                    "cloudflare_paygo_cumulated_contracted_cost\(labels) 2.25",
                    "cloudflare_paygo_consumed_quantity\(labels) 150000",
                    "cloudflare_paygo_pricing_quantity\(pricingLabels) 150000",
                    "cloudflare_paygo_cumulated_pricing_quantity\(pricingLabels) 4500000",
                    "cloudflare_paygo_charge_period_start_timestamp_seconds\(labels) 1738368000",
                    "cloudflare_paygo_charge_period_end_timestamp_seconds\(labels) 1738454400",
                    #"cloudflare_paygo_billing_period_start_timestamp_seconds{account_id="\#(TestAccounts.id(1))",currency="USD"} 1738368000"#,
                    #"cloudflare_paygo_up{account_id="\#(TestAccounts.id(1))"} 1"#,
                    #"cloudflare_paygo_records{account_id="\#(TestAccounts.id(1))"} 1"#,
                    #"cloudflare_paygo_api_requests_total{account_id="\#(TestAccounts.id(1))",code="200"} 1"#,
                    #"cloudflare_paygo_refresh_errors_total{account_id="\#(TestAccounts.id(1))",reason="auth"} 0"#,
                    "# TYPE cloudflare_paygo_contracted_cost gauge",
                    "# TYPE cloudflare_paygo_api_requests_total counter",
                ] {
                    #expect(lines.contains(expected), "missing line: \(expected)")
                }
                #expect(
                    parsed.value("cloudflare_paygo_last_success_timestamp_seconds").map { abs($0 - Date().timeIntervalSince1970) < 60 }
                        == true)
                #expect(parsed.value("cloudflare_paygo_refresh_duration_seconds").map { $0 >= 0 && $0 < 5 } == true)
                #expect(parsed.value("cloudflare_paygo_exporter_build_info", ["version": BuildInfo.version]) == 1)
                #expect(parsed.value("process_resident_memory_bytes").map { $0 > 1_000_000 } == true)
                #expect(parsed.value("process_start_time_seconds").map { abs($0 - Date().timeIntervalSince1970) < 3_600 } == true)
                #expect(parsed.value("process_open_fds").map { $0 > 0 } == true)
                #expect(parsed.value("process_max_fds").map { $0 > 0 } == true)
                #expect(parsed.value("process_cpu_seconds_total") != nil)

                // Families appear in name order, each with one HELP and TYPE.
                let names = parsed.text.split(separator: "\n").filter { $0.hasPrefix("# TYPE ") }.map {
                    String($0.split(separator: " ")[2])
                }
                #expect(names == names.sorted())
                #expect(Set(names).count == names.count)
            }
        }
    }

    @Test func duplicatesSumUnitsAndCurrenciesStayApartAndUnknownKeysAreIgnored() async throws {
        let api = StandInCloudflareAPI()
        api.reply(
            for: TestAccounts.id(1),
            with: .json(
                AnswerBuilder.success([
                    AnswerBuilder.record(
                        unit: "Requests", day: 2, cost: 0.5, extra: ["ZoneId": "z1", "ZoneName": NSNull(), "BilledCost": 0.5]),
                    AnswerBuilder.record(unit: "Requests", day: 2, cost: 0.25, extra: ["ZoneId": "z2", "SubscriptionId": NSNull()]),
                    AnswerBuilder.record(unit: "Requests", day: 1, cost: 9),
                    AnswerBuilder.record(unit: "CPU ms", day: 2, cost: 1.5, consumed: 3_000_000),
                    AnswerBuilder.record(currency: "EUR", day: 2, cost: 4),
                ])))
        try await api.serve { baseURL in
            try await RunningExporter.with(TestAccounts.configuration(baseURL: baseURL, accounts: [1])) { exporter in
                let parsed = try await exporter.scrape { $0.value("cloudflare_paygo_up") == 1 }
                let costs = parsed.matching("cloudflare_paygo_contracted_cost")
                #expect(costs.count == 3)
                #expect(parsed.value("cloudflare_paygo_contracted_cost", ["unit": "Requests", "currency": "USD"]) == 0.75)
                #expect(parsed.value("cloudflare_paygo_contracted_cost", ["unit": "CPU ms", "currency": "USD"]) == 1.5)
                #expect(parsed.value("cloudflare_paygo_consumed_quantity", ["unit": "CPU ms"]) == 3_000_000)
                #expect(parsed.value("cloudflare_paygo_contracted_cost", ["unit": "Requests", "currency": "EUR"]) == 4)
                #expect(parsed.value("cloudflare_paygo_cumulated_contracted_cost", ["unit": "Requests", "currency": "USD"]) == 4.5)
                #expect(parsed.value("cloudflare_paygo_records") == 5)
                #expect(parsed.matching("cloudflare_paygo_billing_period_start_timestamp_seconds").count == 2)
            }
        }
    }

    @Test func hostileServiceNamesAreEscapedAndReadBack() async throws {
        let names = [#"Quote "q" service"#, #"Back\slash\"#, "New\nline", "Ünïcödé ☁️ 東京", #"{}=,"\n"#]
        let api = StandInCloudflareAPI()
        api.reply(for: TestAccounts.id(1), with: .json(AnswerBuilder.success(names.map { AnswerBuilder.record(service: $0, unit: $0) })))
        try await api.serve { baseURL in
            try await RunningExporter.with(TestAccounts.configuration(baseURL: baseURL, accounts: [1])) { exporter in
                let parsed = try await exporter.scrape { $0.value("cloudflare_paygo_up") == 1 }
                for name in names {
                    #expect(parsed.value("cloudflare_paygo_contracted_cost", ["service": name, "unit": name]) == 0.75, "\(name)")
                }
                #expect(parsed.text.contains(#"service="Quote \"q\" service""#))
                #expect(parsed.text.contains(#"service="Back\\slash\\""#))
                #expect(parsed.text.contains(#"service="New\nline""#))
                #expect(parsed.text.contains(#"service="Ünïcödé ☁️ 東京""#))
                try PromtoolCheck.checkMetrics(parsed.text)
            }
        }
    }

    @Test func eachFailureGivesUpZeroWithItsReasonWhileOthersAreServed() async throws {
        let api = StandInCloudflareAPI()
        let good = try AnswerBuilder.fixture("paygo-example.json")
        api.reply(for: TestAccounts.id(1), with: .json(good))
        api.reply(
            for: TestAccounts.id(2),
            with: .json(AnswerBuilder.failure(code: 1001, message: #"invalid <b>bold</b> & "quoted""#), status: 200))
        api.reply(for: TestAccounts.id(3), with: .json(AnswerBuilder.failure(code: 10000, message: "Authentication error"), status: 401))
        api.reply(
            for: TestAccounts.id(4),
            with: .json(AnswerBuilder.failure(code: 9109, message: "Unauthorized to access requested resource"), status: 403))
        api.reply(for: TestAccounts.id(5), with: .html("<html><body><h1>500 Internal Server Error</h1></body></html>", status: 500))
        api.reply(for: TestAccounts.id(6), with: .json(String(good.prefix(good.count / 2))))
        api.reply(
            for: TestAccounts.id(7),
            with: .json(AnswerBuilder.failure(code: 971, message: "Please wait and consider throttling your request speed"), status: 429))
        api.reply(for: TestAccounts.id(8), with: .html("<html>Bad gateway</html>", status: 502))
        let expectations: [(Int, String)] = [
            (2, "api_error"), (3, "auth"), (4, "auth"), (5, "http"), (6, "decode"), (7, "rate_limited"), (8, "http"),
        ]
        try await api.serve { baseURL in
            let configuration = TestAccounts.configuration(baseURL: baseURL, accounts: Array(1...8))
            try await RunningExporter.with(configuration) { exporter in
                let parsed = try await exporter.scrape { $0.matching("cloudflare_paygo_up").count == 8 }
                #expect(parsed.value("cloudflare_paygo_up", ["account_id": TestAccounts.id(1)]) == 1)
                #expect(parsed.value("cloudflare_paygo_contracted_cost", ["account_id": TestAccounts.id(1)]) == 0.75)
                for (number, reason) in expectations {
                    let account = TestAccounts.id(number)
                    #expect(parsed.value("cloudflare_paygo_up", ["account_id": account]) == 0, "account \(number)")
                    #expect(
                        parsed.value("cloudflare_paygo_refresh_errors_total", ["account_id": account, "reason": reason]) == 1,
                        "account \(number) \(reason)")
                    let otherReasons = parsed.matching("cloudflare_paygo_refresh_errors_total", ["account_id": account]).filter {
                        $0.labels["reason"] != reason
                    }
                    #expect(otherReasons.allSatisfy { $0.value == 0 }, "account \(number)")
                    #expect(parsed.matching("cloudflare_paygo_contracted_cost", ["account_id": account]).isEmpty)
                    #expect(
                        parsed.value("cloudflare_paygo_last_success_timestamp_seconds", ["account_id": account]) == 0, "never succeeded")
                }
                #expect(parsed.value("cloudflare_paygo_api_requests_total", ["account_id": TestAccounts.id(3), "code": "401"]) == 1)
                #expect(
                    parsed.value("cloudflare_paygo_api_requests_total", ["account_id": TestAccounts.id(5), "code": "500"]) == 3,
                    "a 5xx is retried twice")

                let log = exporter.logLines.all
                #expect(log.contains("Billing Read"), "auth failures tell the operator which permission is needed")
                #expect(log.contains("account \(TestAccounts.id(6))"))
                #expect(!log.contains(TestAccounts.secretToken))
                #expect(!parsed.text.contains(TestAccounts.secretToken))

                let page = try await exporter.get("/")
                #expect(String(buffer: page.body).contains("Authentication error"))
                #expect(String(buffer: page.body).contains("&lt;b&gt;bold&lt;/b&gt; &amp; &quot;quoted&quot;"), "echoed text is escaped")
                #expect(!String(buffer: page.body).contains("<b>bold</b>"))
                #expect(!String(buffer: page.body).contains(TestAccounts.secretToken))
            }
        }
    }

    @Test func failingAccountKeepsItsLastGoodSeries() async throws {
        let api = StandInCloudflareAPI()
        api.reply(for: TestAccounts.id(1), with: .json(try AnswerBuilder.fixture("paygo-example.json")))
        try await api.serve { baseURL in
            let configuration = TestAccounts.configuration(baseURL: baseURL, accounts: [1], interval: .milliseconds(200))
            try await RunningExporter.with(configuration) { exporter in
                _ = try await exporter.scrape { $0.value("cloudflare_paygo_up") == 1 }
                api.reply(for: TestAccounts.id(1), with: .html("<html>oops</html>", status: 503))
                let parsed = try await exporter.scrape { $0.value("cloudflare_paygo_up") == 0 }
                #expect(parsed.value("cloudflare_paygo_contracted_cost") == 0.75)
                #expect(parsed.value("cloudflare_paygo_records") == 1)
                #expect(parsed.value("cloudflare_paygo_refresh_errors_total", ["reason": "http"]).map { $0 >= 1 } == true)
                #expect(parsed.value("cloudflare_paygo_last_success_timestamp_seconds") != nil)

                api.reply(for: TestAccounts.id(1), with: .json(AnswerBuilder.success([AnswerBuilder.record(day: 2, cost: 1.25)])))
                let recovered = try await exporter.scrape { $0.value("cloudflare_paygo_up") == 1 }
                #expect(recovered.value("cloudflare_paygo_contracted_cost") == 1.25)
            }
        }
    }

    @Test func apiTokenIsSentAsBearerWithUserAgent() async throws {
        let api = StandInCloudflareAPI()
        api.reply(for: TestAccounts.id(1), with: .json(try AnswerBuilder.fixture("paygo-example.json")))
        try await api.serve { baseURL in
            try await RunningExporter.with(TestAccounts.configuration(baseURL: baseURL, accounts: [1])) { exporter in
                _ = try await exporter.scrape { $0.value("cloudflare_paygo_up") == 1 }
            }
        }
        // Then the name, which the records do not give.
        #expect(
            api.requests.map(\.path)
                == ["/billable-usage/info", "/billable-usage", ""].map { "/client/v4/accounts/\(TestAccounts.id(1))" + $0 })
        for request in api.requests {
            #expect(request.headers["authorization"] == "Bearer \(TestAccounts.secretToken)")
            #expect(request.headers["x-auth-key"] == nil)
            #expect(request.headers["user-agent"] == "cloudflare-paygo-exporter/\(BuildInfo.version)")
        }
        let request = try #require(api.requests.first)
        #expect(request.headers["authorization"] == "Bearer \(TestAccounts.secretToken)")
        #expect(request.headers["x-auth-key"] == nil)
        #expect(request.headers["user-agent"] == "cloudflare-paygo-exporter/\(BuildInfo.version)")
    }

    @Test func legacyKeyIsSentAsEmailAndKeyHeaders() async throws {
        let api = StandInCloudflareAPI()
        api.reply(for: TestAccounts.id(1), with: .json(try AnswerBuilder.fixture("paygo-example.json")))
        try await api.serve { baseURL in
            let configuration = TestAccounts.configuration(
                baseURL: baseURL, accounts: [1], credentials: .globalKey(email: "ops@example.com", key: "legacykey123"))
            try await RunningExporter.with(configuration) { exporter in
                _ = try await exporter.scrape { $0.value("cloudflare_paygo_up") == 1 }
            }
        }
        let request = try #require(api.requests.first)
        #expect(request.headers["x-auth-email"] == "ops@example.com")
        #expect(request.headers["x-auth-key"] == "legacykey123")
        #expect(request.headers["authorization"] == nil)
    }

    @Test func notFoundOnTodaysPathFallsBackToOlderPaths() async throws {
        let api = StandInCloudflareAPI()
        api.reply(
            for: TestAccounts.id(1), with: .json(try AnswerBuilder.fixture("paygo-example.json")),
            template: "/accounts/{account_id}/billing/usage/paygo")
        try await api.serve { baseURL in
            try await RunningExporter.with(TestAccounts.configuration(baseURL: baseURL, accounts: [1])) { exporter in
                let parsed = try await exporter.scrape { $0.value("cloudflare_paygo_up") != nil }
                #expect(parsed.value("cloudflare_paygo_up") == 1)
                #expect(parsed.value("cloudflare_paygo_api_requests_total", ["code": "404"]) == 3, "info, then two usage paths")
                #expect(parsed.value("cloudflare_paygo_api_requests_total", ["code": "200"]) == 1)
                #expect(exporter.logLines.all.contains("/accounts/{account_id}/billing/usage/paygo"), "the log says which path answered")
                #expect(parsed.matching("cloudflare_paygo_account_covered").isEmpty, "no info endpoint: coverage unknown")
            }
        }
        #expect(
            api.requests.map(\.path) == [
                "/client/v4/accounts/\(TestAccounts.id(1))/billable-usage/info",
                "/client/v4/accounts/\(TestAccounts.id(1))/billable-usage",
                "/client/v4/accounts/\(TestAccounts.id(1))/paygo-usage",
                "/client/v4/accounts/\(TestAccounts.id(1))/billing/usage/paygo",
                "/client/v4/accounts/\(TestAccounts.id(1))",
            ])
    }

    @Test func notFoundEverywhereIsReportedAsNotFound() async throws {
        let api = StandInCloudflareAPI()
        try await api.serve { baseURL in
            try await RunningExporter.with(TestAccounts.configuration(baseURL: baseURL, accounts: [1])) { exporter in
                let parsed = try await exporter.scrape { $0.value("cloudflare_paygo_up") != nil }
                #expect(parsed.value("cloudflare_paygo_up") == 0)
                #expect(parsed.value("cloudflare_paygo_refresh_errors_total", ["reason": "not_found"]) == 1)
                #expect(parsed.value("cloudflare_paygo_api_requests_total", ["code": "404"]) == 4, "info and three usage paths")
            }
        }
    }

    @Test func slowAccountTimesOutWithoutHoldingBackOthersOrScrapes() async throws {
        let api = StandInCloudflareAPI()
        let good = try AnswerBuilder.fixture("paygo-example.json")
        api.reply(for: TestAccounts.id(1), with: .json(good))
        api.reply(for: TestAccounts.id(2), with: .json(good, delay: .seconds(30)))
        try await api.serve { baseURL in
            let configuration = TestAccounts.configuration(baseURL: baseURL, accounts: [1, 2], timeoutSeconds: 1)
            try await RunningExporter.with(configuration) { exporter in
                // Account 2 cannot finish before its three 1 s attempts have timed out, so the
                // fast account showing up within 2.5 s proves it was not held back, with room for
                // a loaded CI machine.
                let first = try await exporter.scrape(
                    until: { $0.value("cloudflare_paygo_up", ["account_id": TestAccounts.id(1)]) == 1 }, timeout: .milliseconds(2_500))
                #expect(first.value("cloudflare_paygo_up", ["account_id": TestAccounts.id(2)]) == nil)
                #expect(
                    first.value("cloudflare_paygo_refresh_errors_total", ["account_id": TestAccounts.id(2), "reason": "timeout"]) == 0,
                    "error counters exist at 0 before the first refresh ends, so increase() sees the first failure")
                let ready = try await exporter.get("/-/ready")
                #expect(ready.status == 503)
                let parsed = try await exporter.scrape { $0.value("cloudflare_paygo_up", ["account_id": TestAccounts.id(2)]) == 0 }
                #expect(
                    parsed.value("cloudflare_paygo_refresh_errors_total", ["account_id": TestAccounts.id(2), "reason": "timeout"]) == 1)
                #expect(try await exporter.get("/-/ready").status == 200)
            }
        }
    }

    @Test func gzipIsServedWhenAskedAndTheContentTypeIsExact() async throws {
        try await RunningExporter.with(DemoExporterConfiguration.make()) { exporter in
            _ = try await exporter.scrape { $0.matching("cloudflare_paygo_up").count == DemoUsageSource.accounts.count }
            let plain = try await exporter.get("/metrics")
            #expect(plain.headers["content-type"] == "text/plain; version=0.0.4; charset=utf-8")
            #expect(plain.headers["content-encoding"] == nil)
            var zipped = try await exporter.get("/metrics", headers: ["Accept-Encoding": "gzip"])
            #expect(zipped.headers["content-encoding"] == "gzip")
            #expect(zipped.headers["content-type"] == "text/plain; version=0.0.4; charset=utf-8")
            #expect(zipped.body.readableBytes < plain.body.readableBytes / 3)
            let unzipped = String(buffer: try zipped.body.decompress(with: .gzip()))
            let usage = { (text: String) in text.split(separator: "\n").filter { $0.hasPrefix("cloudflare_paygo_contracted_cost") } }
            #expect(usage(unzipped) == usage(String(buffer: plain.body)))
            #expect(!usage(unzipped).isEmpty)
            let refused = try await exporter.get("/metrics", headers: ["Accept-Encoding": "gzip;q=0, identity"])
            #expect(refused.headers["content-encoding"] == nil)
        }
    }

    @Test func landingHealthReadinessAndUnknownPaths() async throws {
        try await RunningExporter.with(DemoExporterConfiguration.make()) { exporter in
            _ = try await exporter.scrape { $0.matching("cloudflare_paygo_up").count == DemoUsageSource.accounts.count }
            let landing = try await exporter.get("/")
            #expect(landing.status == 200)
            #expect(landing.headers["content-type"] == "text/html; charset=utf-8")
            let html = String(buffer: landing.body)
            #expect(html.contains(#"<a href="/metrics">"#))
            #expect(html.contains(BuildInfo.version))
            for account in DemoUsageSource.accounts { #expect(html.contains(account.rawValue)) }
            #expect(try await exporter.get("/-/healthy").status == 200)
            #expect(try await exporter.get("/-/ready").status == 200)
            #expect(try await exporter.get("/nope").status == 404)
            #expect(try await exporter.get("/metrics/extra").status == 404)
        }
    }
}

enum DemoExporterConfiguration {
    static func make(interval: Duration = .seconds(600)) -> ExporterConfiguration {
        ExporterConfiguration(
            listenAddress: ListenAddress(host: "127.0.0.1", port: 0),
            accounts: DemoUsageSource.accounts, mode: .demo, refreshInterval: interval)
    }
}

@Suite struct OpenMetricsNegotiationTests {
    static let prometheusAccept =
        "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1"

    @Test(arguments: [
        (prometheusAccept, true),
        ("application/openmetrics-text", true),
        ("text/plain;version=0.0.4", false),
        ("*/*", false),
        ("text/plain;q=1,application/openmetrics-text;q=0.5", false),
        ("application/openmetrics-text;version=2.0.0", false),
        ("application/openmetrics-text;q=0", false),
    ])
    func acceptHeaders(accept: String, openMetrics: Bool) {
        #expect((MetricsFormatNegotiation.format(forAccept: accept, openMetricsEnabled: true) == .openMetrics) == openMetrics)
        #expect(MetricsFormatNegotiation.format(forAccept: accept, openMetricsEnabled: false) == .prometheusText)
    }

    @Test func scrapersAskingForOpenMetricsGetIt() async throws {
        try await RunningExporter.with(DemoExporterConfiguration.make()) { exporter in
            _ = try await exporter.scrape { $0.matching("cloudflare_paygo_up").count == DemoUsageSource.accounts.count }
            let response = try await exporter.get("/metrics", headers: ["Accept": Self.prometheusAccept])
            #expect(response.headers["content-type"] == "application/openmetrics-text; version=1.0.0; charset=utf-8")
            let body = String(buffer: response.body)
            #expect(body.hasSuffix("# EOF\n"))
            #expect(body.contains("# TYPE cloudflare_paygo_api_requests counter\n"))
            #expect(body.contains("# TYPE cloudflare_paygo_exporter_build info\n"))
            #expect(body.contains("# UNIT cloudflare_paygo_refresh_duration_seconds seconds\n"))
            #expect(body.contains("# TYPE process_cpu_seconds counter\n# UNIT process_cpu_seconds seconds\n"))
            #expect(body.components(separatedBy: "# EOF").count == 2, "exactly one EOF")
            let parsed = try ParsedExposition(body)
            #expect(parsed.matching("cloudflare_paygo_contracted_cost").count >= 20)
            let plain = try await exporter.get("/metrics")
            #expect(plain.headers["content-type"] == "text/plain; version=0.0.4; charset=utf-8")
            #expect(!String(buffer: plain.body).contains("# EOF"))
        }
    }
}
