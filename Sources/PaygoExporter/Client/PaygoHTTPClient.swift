import AsyncHTTPClient
import Foundation
import NIOPosix
import Logging
import NIOCore
import NIOHTTP1
import Synchronization

/// Fetches PayGo usage from Cloudflare's v4 API over AsyncHTTPClient.
///
/// Knows the API (paths, auth headers, envelope, error codes, rate limits) and nothing of
/// Prometheus. Every account it serves shares one token, hence one `RequestBudget` that paces
/// every call and one `RateLimitGate` that holds them all after a 429.
public final class PaygoHTTPClient: UsageSource {
    private let httpClient: HTTPClient
    private let configuration: PaygoClientConfiguration
    private let credentials: CredentialsStore
    private let gate: RateLimitGate
    private let budget: RequestBudget
    private let logger: Logger
    private let userAgent: String
    /// Index into `candidatePaths` of the path that last answered, so later calls start there.
    private let answeringPathIndex = Mutex<Int?>(nil)

    public init(
        httpClient: HTTPClient,
        configuration: PaygoClientConfiguration,
        credentials: CredentialsStore,
        gate: RateLimitGate = RateLimitGate(),
        userAgent: String,
        logger: Logger
    ) {
        self.httpClient = httpClient
        self.configuration = configuration
        self.credentials = credentials
        self.gate = gate
        budget = RequestBudget(rate: configuration.rateLimit)
        self.userAgent = userAgent
        self.logger = logger
    }

    public func fetchUsage(for account: AccountID, range: UsageDateRange?) async -> UsageFetchOutcome {
        let codes = ResponseCodeLog()
        var random = SystemRandomNumberGenerator()
        var attempt = 1
        while true {
            do {
                try await gate.waitUntilOpen()
            } catch {
                return UsageFetchOutcome(result: .failure(.timedOut(after: 0, account: account)), responseCodes: codes.codes)
            }
            let result = await attemptOnce(account: account, range: range, responseCodes: codes)
            guard case .failure(let error) = result else {
                return UsageFetchOutcome(result: result, responseCodes: codes.codes)
            }
            let delay: Double
            switch configuration.retryPolicy.decision(after: error, attempt: attempt, random: &random) {
            case .giveUp:
                return UsageFetchOutcome(result: result, responseCodes: codes.codes)
            case .retry(let seconds):
                delay = seconds
            case .pauseToken(let seconds, let retry):
                gate.pause(seconds: seconds)
                var metadata: Logger.Metadata = [
                    "account_id": "\(account)", "pause_seconds": "\(seconds)",
                    "paused_until": "\(RFC3339Timestamp.formatDateTime(gate.pausedUntilUnixSeconds()))",
                ]
                if let asked = error.retryAfterSeconds, asked > seconds {
                    // Printed bounded: the header is untrusted and may hold any number of digits.
                    metadata["retry_after_seconds"] = "\(asked.isFinite && asked < 1e15 ? String(Int64(asked)) : "huge")"
                    metadata["capped"] = "Retry-After asked for longer than the \(Int(configuration.retryPolicy.maxRateLimitPauseSeconds))s cap"
                }
                logger.warning("rate limited by Cloudflare; pausing every account on this token", metadata: metadata)
                guard retry else { return UsageFetchOutcome(result: result, responseCodes: codes.codes) }
                delay = 0
            }
            logger.warning("retrying usage fetch", metadata: [
                "account_id": "\(account)", "attempt": "\(attempt)", "reason": "\(error.reason.rawValue)",
                "delay_seconds": "\(PrometheusDuration.format(.saturating(seconds: delay)))", "error": "\(error)",
            ])
            do {
                try await Task.sleep(for: .saturating(seconds: delay))
            } catch {
                return UsageFetchOutcome(result: result, responseCodes: codes.codes)
            }
            attempt += 1
        }
    }

    /// One attempt, with path fallback on 404; each call waits for the request budget, then
    /// runs under one deadline that covers connect, headers and body.
    private func attemptOnce(account: AccountID, range: UsageDateRange?, responseCodes: ResponseCodeLog) async -> Result<[UsageRecord], UsageFetchError> {
        let timeout = configuration.timeoutSeconds
        do {
            return .success(try await fetchTryingPaths(account: account, range: range, responseCodes: responseCodes))
        } catch is CancellationError {
            return .failure(.timedOut(after: 0, account: account))
        } catch let error as UsageFetchError {
            return .failure(error)
        } catch is DeadlineExceeded {
            return .failure(.timedOut(after: timeout, account: account))
        } catch let error as HTTPClientError where error == .deadlineExceeded || error == .readTimeout || error == .connectTimeout {
            return .failure(.timedOut(after: timeout, account: account))
        } catch {
            return .failure(.connection(Self.describeTransportError(error), account: account))
        }
    }

