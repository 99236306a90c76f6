import Foundation
import HTTPTypes
import Testing

@testable import PaygoExporter

/// What every answer's head carries: `HEAD` the length `GET` would send, the web config's extra
/// headers on every status, over real sockets.
@Suite struct HTTPAnswerHeadersTests {
    private func port(of exporter: RunningExporter) throws -> Int {
        try #require(URL(string: exporter.baseURL)?.port)
    }

    @Test(arguments: ["/metrics", "/", "/-/healthy", "/-/ready"])
    func headSendsTheContentLengthOfGet(path: String) async throws {
        try await RunningExporter.with(DemoExporterConfiguration.make()) { exporter in
            _ = try await exporter.scrape { !$0.matching("cloudflare_paygo_up").isEmpty }
            // /metrics changes once a second (its process_* tail): GET and HEAD are pipelined so
            // both are answered from the same second's body; a try that straddles a second
            // boundary is repeated.
            var lengths: [(get: String?, head: String?)] = []
            for _ in 0..<3 {
                let connection = try RawHTTPConnection(port: try port(of: exporter))
                connection.send("GET \(path) HTTP/1.1\r\nHost: x\r\n\r\nHEAD \(path) HTTP/1.1\r\nHost: x\r\n\r\n")
                let get = try #require(await connection.receiveAnswer())
                let head = try #require(await connection.receiveAnswer(bodyExpected: false))
                #expect(head.statusLine == get.statusLine)
                #expect(get.header("content-length") == String(get.body.count))
                #expect(head.header("content-length").flatMap { Int($0) }.map { $0 > 0 } == true, "HEAD \(path): \(head.head)")
                lengths.append((get.header("content-length"), head.header("content-length")))
                if lengths.last?.get == lengths.last?.head { break }
            }
            #expect(lengths.contains { $0.get == $0.head }, "HEAD \(path) announces what GET sends: \(lengths)")
        }
    }

    @Test func headOfAScrapeSendsNoBody() async throws {
        try await RunningExporter.with(DemoExporterConfiguration.make()) { exporter in
            let connection = try RawHTTPConnection(port: try port(of: exporter))
            connection.send("HEAD /metrics HTTP/1.1\r\nHost: x\r\n\r\nGET /-/healthy HTTP/1.1\r\nHost: x\r\n\r\n")
            _ = try #require(await connection.receiveAnswer(bodyExpected: false))
            // Were any body bytes sent, they would stand where the next answer's status line is.
            let next = try #require(await connection.receiveAnswer())
            #expect(next.statusLine == "HTTP/1.1 200 OK")
            #expect(next.body == Array("Healthy.\n".utf8))
        }
    }

    @Test(arguments: [
        ("GET /metrics HTTP/1.1", "200"), ("GET /nowhere HTTP/1.1", "404"), ("POST /metrics HTTP/1.1", "405"),
        ("HEAD /nowhere HTTP/1.1", "404"), ("GET /-/ready HTTP/1.1", "200"), ("GET /metrics HTTP/1.0", "200"),
    ])
    func extraHeadersGoOnEveryAnswer(requestLine: String, status: String) async throws {
        var configuration = DemoExporterConfiguration.make()
        configuration.web.extraHeaders = [
            (name: "X-Frame-Options", value: "deny"), (name: "X-Left-Out", value: ""),
            (name: "Strict-Transport-Security", value: "max-age=31536000"),
        ]
        try await RunningExporter.with(configuration) { exporter in
            // Warm (the 200 scrape may come from the fast path) and ready: every account tried.
            _ = try await exporter.scrape { $0.matching("cloudflare_paygo_up").count == DemoUsageSource.accounts.count }
            let connection = try RawHTTPConnection(port: try port(of: exporter))
            connection.send("\(requestLine)\r\nHost: x\r\nContent-Length: 0\r\n\r\n")
            let answer = try #require(await connection.receiveAnswer(bodyExpected: !requestLine.hasPrefix("HEAD")))
            #expect(answer.statusLine.split(separator: " ").dropFirst().first.map(String.init) == status, "\(answer.head)")
            #expect(answer.headers("x-frame-options") == ["deny"], "\(answer.head)")
            #expect(answer.headers("strict-transport-security") == ["max-age=31536000"])
            #expect(answer.headers("x-left-out").isEmpty, "a header configured empty is left out: \(answer.head)")
        }
    }

    @Test func extraHeadersOnTheFastPathLeaveOutEmptyValues() {
        var fields = HTTPFields()
        fields.setExtraHeaders([(name: "X-Frame-Options", value: "deny"), (name: "X-Left-Out", value: "")])
        #expect(fields[HTTPField.Name("X-Frame-Options")!] == "deny")
        #expect(fields[HTTPField.Name("X-Left-Out")!] == nil)
    }
}
