import Foundation
import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import Logging
import NIOCore
import PaygoExporter
import ServiceLifecycle
import Synchronization

/// A stand-in for Cloudflare's API on loopback: answers each path with what the test set,
/// 404 with Cloudflare's "could not route" envelope otherwise, and records every request.
final class StandInCloudflareAPI: Sendable {
    struct Reply: Sendable {
        var status: Int
        var contentType: String
        var body: [UInt8]
        var delay: Duration?
        var headers: [String: String] = [:]
        /// Sends the body one chunk of 16 bytes per interval, after the headers.
        var trickle: Duration?

        static func json(_ text: String, status: Int = 200, delay: Duration? = nil, headers: [String: String] = [:]) -> Reply {
            Reply(status: status, contentType: "application/json", body: Array(text.utf8), delay: delay, headers: headers)
        }

        static func html(_ text: String, status: Int) -> Reply {
            Reply(status: status, contentType: "text/html", body: Array(text.utf8))
        }
    }

    struct RecordedRequest: Sendable {
        var path: String
        var headers: [String: String]
        var time: ContinuousClock.Instant
        /// The request target as sent: absolute-form when it came through as a proxy request.
        var target: String
        /// The Host the client asked for.
        var authority: String?
    }

    static let basePath = "/client/v4"
    /// Per path, the replies still to give; the last one repeats.
    private let replies = Mutex<[String: [Reply]]>([:])
    private let recorded = Mutex<[RecordedRequest]>([])
    /// Off for soak tests, whose request log would only grow.
    let recordsRequests: Bool
    /// Serve HTTPS with this configuration instead of plain HTTP.
    let tls: TLSConfiguration?
    /// When set, calls beyond it get Cloudflare's 429.
    let rateLimit: TokenBucket?

    init(recordsRequests: Bool = true, tls: TLSConfiguration? = nil, rateLimit: TokenBucket? = nil) {
        self.recordsRequests = recordsRequests
        self.tls = tls
        self.rateLimit = rateLimit
    }

    /// Today's usage path of `account` under the stand-in's base path (or `template`'s).
    static func usagePath(_ account: String, template: String = UsageEndpoint.defaultPath) -> String {
        basePath + template.replacingOccurrences(of: "{account_id}", with: account)
    }

    func reply(for account: String, with reply: Reply, template: String = UsageEndpoint.defaultPath) {
        replies(for: account, with: [reply], template: template)
    }

    /// Answers successive requests with `sequence` in order, then keeps giving its last reply.
    func replies(for account: String, with sequence: [Reply], template: String = UsageEndpoint.defaultPath) {
        replies.withLock { $0[Self.usagePath(account, template: template)] = sequence }
    }

    /// Answers the account's billable-usage info calls with `reply` (unset, they get a 404, as
    /// on the older API generations).
    func info(for account: String, with reply: Reply) {
        replies(for: account, with: [reply], template: UsageInfoEndpoint.defaultPath)
    }

    /// An info answer: `covered`, and one subscription anchored at `anchor` (RFC 3339).
    static func infoAnswer(covered: Bool = true, anchor: String) -> Reply {
        .json(
            #"{"success":true,"errors":[],"messages":[],"result":{"covered":\#(covered),"subscriptions":[{"id":"s1","billing_cycle_anchor_timestamp":"\#(anchor)","start_timestamp":"\#(anchor)"}]}}"#
        )
    }

    /// Answers successive requests with `sequence` round and round, for soak tests.
    func cycle(for account: String, through sequence: [Reply]) {
        cycles.withLock { $0[Self.usagePath(account)] = (sequence, 0) }
    }

    private let cycles = Mutex<[String: (replies: [Reply], next: Int)]>([:])

    private func nextReply(for path: String) -> Reply? {
        if let reply = cycles.withLock({ cycles -> Reply? in
            guard let entry = cycles[path], !entry.replies.isEmpty else { return nil }
            cycles[path]?.next = (entry.next + 1) % entry.replies.count
            return entry.replies[entry.next]
        }) {
            return reply
        }
        return replies.withLock { replies in
            guard var sequence = replies[path], let first = sequence.first else { return nil }
            if sequence.count > 1 {
                sequence.removeFirst()
                replies[path] = sequence
            }
            return first
        }
    }

    var requests: [RecordedRequest] { recorded.withLock { $0 } }

    /// Answers requests to `path` (under the base path) from their query, e.g. pages of a list.
    func answer(path: String, with handler: @escaping @Sendable (_ query: [String: String]) -> Reply) {
        handlers.withLock { $0[Self.basePath + path] = handler }
    }