    private func fetchTryingPaths(account: AccountID, range: UsageDateRange?, responseCodes: ResponseCodeLog) async throws -> [UsageRecord] {
        let paths = configuration.candidatePaths
        let first = answeringPathIndex.withLock { $0 } ?? 0
        let order = Array(paths.indices[first...]) + Array(paths.indices[..<first])
        let credentials = credentials.current()
        let interpreter = UsageAnswerInterpreter(credentials: credentials)
        for index in order {
            var path = paths[index].replacingOccurrences(of: "{account_id}", with: account.rawValue)
            if let range { path += "?from=\(range.fromText)&to=\(range.toText)" }
            try await budget.acquire()
            let (status, headers, body) = try await withDeadline(seconds: configuration.timeoutSeconds) { [path] in
                try await self.get(path: path, credentials: credentials, account: account)
            }
            responseCodes.append(status)
            if (300..<400).contains(status) {
                // Followed, a redirect would carry the credentials to wherever it points.
                throw UsageFetchError.redirected(status: status, location: headers.first(name: "Location"), account: account)
            }
            if status == 404 {
                logger.debug("usage path answered 404, trying the next known path", metadata: ["account_id": "\(account)", "path": "\(paths[index])"])
                continue
            }
            do throws(UsageFetchError) {
                let records = try interpreter.records(status: status, body: body.readableBytesView, account: account)
                let previous = answeringPathIndex.withLock { current in
                    defer { current = index }
                    return current
                }
                if previous != index {
                    logger.info("using usage path", metadata: ["path": "\(paths[index])", "account_id": "\(account)"])
                }
                return records
            } catch {
                guard error.reason == .rateLimited else { throw error }
                throw error.withRetryAfter(RetryAfter.seconds(headers.first(name: "Retry-After"), now: Date().timeIntervalSince1970))
            }
        }
        throw UsageFetchError.notFound(paths: paths, account: account)
    }

    private func get(path: String, credentials: CloudflareCredentials, account: AccountID) async throws -> (status: Int, headers: HTTPHeaders, body: ByteBuffer) {
        var request = HTTPClientRequest(url: configuration.baseURL + path)
        request.method = .GET
        request.headers.add(name: "Accept", value: "application/json")
        request.headers.add(name: "User-Agent", value: userAgent)
        for header in credentials.headers {
            request.headers.add(name: header.name, value: header.value)
        }
        // The outer deadline is the real limit; this one only stops AsyncHTTPClient's own
        // default from being shorter.
        let response = try await httpClient.execute(
            request, timeout: TimeAmount(.saturating(seconds: configuration.timeoutSeconds + 1)))
        if let length = response.headers.first(name: "Content-Length").flatMap(Int.init), length > configuration.maxBodyBytes {
            throw UsageFetchError.bodyTooLarge(limit: configuration.maxBodyBytes, account: account)
        }
        do {
            let body = try await response.body.collect(upTo: configuration.maxBodyBytes)
            return (Int(response.status.code), response.headers, body)
        } catch is NIOTooManyBytesError {
            throw UsageFetchError.bodyTooLarge(limit: configuration.maxBodyBytes, account: account)
        }
    }

    /// A short operator-facing cause: "connection refused", "TLS handshake failed: ...".
    private static func describeTransportError(_ error: any Error) -> String {
        if let error = error as? IOError {
            return String(cString: strerror(error.errnoCode)).lowercased()
        }
        if let error = error as? NIOConnectionError,
           let ioError = error.connectionErrors.lazy.compactMap({ $0.error as? IOError }).first {
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

/// The statuses seen during one fetch; shared with the deadline-bounded task that makes the calls.
private final class ResponseCodeLog: Sendable {
    private let storage = Mutex<[Int]>([])

    func append(_ code: Int) { storage.withLock { $0.append(code) } }

    var codes: [Int] { storage.withLock { $0 } }
}
