import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// One credential's door to Cloudflare's v4 API, shared by every endpoint called with it.
///
/// Owns what belongs to the token rather than to any endpoint: the secrets (reloaded from
/// their file), the request budget that paces every call, the gate that holds every call after
/// a 429, retries with backoff, one deadline per call, and the redirect policy (none are
/// followed, so credentials never leave for another host). Endpoints (`UsageEndpoint`) build
/// requests and say what an answer means; this type knows nothing of usage or Prometheus.
public final class CloudflareAPI: Sendable {
    /// A call: the path under the API URL, its query, and what it is for (named in errors).
    public struct Request: Sendable {
        public var path: String
        public var query: [(name: String, value: String)]
        public var operation: APIOperation

        public init(path: String, query: [(name: String, value: String)] = [], operation: APIOperation) {
            self.path = path
            self.query = query
            self.operation = operation
        }
    }

    /// An answer as it came: status, headers and the whole body.
    public struct Response: Sendable {
        public let status: Int
        public let headers: HTTPHeaders
        public let body: ByteBuffer
    }

    /// What a call ended with, and the status of every answer it got on the way.
    public struct Outcome<Value: Sendable>: Sendable {
        public var result: Result<Value, CloudflareAPIError>
        public var responseCodes: [Int]
    }

    private let httpClient: HTTPClient
    public let configuration: CloudflareAPIConfiguration
    private let credentials: CredentialsStore
    /// Holds every call on the token after a 429; its pause is a metric.
    public let gate: RateLimitGate
    /// Paces every call on the token, and slows down when the quota the answers report runs low.
    public let budget: RequestBudget
    private let clock: any ExporterClock
    private let logger: Logger
    private let userAgent: String
    private let callsMade = Atomic<Int>(0)

    public init(
        httpClient: HTTPClient,
        configuration: CloudflareAPIConfiguration,
        credentials: CredentialsStore,
        gate: RateLimitGate? = nil,
        clock: any ExporterClock = SystemClock(),
        userAgent: String,
        logger: Logger
    ) {
        self.httpClient = httpClient
        self.configuration = configuration
        self.credentials = credentials
        self.gate = gate ?? RateLimitGate(clock: clock)
        self.clock = clock
        budget = RequestBudget(rate: configuration.rateLimit, clock: clock)
        self.userAgent = userAgent
        self.logger = logger
    }

    /// Calls sent on the token so far (answered or not; retries and path fallbacks count).
    public var callCount: Int { callsMade.load(ordering: .relaxed) }

    /// The credentials in force, for cutting them out of echoed messages.
    public var currentCredentials: CloudflareCredentials { credentials.current() }

    /// Makes the call, retrying as `configuration.retryPolicy` says; `interpret` turns each
    /// answer into a value or a typed error (a retryable error is tried again). Never throws.
    public func call<Value: Sendable>(
        _ request: Request, interpret: @escaping @Sendable (Response) throws(CloudflareAPIError) -> Value
    ) async -> Outcome<Value> {
        let codes = ResponseCodeLog()
        var random = SystemRandomNumberGenerator()
        let operation = request.operation
        var attempt = 1
        while true {
            do {
                try await gate.waitUntilOpen()
            } catch {
                return Outcome(result: .failure(.timedOut(after: 0, operation: operation)), responseCodes: codes.codes)
            }
            let result = await attemptOnce(request, interpret: interpret, responseCodes: codes)
            // A cancelled call (shutdown, an account no longer watched) is not retried or logged.
            guard case .failure(let error) = result, !Task.isCancelled else {
                return Outcome(result: result, responseCodes: codes.codes)
            }
            let delay: Double
            switch configuration.retryPolicy.decision(after: error, attempt: attempt, random: &random) {
            case .giveUp:
                return Outcome(result: result, responseCodes: codes.codes)
            case .retry(let seconds):
                delay = seconds
            case .pauseToken(let seconds, let retry):
                gate.pause(seconds: seconds)
                logPause(seconds: seconds, after: error)
                guard retry else { return Outcome(result: result, responseCodes: codes.codes) }
                delay = 0
            }
            logger.warning(
                "retrying call",
                metadata: [
                    "call": "\(operation.description)", "account_id": "\(operation.account.map(\.rawValue) ?? "")",
                    "attempt": "\(attempt)", "reason": "\(error.reason.rawValue)",
                    "delay_seconds": "\(PrometheusDuration.format(.saturating(seconds: delay)))", "error": "\(error)",
                ])
            do {
                try await clock.sleep(for: .saturating(seconds: delay))
            } catch {
                return Outcome(result: result, responseCodes: codes.codes)
            }
            attempt += 1
        }
    }

