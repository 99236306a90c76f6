import Foundation
import Testing

@testable import PaygoExporter

/// `--web.max-connections`: at the cap a new connection takes the place of the one idle
/// longest, and is closed only when every connection is busy; the cap fits the descriptors.
@Suite struct ConnectionCapTests {
    // MARK: The state machine

    @Test func belowTheCapEveryConnectionIsAdmitted() {
        var cap = ConnectionCap(limit: 2)
        #expect(cap.open().admission == .admitted)
        #expect(cap.open().admission == .admitted)
        #expect(cap.openConnections == 2)
    }

    @Test func atTheCapTheConnectionIdleLongestMakesRoom() {
        var cap = ConnectionCap(limit: 3)
        let first = cap.open().id
        let second = cap.open().id
        let third = cap.open().id
        // The first answers a request: it has now been idle for less time than the second.
        cap.becameBusy(first)
        cap.becameIdle(first)
        #expect(cap.open().admission == .admittedInPlaceOf(second))
        // The third is busy; of the idle ones the first fell idle before the newcomer opened.
        cap.becameBusy(third)
        #expect(cap.open().admission == .admittedInPlaceOf(first))
        #expect(cap.openConnections == 3)
        #expect(cap.evicted == 2)
        #expect(cap.refused == 0)
    }

    @Test func whenEveryConnectionIsBusyTheNewOneIsRefused() {
        var cap = ConnectionCap(limit: 2)
        let first = cap.open().id
        let second = cap.open().id
        cap.becameBusy(first)
        cap.becameBusy(second)
        #expect(cap.open().admission == .refused)
        #expect(cap.openConnections == 2, "a refused connection is not counted")
        #expect(cap.refused == 1)
        cap.becameIdle(second)
        #expect(cap.open().admission == .admittedInPlaceOf(second))
        cap.closed(first)
        #expect(cap.open().admission == .admitted, "a closed connection frees its place")
    }

    @Test func reportsAboutAnEvictedConnectionAreIgnored() {
        var cap = ConnectionCap(limit: 1)
        let first = cap.open().id
        #expect(cap.open().admission == .admittedInPlaceOf(first))
        // Its close and any request it had begun arrive after it lost its place.
        cap.becameBusy(first)
        cap.becameIdle(first)
        cap.closed(first)
        #expect(cap.openConnections == 1)
    }

    @Test(arguments: [
        // asked, limit, open, cap
        (512, 1_048_576, 20, 512), (512, 1_024, 20, 512), (512, 512, 20, 428), (512, 128, 8, 60),
        (512, 128, 30, 49), (16, 128, 8, 16), (512, 10, 8, 1), (512, 0, 8, 1),
    ])
    func capLeavesAReserveOfDescriptors(asked: Int, limit: Int, open: Int, expected: Int) {
        #expect(DescriptorLimit.connectionCap(asked: asked, limit: limit, open: open) == expected)
    }

    @Test func flagIsCheckedAtStart() throws {
        var options = CommandLineOptions()
        options.demo = true
        #expect(try ExporterConfiguration(options: options, environment: [:]).web.maxConnections == 512)
        for good in [1, 65_536] {
            options.maxConnections = good
            #expect(try ExporterConfiguration(options: options, environment: [:]).web.maxConnections == good)
        }
        for bad in [0, -1, 65_537] {
            options.maxConnections = bad
            let error = #expect(throws: ConfigurationError.self) { try ExporterConfiguration(options: options, environment: [:]) }
            #expect(error?.description.contains("--web.max-connections \(bad) is not between 1 and 65536") == true)
        }
    }

    // MARK: Over loopback

    private func port(of exporter: RunningExporter) throws -> Int {
        try #require(URL(string: exporter.baseURL)?.port)
    }

    @Test func theFamiliesAreServedFromTheStart() async throws {
        var configuration = DemoExporterConfiguration.make()
        configuration.web.maxConnections = 7
        try await RunningExporter.with(configuration) { exporter in
            let parsed = try await exporter.scrape { $0.value("cloudflare_paygo_web_connections") != nil }
            #expect(parsed.value("cloudflare_paygo_web_max_connections") == 7)
            #expect(parsed.value("cloudflare_paygo_web_connections_closed_total", ["reason": "evicted"]) == 0)
            #expect(parsed.value("cloudflare_paygo_web_connections_closed_total", ["reason": "limit"]) == 0)
            #expect(parsed.text.contains("# TYPE cloudflare_paygo_web_connections_closed_total counter"))
        }
    }

