import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import PaygoExporter
import ServiceLifecycle
import Synchronization

/// An exporter running in this process on a loopback port, with its log captured.
struct RunningExporter: Sendable {
    let baseURL: String
    let logLines: LogLines

    /// Starts an exporter with `configuration` (its listen address replaced by 127.0.0.1:0)
    /// for the duration of `body`.
    static func with<T: Sendable>(
        _ configuration: ExporterConfiguration,
        _ body: @Sendable (RunningExporter) async throws -> T
    ) async throws -> T {
        var configuration = configuration
        configuration.listenAddress = ListenAddress(host: "127.0.0.1", port: 0)
        let lines = LogLines()
        let sink = LogSink { line in lines.append(line) }
        let logger = Logger(label: "test") { label in ExporterLogHandler(label: label, level: .debug, format: .logfmt, sink: sink) }
        let exporter = Exporter(configuration: configuration, logger: logger)
        return try await withRunningService(
            { onPort in ExporterService(exporter: exporter, onPort: onPort) },
            body: { port in try await body(RunningExporter(baseURL: "http://127.0.0.1:\(port)", logLines: lines)) })
    }

    /// Unlike `HTTPClient.shared`, never decompresses, so tests see exactly what was sent.
    static let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: .init(decompression: .disabled))

    /// GETs a path; returns status, headers and the raw (not decompressed) body.
    func get(
        _ path: String, headers: [String: String] = [:], timeout: TimeAmount = .seconds(10)
    ) async throws -> (status: Int, headers: [String: String], body: ByteBuffer) {
        var request = HTTPClientRequest(url: baseURL + path)
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        let response = try await Self.client.execute(request, timeout: timeout)
        let body = try await response.body.collect(upTo: 64 << 20)
        var responseHeaders: [String: String] = [:]
        for header in response.headers { responseHeaders[header.name.lowercased()] = header.value }
        return (Int(response.status.code), responseHeaders, body)
    }

    /// The `/metrics` body as text.
    func scrape() async throws -> String {
        let response = try await get("/metrics")
        return String(buffer: response.body)
    }

    /// Scrapes until `condition` holds on the parsed body, or fails after `timeout`.
    func scrape(until condition: (ParsedExposition) -> Bool, timeout: Duration = .seconds(10)) async throws -> ParsedExposition {
        let deadline = ContinuousClock.now + timeout
        while true {
            let parsed = try ParsedExposition(try await scrape())
            if condition(parsed) { return parsed }
            if ContinuousClock.now > deadline {
                throw TestFailure("condition not met within \(timeout); last body:\n\(parsed.text)")
            }
            try await Task.sleep(for: .milliseconds(50))
        }
    }
}

/// Adapts `Exporter.run` to a `Service` so tests start it like any other server.
private struct ExporterService: Service {
    let exporter: Exporter
    let onPort: @Sendable (Int) async -> Void

    func run() async throws {
        try await exporter.run(handleSignals: false, onListening: onPort)
    }
}

final class LogLines: Sendable {
    private let lines = Mutex<[String]>([])
    func append(_ line: String) { lines.withLock { $0.append(line) } }
    var all: String { lines.withLock { $0.joined() } }
    /// Each line, in the order logged.
    var entries: [String] { lines.withLock { $0 } }
    /// Whether some line satisfies `predicate`.
    func contains(where predicate: (String) -> Bool) -> Bool { lines.withLock { $0.contains(where: predicate) } }
}

struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
