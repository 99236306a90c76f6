import Foundation
import NIOHTTP1
import Testing

@testable import PaygoExporter

/// Which connections stay open after an answer: `Connection: close` in any spelling, HTTP/1.0
/// and its `keep-alive`, and answers that say they close (413), over real sockets.
@Suite struct HTTPKeepAliveTests {
    // MARK: The state machine

    @Test func http11KeepsTheConnectionHttp10ClosesIt() {
        var state = HTTP1KeepAlive()
        #expect(state.readHead(version: .http1_1, keepAlive: true) == .forward)
        #expect(state.readEnd() == .forward)
        #expect(state.writeHead(informational: false, closes: false, delimited: true) == .init(version: .http1_1, connection: nil))
        #expect(state.writeEnd() == .write)
        #expect(state.readHead(version: .http1_0, keepAlive: false) == .forward)
        #expect(state.readEnd() == .forward)
        #expect(state.writeHead(informational: false, closes: false, delimited: true) == .init(version: .http1_0, connection: "close"))
        #expect(state.writeEnd() == .writeThenClose)
        #expect(state.isClosed)
    }

    @Test func http10KeepAliveNeedsALength() {
        var state = HTTP1KeepAlive()
        _ = state.readHead(version: .http1_0, keepAlive: true)
        #expect(state.writeHead(informational: false, closes: false, delimited: true) == .init(version: .http1_0, connection: "keep-alive"))
        #expect(state.writeEnd() == .write)
        _ = state.readHead(version: .http1_0, keepAlive: true)
        // Only the close could delimit this body.
        #expect(state.writeHead(informational: false, closes: false, delimited: false) == .init(version: .http1_0, connection: "close"))
        #expect(state.writeEnd() == .writeThenClose)
    }

    @Test func requestsAfterOneThatAsksToCloseAreDropped() {
        var state = HTTP1KeepAlive()
        #expect(state.readHead(version: .http1_1, keepAlive: false) == .forward)
        #expect(state.readBody() == .forward, "its own body still goes on")
        #expect(state.readEnd() == .forward)
        #expect(state.readHead(version: .http1_1, keepAlive: true) == .drop)
        #expect(state.readEnd() == .drop)
        #expect(state.writeHead(informational: false, closes: false, delimited: true).connection == "close")
        #expect(state.writeEnd() == .writeThenClose)
    }

    @Test func anAnswerThatSaysCloseEndsTheConnectionAndTheRestOfTheRequest() {
        var state = HTTP1KeepAlive()
        _ = state.readHead(version: .http1_1, keepAlive: true)
        #expect(state.writeHead(informational: false, closes: true, delimited: true).connection == "close")
        #expect(state.writeEnd() == .writeThenClose)
        #expect(state.readBody() == .drop, "the refused body is not read on")
        #expect(state.readEnd() == .drop)
    }

    @Test func pipelinedAnswersTakeTheirOwnRequestsVersion() {
        var state = HTTP1KeepAlive()
        _ = state.readHead(version: .http1_1, keepAlive: true)
        _ = state.readEnd()
        _ = state.readHead(version: .http1_0, keepAlive: true)
        _ = state.readEnd()
        // A 100 Continue is followed by the real head of the same answer.
        #expect(state.writeHead(informational: true, closes: false, delimited: false) == .init(version: .http1_1, connection: nil))
        #expect(state.writeHead(informational: false, closes: false, delimited: true) == .init(version: .http1_1, connection: nil))
        #expect(state.writeEnd() == .write)
        #expect(state.writeHead(informational: false, closes: false, delimited: true) == .init(version: .http1_0, connection: "keep-alive"))
    }

    @Test func anAnswerWithoutARequestClosesInHTTP11() {
        // Hummingbird's 400 to a head that could not be parsed.
        var state = HTTP1KeepAlive()
        #expect(state.writeHead(informational: false, closes: true, delimited: true) == .init(version: .http1_1, connection: "close"))
        #expect(state.writeEnd() == .writeThenClose)
    }

    // MARK: Over loopback

    /// The head deadline far beyond the receive timeout, so a close seen within it is the
    /// exporter honouring the request rather than its deadline.
    private static func configuration() -> ExporterConfiguration {
        var configuration = DemoExporterConfiguration.make()
        configuration.web.requestHeadTimeout = .seconds(120)
        configuration.web.idleTimeout = .seconds(120)
        return configuration
    }

    private func port(of exporter: RunningExporter) throws -> Int {
        try #require(URL(string: exporter.baseURL)?.port)
    }

    /// `/-/healthy` always goes through the router; `/metrics` right after a scrape is answered
    /// from the cached body on the event loop (the fast path).
    private func prepare(_ path: String, _ exporter: RunningExporter) async throws {
        if path == "/metrics" { _ = try await exporter.scrape() }
    }

