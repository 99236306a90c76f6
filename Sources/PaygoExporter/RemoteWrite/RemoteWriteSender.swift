import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import NIOSSL

/// Sends encoded `WriteRequest`s to one receiver as remote write 1.0 asks (POST, snappy,
/// protobuf, version 0.1.0), with the configured credentials and headers; retries 5xx, 429 and
/// unanswered requests with bounded backoff, and never other 4xx (nor a 3xx: redirects are not
/// followed, so the credentials never leave for another host).
public final class RemoteWriteSender: Sendable {
    public let configuration: RemoteWriteConfiguration
    let retryPolicy: RemoteWriteRetryPolicy
    private let httpClient: HTTPClient
    private let clock: any ExporterClock
    /// 0...1, where each wait falls in its backoff step; tests fix it.
    private let jitter: @Sendable () -> Double
    private let logger: Logger
    private let headers: HTTPHeaders

    /// - Parameters:
    ///   - clock: what retries wait on.
    ///   - jitter: a number in 0...1 per wait; random unless a test fixes it.
    public init(
        configuration: RemoteWriteConfiguration, retryPolicy: RemoteWriteRetryPolicy = RemoteWriteRetryPolicy(),
        clock: any ExporterClock = SystemClock(), jitter: @escaping @Sendable () -> Double = { Double.random(in: 0...1) },
        logger: Logger
    ) {
        self.configuration = configuration
        self.retryPolicy = retryPolicy
        self.clock = clock
        self.jitter = jitter
        self.logger = logger
        var headers = HTTPHeaders()
        headers.add(name: "Content-Encoding", value: "snappy")
        headers.add(name: "Content-Type", value: "application/x-protobuf")
        headers.add(name: "X-Prometheus-Remote-Write-Version", value: "0.1.0")
        headers.add(name: "User-Agent", value: BuildInfo.userAgent)
        if let authorization = configuration.credentials.authorization {
            headers.add(name: "Authorization", value: authorization)
        }
        for header in configuration.headers { headers.add(name: header.name, value: header.value) }
        self.headers = headers

        var settings = HTTPClient.Configuration()
        // A redirect would carry the credentials to wherever it points.
        settings.redirectConfiguration = .disallow
        // Our retries back off and count; the client's own reconnect loop would hide a refused
        // connection behind a vague timeout.
        settings.connectionPool.retryConnectionEstablishment = false
        settings.timeout.connect = TimeAmount(.saturating(seconds: min(configuration.timeoutSeconds, 10)))
        if let caFile = configuration.caFile {
            var tls = TLSConfiguration.makeClientConfiguration()
            tls.trustRoots = .file(caFile)
            settings.tlsConfiguration = tls
        }
        httpClient = HTTPClient(eventLoopGroupProvider: .singleton, configuration: settings)
    }

    /// Sends one request body (a snappy-compressed `WriteRequest`) until it lands, the
    /// receiver refuses it, or the attempts run out.
    public func send(_ body: [UInt8]) async throws(RemoteWriteError) {
        var attempt = 0
        while true {
            attempt += 1
            switch await post(body) {
            case .answered(let status, _, _) where (200..<300).contains(status):
                return
            case .answered(let status, let message, _) where (300..<500).contains(status) && status != 429:
                throw RemoteWriteError(
                    cause: .refused(status: status), receiver: configuration.receiver, message: message,
                    fix: RemoteWriteError.fix(status: status, message: message))
            case .answered(let status, let message, let header):
                let retryAfter = RetryAfter.seconds(header, now: clock.unixTime)
                guard let delay = retryPolicy.delay(afterAttempt: attempt, retryAfterSeconds: retryAfter, jitter: jitter()) else {
                    throw RemoteWriteError(
                        cause: .exhausted(attempts: attempt, lastStatus: status), receiver: configuration.receiver, message: message,
                        fix:
                            "check that the receiver is up and not overloaded (a lower --remote-write.concurrency helps one that is), then resume"
                    )
                }
                try await wait(delay, attempt: attempt, status: "\(status)")
            case .unanswered(let error):
                // Interrupted (Ctrl-C, SIGTERM): no retry to announce.
                guard !Task.isCancelled else { throw cancelled }
                guard let delay = retryPolicy.delay(afterAttempt: attempt, retryAfterSeconds: nil, jitter: jitter()) else {
                    throw RemoteWriteError(
                        cause: .exhausted(attempts: attempt, lastStatus: nil), receiver: configuration.receiver, message: error,
                        fix:
                            "check --remote-write.url, that the receiver is up and that this host reaches it (and, for https, --remote-write.ca-file)"
                    )
                }
                try await wait(delay, attempt: attempt, status: "none")
            }
        }
    }

    private func wait(_ seconds: Double, attempt: Int, status: String) async throws(RemoteWriteError) {
        logger.warning(
            "remote write failed, retrying",
            metadata: [
                "receiver": "\(configuration.receiver)", "status": "\(status)", "attempt": "\(attempt)",
                "retry_in_seconds": "\((seconds * 1000).rounded() / 1000)",
            ])
        do {
            try await clock.sleep(for: .saturating(seconds: seconds))
        } catch {
            throw cancelled
        }
    }

    private var cancelled: RemoteWriteError {
        RemoteWriteError(cause: .cancelled, receiver: configuration.receiver, message: "", fix: "the run was stopped")
    }

    private enum Answer {
        /// The status, the body as one line, and `Retry-After`.
        case answered(status: Int, message: String, retryAfter: String?)
        case unanswered(String)
    }

    private func post(_ body: [UInt8]) async -> Answer {
        var request = HTTPClientRequest(url: configuration.url)
        request.method = .POST
        request.headers = headers
        request.body = .bytes(ByteBuffer(bytes: body))
        do {
            let response = try await httpClient.execute(request, timeout: TimeAmount(.saturating(seconds: configuration.timeoutSeconds)))
            // Only the start of the body is kept: it is a message to show, and untrusted.
            var kept: [UInt8] = []
            var read = 0
            for try await chunk in response.body {
                read += chunk.readableBytes
                if kept.count < RemoteWriteError.maxMessageBytes * 4 {
                    kept += chunk.readableBytesView.prefix(RemoteWriteError.maxMessageBytes * 4)
                }
                if read > 1 << 20 { break }
            }
            return .answered(
                status: Int(response.status.code), message: RemoteWriteError.message(from: kept),
                retryAfter: response.headers.first(name: "Retry-After"))
        } catch {
            return .unanswered(Self.describe(error))
        }
    }

    /// A transport error as one line without the request (whose headers may hold a secret).
    private static func describe(_ error: any Error) -> String {
        if let error = error as? HTTPClientError {
            return "\(error)"
        }
        return RemoteWriteError.message(from: Array("\(error)".utf8))
    }

    /// Closes the connections; call once, after the last `send`.
    public func shutDown() async {
        do {
            try await httpClient.shutdown()
        } catch {
            logger.warning("the remote-write HTTP client did not shut down cleanly", metadata: ["error": "\(error)"])
        }
    }
}