    private let handlers = Mutex<[String: @Sendable ([String: String]) -> Reply]>([:])

    private func handled(_ path: String, target: String) -> Reply? {
        guard let handler = handlers.withLock({ $0[path] }) else { return nil }
        var query: [String: String] = [:]
        for pair in target.split(separator: "?", maxSplits: 1).dropFirst().first?.split(separator: "&") ?? [] {
            let parts = pair.split(separator: "=", maxSplits: 1)
            query[String(parts[0])] = parts.count > 1 ? String(parts[1]) : ""
        }
        return handler(query)
    }

    /// The usage calls among `requests`: all but the billable-usage info calls and the
    /// account-name calls (`GET /accounts/{id}`).
    var usageRequests: [RecordedRequest] {
        requests.filter { !$0.path.hasSuffix("/billable-usage/info") && !Self.isAccountNameCall($0.path) }
    }

    /// The `GET /accounts/{id}` calls among `requests`.
    var accountNameRequests: [RecordedRequest] { requests.filter { Self.isAccountNameCall($0.path) } }

    private static func isAccountNameCall(_ path: String) -> Bool {
        let parts = path.split(separator: "/")
        return parts.count >= 2 && parts[parts.count - 2] == "accounts" && parts.last?.utf8.count == 32
    }

    /// Runs the stand-in for the duration of `body`, which gets its base URL.
    func serve<T: Sendable>(_ body: @Sendable (_ baseURL: String) async throws -> T) async throws -> T {
        let responder = CallbackResponder<BasicRequestContext> { [self] request, _ in
            var headers: [String: String] = [:]
            for field in request.headers { headers[field.name.canonicalName.lowercased()] = field.value }
            let path = request.uri.path
            if recordsRequests {
                recorded.withLock {
                    $0.append(
                        RecordedRequest(
                            path: path, headers: headers, time: .now, target: request.uri.description, authority: request.head.authority))
                }
            }
            let limited: Reply? =
                rateLimit.map { $0.take() } == false
                ? .json(
                    #"{"success":false,"errors":[{"code":971,"message":"Please wait and consider throttling your request speed"}],"messages":[],"result":null}"#,
                    status: 429, headers: ["Retry-After": "1"])
                : nil
            let reply =
                limited ?? handled(path, target: request.uri.description) ?? nextReply(for: path)
                ?? .json(
                    #"{"success":false,"errors":[{"code":7003,"message":"Could not route to \#(request.uri.path), perhaps your object identifier is invalid?"}],"messages":[],"result":null}"#,
                    status: 404)
            if let delay = reply.delay { try await Task.sleep(for: delay) }
            var fields: HTTPFields = [.contentType: reply.contentType]
            for (name, value) in reply.headers { fields[HTTPFields.Element.Name(name)!] = value }
            let body: ResponseBody
            if let trickle = reply.trickle {
                let bytes = reply.body
                body = ResponseBody(contentLength: bytes.count) { writer in
                    for start in stride(from: 0, to: bytes.count, by: 16) {
                        try await writer.write(ByteBuffer(bytes: bytes[start..<min(start + 16, bytes.count)]))
                        try await Task.sleep(for: trickle)
                    }
                    try await writer.finish(nil)
                }
            } else {
                body = ResponseBody(byteBuffer: ByteBuffer(bytes: reply.body))
            }
            return Response(status: .init(code: reply.status), headers: fields, body: body)
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
                    // Shutdown chatter from the stand-in would only clutter test output.
                    logger: Logger(label: "stand-in") { _ in SwiftLogNoOpLogHandler() })
            },
            body: { port in try await body("\(scheme)://127.0.0.1:\(port)\(Self.basePath)") })
    }
}

/// Starts a server-like service, hands its port to `body`, and stops it afterwards.
func withRunningService<T: Sendable>(
    _ makeService: (_ onPort: @escaping @Sendable (Int) async -> Void) -> some Service,
    body: (Int) async throws -> T
) async throws -> T {
    let (ports, continuation) = AsyncStream<Int>.makeStream()
    let service = makeService { continuation.yield($0) }
    let task = Task { try await service.run() }
    defer { task.cancel() }
    var iterator = ports.makeAsyncIterator()
    guard let port = await iterator.next() else { throw CancellationError() }
    let result = try await body(port)
    task.cancel()
    _ = try? await task.value
    return result
}
