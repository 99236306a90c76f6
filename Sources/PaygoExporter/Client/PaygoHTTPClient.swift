import AsyncHTTPClient
import Logging
import NIOCore
import NIOHTTP1
import Synchronization

/// Fetches PayGo usage from Cloudflare's v4 API over AsyncHTTPClient.
///
/// Knows the API (paths, auth headers, envelope, error codes) and nothing of Prometheus.
public final class PaygoHTTPClient: UsageSource {
    private let httpClient: HTTPClient
    private let configuration: PaygoClientConfiguration
    private let interpreter: UsageAnswerInterpreter
    private let logger: Logger
    private let userAgent: String
    /// Index into `candidatePaths` of the path that last answered, so later calls start there.
    private let answeringPathIndex = Mutex<Int?>(nil)

    public init(httpClient: HTTPClient, configuration: PaygoClientConfiguration, userAgent: String, logger: Logger) {
        self.httpClient = httpClient
        self.configuration = configuration
        self.interpreter = UsageAnswerInterpreter(credentials: configuration.credentials)
        self.userAgent = userAgent
        self.logger = logger
    }

    public func fetchUsage(for account: AccountID) async -> UsageFetchOutcome {
        let timeout = configuration.timeoutSeconds
        let codes = ResponseCodeLog()
        let result: Result<[UsageRecord], UsageFetchError>
        do {
            result = .success(try await withDeadline(seconds: timeout) {
                try await self.fetchTryingPaths(account: account, responseCodes: codes)
            })
        } catch let error as UsageFetchError {
            result = .failure(error)
        } catch is DeadlineExceeded {
            result = .failure(.timedOut(after: timeout, account: account))
        } catch let error as HTTPClientError where error == .deadlineExceeded || error == .readTimeout || error == .connectTimeout {
            result = .failure(.timedOut(after: timeout, account: account))
        } catch {
            result = .failure(.connection(Self.describeTransportError(error), account: account))
        }
        return UsageFetchOutcome(result: result, responseCodes: codes.codes)
    }

    private func fetchTryingPaths(account: AccountID, responseCodes: ResponseCodeLog) async throws -> [UsageRecord] {
        let paths = configuration.candidatePaths
        let first = answeringPathIndex.withLock { $0 } ?? 0
        let order = Array(paths.indices[first...]) + Array(paths.indices[..<first])
        for index in order {
            let path = paths[index].replacingOccurrences(of: "{account_id}", with: account.rawValue)
            let (status, body) = try await get(path: path, account: account)
            responseCodes.append(status)
            if status == 404 {
                logger.debug("usage path answered 404, trying the next known path", metadata: ["account_id": "\(account)", "path": "\(paths[index])"])
                continue
            }
            let previous = answeringPathIndex.withLock { current in
                defer { current = index }
                return current
            }
            if previous != index {
                logger.info("using usage path", metadata: ["path": "\(paths[index])", "account_id": "\(account)"])
            }
            return try interpreter.records(status: status, body: body.readableBytesView, account: account)
        }
        throw UsageFetchError.notFound(paths: paths, account: account)
    }

    private func get(path: String, account: AccountID) async throws -> (status: Int, body: ByteBuffer) {
        var request = HTTPClientRequest(url: configuration.baseURL + path)
        request.method = .GET
        request.headers.add(name: "Accept", value: "application/json")
        request.headers.add(name: "User-Agent", value: userAgent)
        for header in configuration.credentials.headers {
            request.headers.add(name: header.name, value: header.value)
        }
        // The outer deadline is the real limit; this one only stops AsyncHTTPClient's own
        // default from being shorter.
        let response = try await httpClient.execute(request, timeout: .seconds(Int64(configuration.timeoutSeconds.rounded(.up)) + 1))
        if let length = response.headers.first(name: "Content-Length").flatMap(Int.init), length > configuration.maxBodyBytes {
            throw UsageFetchError.bodyTooLarge(limit: configuration.maxBodyBytes, account: account)
        }
        do {
            let body = try await response.body.collect(upTo: configuration.maxBodyBytes)
            return (Int(response.status.code), body)
        } catch is NIOTooManyBytesError {
            throw UsageFetchError.bodyTooLarge(limit: configuration.maxBodyBytes, account: account)
        }
    }

    private static func describeTransportError(_ error: any Error) -> String {
        if let error = error as? HTTPClientError { return "\(error)" }
        return String(describing: type(of: error)) + ": " + String("\(error)".prefix(200))
    }
}

/// The statuses seen during one fetch; shared with the deadline-bounded task that makes the calls.
private final class ResponseCodeLog: Sendable {
    private let storage = Mutex<[Int]>([])

    func append(_ code: Int) { storage.withLock { $0.append(code) } }

    var codes: [Int] { storage.withLock { $0 } }
}
