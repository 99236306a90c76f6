import Foundation
import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import Logging
import NIOCore
import SwiftProtobuf
import Synchronization

@testable import PaygoExporter

/// A stand-in remote-write receiver on loopback: records every request (headers, the decoded
/// `WriteRequest`) and answers what the test's `answer` says (204 by default).
final class StandInReceiver: Sendable {
    struct Reply: Sendable {
        var status: Int
        var body: String = ""
        var headers: [String: String] = [:]
    }

    struct Received: Sendable {
        var headers: [String: String]
        /// Nil when the body was not snappy-compressed protobuf.
        var request: Prometheus_WriteRequest?
        var bodyBytes: Int
        /// When it arrived, on the real clock.
        var time: ContinuousClock.Instant

        var sampleCount: Int { request?.timeseries.reduce(0) { $0 + $1.samples.count } ?? 0 }
    }

    static let path = "/api/v1/write"
    private let received = Mutex<[Received]>([])
    /// Given the request's number (0-based) and what it held, the answer.
    private let answer: @Sendable (Int, Received) -> Reply
    /// Serve HTTPS with this configuration instead of plain HTTP.
    let tls: TLSConfiguration?

    init(tls: TLSConfiguration? = nil, answer: @escaping @Sendable (Int, Received) -> Reply = { _, _ in Reply(status: 204) }) {
        self.tls = tls
        self.answer = answer
    }

    /// Answers successive requests with `statuses` in order, then 204.
    convenience init(statuses: [Reply]) {
        self.init { index, _ in index < statuses.count ? statuses[index] : Reply(status: 204) }
    }

    var requests: [Received] { received.withLock { $0 } }

    /// Every sample received, per series (its labels as `name=value,...`), in arrival order.
    var samplesBySeries: [String: [Prometheus_Sample]] {
        var out: [String: [Prometheus_Sample]] = [:]
        for request in requests {
            for series in request.request?.timeseries ?? [] {
                out[Self.key(series.labels), default: []] += series.samples
            }
        }
        return out
    }

    static func key(_ labels: [Prometheus_Label]) -> String {
        labels.map { "\($0.name)=\($0.value)" }.joined(separator: ",")
    }

    /// Runs the receiver for the duration of `body`, which gets its write URL.
    func serve<T: Sendable>(_ body: @Sendable (_ url: String) async throws -> T) async throws -> T {
        let responder = CallbackResponder<BasicRequestContext> { [self] request, _ in
            var headers: [String: String] = [:]
            for field in request.headers { headers[field.name.canonicalName.lowercased()] = field.value }
            let bytes = Array(buffer: try await request.body.collect(upTo: 64 << 20))
            let decoded = (try? SnappyReferenceDecoder.decode(bytes)).flatMap { try? Prometheus_WriteRequest(serializedBytes: $0) }
            let entry = Received(headers: headers, request: decoded, bodyBytes: bytes.count, time: .now)
            let index = received.withLock { received in
                received.append(entry)
                return received.count - 1
            }
            let reply = answer(index, entry)
            var fields: HTTPFields = [.contentType: "text/plain"]
            for (name, value) in reply.headers { fields[HTTPFields.Element.Name(name)!] = value }
            return Response(
                status: .init(code: reply.status), headers: fields, body: ResponseBody(byteBuffer: ByteBuffer(string: reply.body)))
        }
        let server: HTTPServerBuilder = if let tls { try .tls(tlsConfiguration: tls) } else { .http1() }
        let scheme = tls == nil ? "http" : "https"
        return try await withRunningService(
            { onPort in
                Application(
                    responder: responder,
                    server: server,
                    configuration: .init(address: .hostname("127.0.0.1", port: 0)),
                    onServerRunning: { await onPort($0.localAddress?.port ?? 0) },
                    logger: Logger(label: "stand-in receiver") { _ in SwiftLogNoOpLogHandler() })
            },
            body: { port in try await body("\(scheme)://127.0.0.1:\(port)\(Self.path)") })
    }
}
