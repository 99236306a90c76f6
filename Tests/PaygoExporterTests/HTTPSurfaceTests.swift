import AsyncHTTPClient
import Foundation
import NIOCore
import NIOSSL
import Testing

@testable import PaygoExporter

/// The exporter's own HTTP side: methods, limits, slow clients, TLS and basic auth.
@Suite struct HTTPSurfaceTests {
    private func port(of exporter: RunningExporter) throws -> Int {
        try #require(URL(string: exporter.baseURL)?.port)
    }

    @Test(arguments: ["POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE"])
    func otherMethodsGet405(method: String) async throws {
        try await RunningExporter.with(DemoExporterConfiguration.make()) { exporter in
            let connection = try RawHTTPConnection(port: try port(of: exporter))
            connection.send("\(method) /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
            let answer = await connection.receiveAll()
            #expect(answer.hasPrefix("HTTP/1.1 405"), "\(answer.prefix(200))")
            #expect(answer.lowercased().contains("allow: get, head"))
        }
    }

    @Test func headAnswersLikeGetWithoutABody() async throws {
        try await RunningExporter.with(DemoExporterConfiguration.make()) { exporter in
            let connection = try RawHTTPConnection(port: try port(of: exporter))
            connection.send("HEAD /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            let answer = await connection.receiveAll()
            #expect(answer.hasPrefix("HTTP/1.1 200"))
            #expect(answer.contains("text/plain; version=0.0.4"))
            #expect(!answer.contains("# HELP"))
        }
    }

    @Test func requestBodiesAreRefused() async throws {
        try await RunningExporter.with(DemoExporterConfiguration.make()) { exporter in
            let connection = try RawHTTPConnection(port: try port(of: exporter))
            connection.send("GET /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello")
            let answer = await connection.receiveAll()
            #expect(answer.hasPrefix("HTTP/1.1 413"))
        }
    }

    @Test func oversizedRequestHeadIsRefused() async throws {
        try await RunningExporter.with(DemoExporterConfiguration.make()) { exporter in
            let connection = try RawHTTPConnection(port: try port(of: exporter))
            connection.send("GET /metrics HTTP/1.1\r\nHost: x\r\nX-Big: \(String(repeating: "a", count: 32_768))\r\n\r\n")
            let answer = await connection.receiveAll()
            #expect(!answer.contains("# HELP"), "an oversized head is never served")
            #expect(answer.isEmpty || answer.hasPrefix("HTTP/1.1 4"), "\(answer.prefix(100))")
        }
    }

    /// Opens a connection to an exporter with a 1 s head deadline, sends `opening`, then one
    /// `piece(index)` every 200 ms (often enough to keep an idle timeout from ever firing) until
    /// the server closes the connection or 3 s pass.
    private func trickle(
        _ opening: String, _ piece: @escaping @Sendable (Int) -> String,
        then check: @escaping @Sendable (RunningExporter) async throws -> Void = { _ in }
    ) async throws -> (closed: Bool, after: Duration) {
        var configuration = DemoExporterConfiguration.make()
        configuration.web.requestHeadTimeout = .seconds(1)
        return try await RunningExporter.with(configuration) { exporter in
            let connection = try RawHTTPConnection(port: try port(of: exporter), receiveTimeout: 0.1)
            connection.send(opening)
            let start = ContinuousClock.now
            var closed = false
            // Closed after about 1.4 s (the 1 s deadline, then two sends to notice); up to 5 s is
            // allowed so a suite loading both cores cannot fail it, and is still far short of
            // what an unbounded connection would get.
            for index in 0..<30 {
                try await Task.sleep(for: .milliseconds(200))
                if !connection.send(piece(index)) {
                    closed = true
                    break
                }
                if ContinuousClock.now - start > .seconds(5) { break }
            }
            let after = ContinuousClock.now - start
            try await check(exporter)
            return (closed, after)
        }
    }

    @Test func slowlorisConnectionIsClosedAtTheHeadDeadline() async throws {
        let result = try await trickle("GET /metrics HTTP/1.1\r\nHost: x\r\n", { "X-Slow-\($0): y\r\n" }) { exporter in
            let status = try await exporter.get("/metrics").status
            #expect(status == 200, "a normal scrape still works")
        }
        #expect(result.closed, "the server closed the trickling connection")
        #expect(result.after < .seconds(5))
    }

    @Test func bodyTrickledAfterTheAnswerIsCutAtTheHeadDeadline() async throws {
        // Refused with 413 at once; the body it announced then arrives a byte at a time.
        let result = try await trickle("GET /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n", { _ in "a" })
        #expect(result.closed, "the deadline runs from the answer's end, not the request's")
        #expect(result.after < .seconds(5))
    }

    @Test func inFlightLimiterRefusesBeyondItsLimit() async throws {
        let limiter = InFlightLimiter(limit: 2)
        let (gate, release) = AsyncStream<Void>.makeStream()
        let (started, startedContinuation) = AsyncStream<Void>.makeStream()
        async let first: Bool? = limiter.withSlot {
            startedContinuation.yield()
            for await _ in gate { break }
            return true
        }
        async let second: Bool? = limiter.withSlot {
            startedContinuation.yield()
            for await _ in gate { break }
            return true
        }
        var iterator = started.makeAsyncIterator()
        _ = await iterator.next()
        _ = await iterator.next()
        let third = await limiter.withSlot { true }
        #expect(third == nil, "a third concurrent request is refused")
        release.yield()
        release.yield()
        release.finish()
        #expect(await first == true)
        #expect(await second == true)
        #expect(await limiter.withSlot { true } == true, "slots come back")
    }

    @Test func maxRequestsAnswers503WhenFull() async throws {
        var configuration = DemoExporterConfiguration.make()
        configuration.web.maxRequests = 1
        try await RunningExporter.with(configuration) { exporter in
            // Many concurrent scrapes against a limit of one: some may be refused with 503,
            // none fails any other way, and the exporter keeps serving afterwards.
            let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
                for _ in 0..<64 { group.addTask { try await exporter.get("/metrics").status } }
                return try await group.reduce(into: [Int]()) { $0.append($1) }
            }
            #expect(Set(statuses).isSubset(of: [200, 503]))
            #expect(statuses.contains(200))
            #expect(try await exporter.get("/metrics").status == 200)
        }
    }
}
