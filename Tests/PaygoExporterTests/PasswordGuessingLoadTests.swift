import AsyncHTTPClient
import Foundation
import NIOCore
import Synchronization
import Testing

@testable import PaygoExporter

/// Scrapers that send a new wrong password with every request cost a bcrypt each: over real
/// loopback HTTP, they must not slow down the scraper that has the right password.
@Suite struct PasswordGuessingLoadTests {
    private static func basic(_ user: String, _ password: String) -> String {
        "Basic " + Data("\(user):\(password)".utf8).base64EncodedString()
    }

    /// Statuses the guessing connections got, counted.
    final class Tally: Sendable {
        private let counts = Mutex<[UInt: Int]>([:])
        private let stop = Mutex(false)
        func record(_ status: UInt) { counts.withLock { $0[status, default: 0] += 1 } }
        var all: [UInt: Int] { counts.withLock { $0 } }
        var total: Int { counts.withLock { $0.values.reduce(0, +) } }
        var stopped: Bool { stop.withLock { $0 } }
        func finish() { stop.withLock { $0 = true } }
    }

    private static func median(_ durations: [Duration]) -> Duration {
        durations.sorted()[durations.count / 2]
    }

    @Test func authenticatedScrapesStayFastWhileEightConnectionsGuessPasswords() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("web-\(UInt64.random(in: 0...UInt64.max)).yml").path
        try "basic_auth_users:\n  alice: \(WebConfigurationTests.aliceHash)\n".write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        var configuration = DemoExporterConfiguration.make()
        configuration.web = try WebServerSettings(maxRequests: 40, webConfigFile: path)
        let good = Self.basic("alice", WebConfigurationTests.alicePassword)
        try await RunningExporter.with(configuration) { exporter in
            // Its own client, so the guessers' connections never make it queue for one.
            let scraper = HTTPClient(eventLoopGroupProvider: .singleton)
            let guessers = HTTPClient(
                eventLoopGroupProvider: .singleton,
                configuration: .init(
                    connectionPool: .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: 8)))
            func get(_ client: HTTPClient, _ path: String, _ authorization: String) async throws -> (UInt, ByteBuffer) {
                var request = HTTPClientRequest(url: exporter.baseURL + path)
                request.headers.add(name: "Authorization", value: authorization)
                let response = try await client.execute(request, timeout: .seconds(30))
                return (response.status.code, try await response.body.collect(upTo: 1 << 24))
            }
            #expect(try await get(scraper, "/metrics", good).0 == 200, "checked once, before the guessing starts")

            let tally = Tally()
            let guessing = Task {
                await withTaskGroup(of: Void.self) { group in
                    for connection in 0..<8 {
                        group.addTask {
                            var attempt = 0
                            while !tally.stopped {
                                attempt += 1
                                let status =
                                    (try? await get(guessers, "/metrics", Self.basic("alice", "guess \(connection) \(attempt)")).0) ?? 0
                                tally.record(status)
                            }
                        }
                    }
                }
            }
            // Under way: the bcrypt thread is busy and its queue has overflowed at least once.
            let deadline = ContinuousClock.now + .seconds(30)
            while (tally.all[503] ?? 0) < 8 || tally.all[401] == nil, ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(5))
            }

            var scrapes: [Duration] = [], probes: [Duration] = []
            for _ in 0..<100 {
                var start = ContinuousClock.now
                let (status, body) = try await get(scraper, "/metrics", good)
                scrapes.append(ContinuousClock.now - start)
                #expect(status == 200)
                #expect(body.readableBytes > 1_000)
                // The router's own path, as every scrape a minute apart takes.
                start = ContinuousClock.now
                #expect(try await get(scraper, "/-/healthy", good).0 == 200)
                probes.append(ContinuousClock.now - start)
            }
            let guessed = tally.total
            tally.finish()
            await guessing.value
            // The auth families are shown at most once a second: wait for a fresh showing.
            try await Task.sleep(for: .milliseconds(1_100))

            let metrics = try ParsedExposition(String(buffer: try await get(scraper, "/metrics", good).1))
            try await scraper.shutdown()
            try await guessers.shutdown()

            #expect(Set(tally.all.keys).isSubset(of: [401, 503]), "\(tally.all)")
            #expect(guessed > 100, "the guessers kept at it: \(tally.all)")
            #expect(Self.median(scrapes) < .milliseconds(20), "median scrape \(Self.median(scrapes)) with \(tally.all)")
            #expect(Self.median(probes) < .milliseconds(20), "median probe \(Self.median(probes)) with \(tally.all)")
            #expect(
                metrics.value("cloudflare_paygo_web_auth_checks_total", ["result": "ok"]) == 1,
                "the good credential was never checked again")
            // Every 503 ran no bcrypt, every 401 ran exactly one.
            #expect(metrics.value("cloudflare_paygo_web_auth_checks_total", ["result": "busy"]) == Double(tally.all[503] ?? 0))
            #expect(metrics.value("cloudflare_paygo_web_auth_checks_total", ["result": "wrong"]) == Double(tally.all[401] ?? 0))
            print(
                "password guessing: \(tally.all), median scrape \(Self.median(scrapes)), median probe \(Self.median(probes)), bcrypt \(metrics.value("cloudflare_paygo_web_auth_bcrypt_seconds_total") ?? 0) s"
            )
        }
    }
}