    /// Waits long enough for the exporter to have taken a new connection in.
    private func settle() async throws {
        try await Task.sleep(for: .milliseconds(300))
    }

    @Test func atTheCapTheConnectionIdleLongestIsClosedForTheNewOne() async throws {
        var configuration = DemoExporterConfiguration.make()
        configuration.web.maxConnections = 2
        configuration.web.requestHeadTimeout = .seconds(120)
        try await RunningExporter.with(configuration) { exporter in
            let port = try port(of: exporter)
            let first = try RawHTTPConnection(port: port)
            try await settle()
            let second = try RawHTTPConnection(port: port)
            try await settle()
            // The first answers a request, so the second has been idle longer.
            first.send("GET /-/healthy HTTP/1.1\r\nHost: x\r\n\r\n")
            #expect(await first.receiveAnswer()?.statusLine == "HTTP/1.1 200 OK")
            let third = try RawHTTPConnection(port: port)
            third.send("GET /-/healthy HTTP/1.1\r\nHost: x\r\n\r\n")
            #expect(await third.receiveAnswer()?.statusLine == "HTTP/1.1 200 OK", "the newcomer is served")
            let evicted = await second.receiveUntilClosed()
            #expect(evicted.closed && evicted.bytes.isEmpty, "the connection idle longest was closed")
            first.send("GET /-/healthy HTTP/1.1\r\nHost: x\r\n\r\n")
            #expect(await first.receiveAnswer()?.statusLine == "HTTP/1.1 200 OK", "the other one is kept")
        }
    }

    @Test func whenEveryConnectionIsBusyTheNewOneIsClosed() async throws {
        // Busy: each asks for a body far larger than the socket buffers and reads none of it.
        let api = StandInCloudflareAPI()
        api.reply(for: TestAccounts.id(1), with: .json(SlowReaderTests.largeAnswer()))
        try await api.serve { baseURL in
            var configuration = TestAccounts.configuration(baseURL: baseURL, accounts: [1])
            configuration.web.maxConnections = 2
            try await RunningExporter.with(configuration) { exporter in
                _ = try await SlowReaderTests.waitForLargeBody(exporter)
                let port = try port(of: exporter)
                let busy = try (0..<2).map { _ in try RawHTTPConnection(port: port, receiveTimeout: 30, receiveBufferSize: 16 * 1_024) }
                for connection in busy { connection.send("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n") }
                try await settle()
                let refused = try RawHTTPConnection(port: port)
                refused.send("GET /-/healthy HTTP/1.1\r\nHost: x\r\n\r\n")
                let answer = await refused.receiveUntilClosed()
                #expect(answer.closed && answer.bytes.isEmpty, "closed without an answer")
                // A busy connection that finishes reading is idle again, and makes room.
                let read = try #require(await busy[0].receiveAnswer())
                #expect(read.complete)
                try await settle()
                let admitted = try RawHTTPConnection(port: port)
                admitted.send("GET /-/healthy HTTP/1.1\r\nHost: x\r\n\r\n")
                #expect(await admitted.receiveAnswer()?.statusLine == "HTTP/1.1 200 OK")
                // The counters are at most a second old.
                var body = ""
                for _ in 0..<20 {
                    body = String(buffer: try await exporter.get("/metrics").body)
                    if !body.contains(#"cloudflare_paygo_web_connections_closed_total{reason="limit"} 0"#) { break }
                    try await Task.sleep(for: .milliseconds(250))
                }
                let counters = try ParsedExposition(
                    body.split(separator: "\n").filter { $0.contains("cloudflare_paygo_web_") }.joined(separator: "\n"))
                #expect(counters.value("cloudflare_paygo_web_connections_closed_total", ["reason": "limit"]).map { $0 >= 1 } == true)
                #expect(counters.value("cloudflare_paygo_web_connections_closed_total", ["reason": "evicted"]).map { $0 >= 1 } == true)
            }
        }
    }
}
