import Foundation
import Testing

@testable import PaygoExporter

/// A scraper that reads a large body slowly gets all of it: no deadline or timeout of the
/// exporter's cuts an answer that is still being sent.
@Suite(.serialized) struct SlowReaderTests {
    /// About 9 MB of plain text: a thousand services with 1,000-character names, seven series
    /// each. Larger than what loopback's socket buffers hold (4 MB send, the reader's 32 KiB).
    static func largeAnswer() -> String {
        let name = String(repeating: "x", count: 1_000)
        return AnswerBuilder.success((0..<1_100).map { AnswerBuilder.record(service: "Service \($0) \(name)") })
    }

    /// Waits until the large answer is served; its length. Searched, not parsed: parsing 9 MB
    /// in a debug build takes seconds of a CPU the rest of the suite needs.
    static func waitForLargeBody(_ exporter: RunningExporter) async throws -> Int {
        let up = #"cloudflare_paygo_up{account_id="\#(TestAccounts.id(1))"} 1"#
        let deadline = ContinuousClock.now + .seconds(20)
        while ContinuousClock.now < deadline {
            let body = try await exporter.get("/metrics").body
            if body.readableBytes > 8_000_000, String(buffer: body).contains(up) { return body.readableBytes }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw TestFailure("the large answer was not served within 20 s")
    }

    /// Reads the body at about 1.5 MB/s, so the answer takes 6 s to send: well past the 1 s head
    /// deadline and the 2 s idle timeout the exporter runs with here. Through the fast path the
    /// whole body is queued at once; through the router, with backpressure.
    @Test(arguments: [true, false])
    func slowReaderOfALargeBodyGetsEveryByte(fastPath: Bool) async throws {
        let api = StandInCloudflareAPI()
        api.reply(for: TestAccounts.id(1), with: .json(Self.largeAnswer()))
        try await api.serve { baseURL in
            var configuration = TestAccounts.configuration(baseURL: baseURL, accounts: [1])
            configuration.web.requestHeadTimeout = .seconds(1)
            configuration.web.idleTimeout = .seconds(2)
            try await RunningExporter.with(configuration) { exporter in
                _ = try await Self.waitForLargeBody(exporter)
                // The event loop sends a body built within the last second (parsing one takes
                // longer), so the fast path's scrape comes right after another one; the router's
                // after a pause.
                if fastPath {
                    _ = try await exporter.get("/metrics")
                } else {
                    try await Task.sleep(for: .milliseconds(1_200))
                }
                let port = try #require(URL(string: exporter.baseURL)?.port)
                let connection = try RawHTTPConnection(port: port, receiveTimeout: 30, receiveBufferSize: 32 * 1_024)
                connection.send("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")
                let answer = try #require(await connection.receiveAnswer(chunk: 32 * 1_024, pause: .milliseconds(20)))
                #expect(answer.statusLine == "HTTP/1.1 200 OK")
                let length = try #require(answer.header("content-length").flatMap { Int($0) })
                #expect(length > 8_000_000)
                #expect(answer.complete, "the connection ended after \(answer.body.count) of \(length) bytes")
                #expect(answer.body.count == length)
                #expect(
                    String(decoding: answer.body.suffix(200), as: UTF8.self).contains("process_"), "the body ends with its process_* tail")
            }
        }
    }

    /// A reader that takes nothing at all does not keep its connection: once a close is due
    /// (here the 1 s idle timeout), an answer that has not moved for that long is cut.
    @Test func stalledReaderIsClosedAfterTheIdleTimeout() async throws {
        let api = StandInCloudflareAPI()
        api.reply(for: TestAccounts.id(1), with: .json(Self.largeAnswer()))
        try await api.serve { baseURL in
            var configuration = TestAccounts.configuration(baseURL: baseURL, accounts: [1])
            configuration.web.idleTimeout = .seconds(1)
            try await RunningExporter.with(configuration) { exporter in
                _ = try await Self.waitForLargeBody(exporter)
                // Through the router, whose answer waits for the socket: nothing else closes it.
                try await Task.sleep(for: .milliseconds(1_200))
                let port = try #require(URL(string: exporter.baseURL)?.port)
                let connection = try RawHTTPConnection(port: port, receiveTimeout: 30, receiveBufferSize: 16 * 1_024)
                connection.send("GET /metrics HTTP/1.1\r\nHost: x\r\nAccept-Encoding: identity\r\n\r\n")
                // The close is due after 1 s, the answer is found stalled 1 s later; 8 s leave
                // room for a loaded machine.
                try await Task.sleep(for: .seconds(8))
                let answer = try #require(await connection.receiveAnswer())
                let length = try #require(answer.header("content-length").flatMap { Int($0) })
                #expect(!answer.complete, "cut: \(answer.body.count) of \(length) bytes")
                #expect(answer.body.count < length)
            }
        }
    }
}