    private func logPause(seconds: Double, after error: CloudflareAPIError) {
        var metadata: Logger.Metadata = [
            "account_id": "\(error.account.map(\.rawValue) ?? "")", "pause_seconds": "\(seconds)",
            "paused_until": "\(CivilCalendar.formatDateTime(gate.pausedUntilUnixSeconds))",
        ]
        if let asked = error.retryAfterSeconds, asked > seconds {
            // Printed bounded: the header is untrusted and may hold any number of digits.
            metadata["retry_after_seconds"] = "\(asked.isFinite && asked < 1e15 ? String(Int64(asked)) : "huge")"
            metadata["capped"] = "Retry-After asked for longer than the \(Int(configuration.retryPolicy.maxRateLimitPauseSeconds))s cap"
        }
        logger.warning("rate limited by Cloudflare; pausing every account on this token", metadata: metadata)
    }

    /// One attempt: waits for the request budget, then runs under one deadline that covers
    /// connect, headers and body.
    private func attemptOnce<Value: Sendable>(
        _ request: Request, interpret: @escaping @Sendable (Response) throws(CloudflareAPIError) -> Value, responseCodes: ResponseCodeLog
    ) async -> Result<Value, CloudflareAPIError> {
        let operation = request.operation
        let timeout = configuration.timeoutSeconds
        do {
            try await budget.acquire()
            callsMade.add(1, ordering: .relaxed)
            let response = try await withDeadline(seconds: timeout, clock: clock) { try await self.get(request) }
            responseCodes.append(response.status)
            if let quota = RateLimitQuota.parse(response.headers, now: clock.unixTime) {
                budget.observe(quota, at: clock.now)
            }
            if (300..<400).contains(response.status) {
                // Followed, a redirect would carry the credentials to wherever it points.
                throw CloudflareAPIError.redirected(
                    status: response.status, location: response.headers.first(name: "Location"), operation: operation)
            }
            do throws(CloudflareAPIError) {
                return .success(try interpret(response))
            } catch {
                guard error.reason == .rateLimited else { throw error }
                throw error.withRetryAfter(RetryAfter.seconds(response.headers.first(name: "Retry-After"), now: clock.unixTime))
            }
        } catch is CancellationError {
            return .failure(.timedOut(after: 0, operation: operation))
        } catch let error as CloudflareAPIError {
            return .failure(error)
        } catch is DeadlineExceeded {
            return .failure(.timedOut(after: timeout, operation: operation))
        } catch let error as HTTPClientError where error == .deadlineExceeded || error == .readTimeout || error == .connectTimeout {
            return .failure(.timedOut(after: timeout, operation: operation))
        } catch {
            return .failure(.connection(Self.describeTransportError(error), operation: operation))
        }
    }

    private func get(_ request: Request) async throws -> Response {
        var url = configuration.baseURL + request.path
        if !request.query.isEmpty {
            url += "?" + request.query.map { "\($0.name)=\($0.value)" }.joined(separator: "&")
        }
        var httpRequest = HTTPClientRequest(url: url)
        httpRequest.method = .GET
        httpRequest.headers.add(name: "Accept", value: "application/json")
        httpRequest.headers.add(name: "User-Agent", value: userAgent)
        for header in credentials.current().headers {
            httpRequest.headers.add(name: header.name, value: header.value)
        }
        // The outer deadline is the real limit; this one only stops AsyncHTTPClient's own
        // default from being shorter.
        let response = try await httpClient.execute(
            httpRequest, timeout: TimeAmount(.saturating(seconds: configuration.timeoutSeconds + 1)))
        let limit = configuration.maxBodyBytes
        if let length = response.headers.first(name: "Content-Length").flatMap(Int.init), length > limit {
            throw CloudflareAPIError.bodyTooLarge(limit: limit, operation: request.operation)
        }
        do {
            let body = try await response.body.collect(upTo: limit)
            return Response(status: Int(response.status.code), headers: response.headers, body: body)
        } catch is NIOTooManyBytesError {
            throw CloudflareAPIError.bodyTooLarge(limit: limit, operation: request.operation)
        }
    }

    /// A short operator-facing cause: "connection refused", "TLS handshake failed: ...".
    private static func describeTransportError(_ error: any Error) -> String {
        if let error = error as? IOError {
            return String(cString: strerror(error.errnoCode)).lowercased()
        }
        if let error = error as? NIOConnectionError,
            let ioError = error.connectionErrors.lazy.compactMap({ $0.error as? IOError }).first
        {
            return String(cString: strerror(ioError.errnoCode)).lowercased()
        }
        let text = String(describing: error)
        if text.contains("SSL") || text.contains("TLS") || text.contains("certificate") {
            return "TLS handshake failed, the server's certificate is not trusted by the system CA bundle or the server spoke no TLS: "
                + String(text.prefix(160))
        }
        return String(text.prefix(200))
    }
}

/// The statuses seen during one call; shared with the deadline-bounded task that makes it.
private final class ResponseCodeLog: Sendable {
    private let storage = Mutex<[Int]>([])

    func append(_ code: Int) { storage.withLock { $0.append(code) } }

    var codes: [Int] { storage.withLock { $0 } }
}