    @Test(
        arguments: [
            "Connection: close", "Connection: Close", "connection: CLOSE", "Connection: keep-alive, close", "Connection: close, TE",
        ],
        ["/metrics", "/-/healthy"])
    func connectionCloseIsAnsweredThenClosed(field: String, path: String) async throws {
        try await RunningExporter.with(Self.configuration()) { exporter in
            try await prepare(path, exporter)
            let connection = try RawHTTPConnection(port: try port(of: exporter), receiveTimeout: 10)
            // The second request must not be answered: the first asked to close.
            connection.send("GET \(path) HTTP/1.1\r\nHost: x\r\n\(field)\r\n\r\nGET /-/healthy HTTP/1.1\r\nHost: x\r\n\r\n")
            let answer = try #require(await connection.receiveAnswer())
            #expect(answer.statusLine == "HTTP/1.1 200 OK")
            #expect(answer.complete)
            #expect(answer.header("connection")?.lowercased() == "close", "the answer says it closes: \(answer.head)")
            let rest = await connection.receiveUntilClosed()
            #expect(rest.closed, "closed after the answer, not at a deadline")
            #expect(rest.bytes.isEmpty, "nothing answered after the close: \(String(decoding: rest.bytes, as: UTF8.self).prefix(100))")
        }
    }

    @Test(arguments: ["/metrics", "/-/healthy"])
    func http11WithoutCloseStaysOpen(path: String) async throws {
        try await RunningExporter.with(Self.configuration()) { exporter in
            try await prepare(path, exporter)
            let connection = try RawHTTPConnection(port: try port(of: exporter))
            connection.send("GET \(path) HTTP/1.1\r\nHost: x\r\nConnection: keep-alive\r\n\r\n")
            let first = try #require(await connection.receiveAnswer())
            #expect(first.statusLine == "HTTP/1.1 200 OK")
            #expect(first.header("connection") == nil)
            connection.send("GET /-/healthy HTTP/1.1\r\nHost: x\r\n\r\n")
            let second = try #require(await connection.receiveAnswer(), "the connection is still open")
            #expect(second.statusLine == "HTTP/1.1 200 OK")
        }
    }

    @Test(arguments: ["/metrics", "/-/healthy", "/"])
    func http10IsAnsweredInHTTP10AndClosed(path: String) async throws {
        try await RunningExporter.with(Self.configuration()) { exporter in
            try await prepare(path, exporter)
            let connection = try RawHTTPConnection(port: try port(of: exporter), receiveTimeout: 10)
            connection.send("GET \(path) HTTP/1.0\r\n\r\n")
            let answer = try #require(await connection.receiveAnswer())
            #expect(answer.statusLine == "HTTP/1.0 200 OK")
            #expect(answer.complete)
            #expect(answer.header("connection")?.lowercased() == "close")
            #expect(answer.header("transfer-encoding") == nil, "HTTP/1.0 has no chunked encoding")
            let rest = await connection.receiveUntilClosed()
            #expect(rest.closed, "an HTTP/1.0 request without keep-alive is answered, then closed")
            #expect(rest.bytes.isEmpty)
        }
    }

    @Test(arguments: ["/metrics", "/-/healthy"])
    func http10KeepAliveStaysOpenUntilARequestWithoutIt(path: String) async throws {
        try await RunningExporter.with(Self.configuration()) { exporter in
            try await prepare(path, exporter)
            let connection = try RawHTTPConnection(port: try port(of: exporter), receiveTimeout: 10)
            connection.send("GET \(path) HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n")
            let first = try #require(await connection.receiveAnswer())
            #expect(first.statusLine == "HTTP/1.0 200 OK")
            #expect(first.header("connection")?.lowercased() == "keep-alive")
            #expect(first.header("content-length") != nil, "a kept-alive HTTP/1.0 body is delimited by its length")
            connection.send("GET /-/healthy HTTP/1.0\r\n\r\n")
            let second = try #require(await connection.receiveAnswer(), "the kept-alive connection answers again")
            #expect(second.statusLine == "HTTP/1.0 200 OK")
            #expect(second.header("connection")?.lowercased() == "close")
            #expect(await connection.receiveUntilClosed().closed)
        }
    }

    @Test func refusedRequestBodyClosesTheConnectionAtOnce() async throws {
        try await RunningExporter.with(Self.configuration()) { exporter in
            let connection = try RawHTTPConnection(port: try port(of: exporter), receiveTimeout: 10)
            // More body announced than sent: the exporter must not wait for the rest.
            connection.send("GET /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\nhello")
            let answer = try #require(await connection.receiveAnswer())
            #expect(answer.statusLine.hasPrefix("HTTP/1.1 413"))
            #expect(answer.header("connection")?.lowercased() == "close")
            #expect(await connection.receiveUntilClosed().closed, "closed as its Connection: close says")
        }
    }
}
