import Foundation
import NIOCore
import Testing

@testable import PaygoExporter

/// The built binary under tight descriptor limits: it raises its soft limit to the hard one,
/// and a flood of idle connections never takes the descriptors a scrape needs.
@Suite struct DescriptorLimitTests {
    @Test func softLimitIsRaisedToTheHardOne() async throws {
        var hard = rlimit()
        getrlimit(Int32(RLIMIT_NOFILE.rawValue), &hard)
        let finite = hard.rlim_max > 512 && hard.rlim_max < 1 << 40
        try #require(finite, "needs a finite hard limit above 512, not \(hard.rlim_max)")
        let process = try ExporterProcess(arguments: ["--demo"], environment: CommandLineTests.environment, ulimit: "-S -n 256")
        try await process.waitUntilReady()
        let parsed = try ParsedExposition(try await process.client.scrape())
        #expect(parsed.value("process_max_fds") == Double(hard.rlim_max), "soft limit raised from 256 to \(hard.rlim_max)")
        #expect(await process.stop() == 0)
    }

    /// 200 idle connections against `ulimit -n 128`: without a cap below the limit they take
    /// every descriptor, and a scrape waits until the head deadline frees some (10 s).
    @Test func floodOfIdleConnectionsLeavesRoomForScrapes() async throws {
        let process = try ExporterProcess(
            arguments: ["--demo", "--log.level", "debug"], environment: CommandLineTests.environment, ulimit: "-n 128")
        try await process.waitUntilReady()
        var flood: [RawHTTPConnection] = []
        for round in 0..<2 {
            for _ in 0..<200 {
                if let connection = try? RawHTTPConnection(port: process.port) { flood.append(connection) }
            }
            let body = try await scrape(process.port)
            #expect(body.contains("cloudflare_paygo_up"), "round \(round)")
        }
        #expect(flood.count == 400, "the kernel completes every connect; the exporter decides")
        // The connection families are at most a second old.
        var parsed = try ParsedExposition(try await scrape(process.port))
        for _ in 0..<20 where parsed.value("cloudflare_paygo_web_connections_closed_total", ["reason": "evicted"]).map({ $0 < 300 }) ?? true
        {
            try await Task.sleep(for: .milliseconds(250))
            parsed = try ParsedExposition(try await scrape(process.port))
        }
        #expect(
            parsed.value("cloudflare_paygo_web_connections_closed_total", ["reason": "evicted"]).map { $0 >= 300 } == true,
            "\(parsed.text.split(separator: "\n").filter { $0.contains("web_") })")
        let cap = try #require(parsed.value("cloudflare_paygo_web_max_connections"))
        #expect(cap < 128 && cap >= 16, "the cap was lowered to fit 128 descriptors: \(cap)")
        #expect(parsed.value("cloudflare_paygo_web_connections").map { $0 <= cap } == true)
        #expect(parsed.value("cloudflare_paygo_web_connections_closed_total", ["reason": "limit"]) == 0, "idle connections make room")
        #expect(parsed.value("process_open_fds").map { $0 < 128 } == true)
        #expect(process.standardError.contains("--web.max-connections lowered"), "\(process.standardError)")
        let status = await process.stop()
        #expect(status == 0, "\(process.standardError.suffix(2_000))")
    }

    /// A scrape on a connection of its own, as Prometheus makes when it has none open. (A
    /// pooling client may pick a kept-alive connection at the moment it is evicted; Prometheus,
    /// like any Go client, then retries on a new one.) Well within the 10 s head deadline,
    /// which would otherwise free descriptors too.
    private func scrape(_ port: Int) async throws -> String {
        let connection = try RawHTTPConnection(port: port, receiveTimeout: 5)
        connection.send("GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        let answer = try #require(await connection.receiveAnswer(), "no answer within 5 s")
        #expect(answer.statusLine == "HTTP/1.1 200 OK")
        #expect(answer.complete)
        return String(decoding: answer.body, as: UTF8.self)
    }
}
