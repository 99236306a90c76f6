import Foundation
import Testing

@testable import PaygoExporter

/// `--web.telemetry-path` is a literal path: characters Hummingbird's router reads as patterns
/// (`*`, `**`, `:name`, `{name}`) match only themselves.
@Suite struct TelemetryPathTests {
    @Test(arguments: [
        ("/**", "/other/place"), ("/*", "/other"), ("/:name", "/other"), ("/{name}", "/other"),
        ("/metrics/*/x", "/metrics/y/x"), ("/prefix*", "/prefixes"),
    ])
    func patternCharactersAreServedLiterally(path: String, lookalike: String) async throws {
        var configuration = DemoExporterConfiguration.make()
        configuration.telemetryPath = path
        try await RunningExporter.with(configuration) { exporter in
            let port = try #require(URL(string: exporter.baseURL)?.port)
            // Raw, so that nothing percent-encodes the pattern characters on the way.
            for _ in 0..<2 {  // the second scrape may be answered by the fast path
                let connection = try RawHTTPConnection(port: port)
                connection.send("GET \(path) HTTP/1.1\r\nHost: x\r\n\r\n")
                let answer = try #require(await connection.receiveAnswer())
                #expect(answer.statusLine == "HTTP/1.1 200 OK", "\(path): \(answer.head)")
                #expect(String(decoding: answer.body, as: UTF8.self).contains("# HELP cloudflare_paygo_"))
            }
            #expect(try await exporter.get(lookalike).status == 404, "\(lookalike) is not \(path)")
            let landing = try await exporter.get("/")
            #expect(landing.status == 200)
            #expect(landing.headers["content-type"]?.hasPrefix("text/html") == true, "/ is still the landing page")
            #expect(try await exporter.get("/-/healthy").status == 200)
        }
    }

    @Test func percentEncodedPatternCharactersMatchToo() async throws {
        // Prometheus sends `{` and `}` percent-encoded, as Go's URL escaping does.
        var configuration = DemoExporterConfiguration.make()
        configuration.telemetryPath = "/{name}"
        try await RunningExporter.with(configuration) { exporter async throws in
            #expect(try await exporter.get("/%7Bname%7D").status == 200)
            #expect(try await exporter.get("/%7Bother%7D").status == 404)
        }
    }
}
