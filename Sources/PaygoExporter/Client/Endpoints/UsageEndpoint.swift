import Logging
import Synchronization

/// `GET /accounts/{account_id}/billing/usage/paygo` and the later paths Cloudflare moved it to:
/// the usage of one account, as records.
///
/// Knows the paths, the query and what an answer means; the token's `CloudflareAPI` does the
/// calling (budget, pause, retries, deadline). On 404 the next known path is tried, and the
/// one that answered is where later calls start.
public final class UsageEndpoint: UsageSource {
    /// The documented path; the SDKs still call it.
    public static let documentedPath = "/accounts/{account_id}/billing/usage/paygo"
    /// Paths Cloudflare's reference listed later, tried in order after a 404.
    public static let laterPaths = ["/accounts/{account_id}/paygo-usage", "/accounts/{account_id}/billable-usage"]

    /// The configured path first, then the other known paths, each once.
    public static func candidatePaths(configured: String) -> [String] {
        var paths = [configured]
        for path in [documentedPath] + laterPaths where !paths.contains(path) {
            paths.append(path)
        }
        return paths
    }

    private let api: CloudflareAPI
    private let paths: [String]
    private let logger: Logger
    /// Index into `paths` of the path that last answered, so later calls start there.
    private let answeringPathIndex = Mutex<Int?>(nil)

    /// - Parameter path: the path tried first; `{account_id}` is replaced by the account.
    public init(api: CloudflareAPI, path: String = UsageEndpoint.documentedPath, logger: Logger) {
        self.api = api
        paths = Self.candidatePaths(configured: path)
        self.logger = logger
    }

    /// What a usage call is, for its errors.
    static func operation(for account: AccountID) -> APIOperation {
        APIOperation(
            "fetching PayGo usage", account: account, permission: "Billing Read",
            notFoundHint: "check the account id, that PayGo usage is enabled for the account, or set --cloudflare.usage-path")
    }

    /// Reads a usage answer: the interpreter the demo shares, so it takes the same path.
    static func records(
        status: Int, body: some Collection<UInt8>, account: AccountID, credentials: CloudflareCredentials?
    ) throws(CloudflareAPIError) -> [UsageRecord] {
        try AnswerInterpreter(ListResult(UsageRecordFields()), credentials: credentials)
            .result(status: status, body: body, operation: operation(for: account))
    }

    public func fetchUsage(for account: AccountID, range: UsageDateRange?) async -> UsageFetchOutcome {
        let operation = Self.operation(for: account)
        let first = answeringPathIndex.withLock { $0 } ?? 0
        let order = Array(paths.indices[first...]) + Array(paths.indices[..<first])
        let query = range.map { [(name: "from", value: $0.fromText), (name: "to", value: $0.toText)] } ?? []
        let credentials = api.currentCredentials
        var codes: [Int] = []
        for index in order {
            let request = CloudflareAPI.Request(
                path: paths[index].replacingOccurrences(of: "{account_id}", with: account.rawValue), query: query, operation: operation)
            let outcome = await api.call(request) { response throws(CloudflareAPIError) in
                try Self.records(status: response.status, body: response.body.readableBytesView, account: account, credentials: credentials)
            }
            codes += outcome.responseCodes
            switch outcome.result {
            case .success(let records):
                let previous = answeringPathIndex.withLock { current in
                    defer { current = index }
                    return current
                }
                if previous != index {
                    logger.info("using usage path", metadata: ["path": "\(paths[index])", "account_id": "\(account)"])
                }
                return UsageFetchOutcome(result: .success(records), responseCodes: codes)
            case .failure(let error) where error.httpStatus == 404:
                logger.debug(
                    "usage path answered 404, trying the next known path",
                    metadata: ["account_id": "\(account)", "path": "\(paths[index])"])
            case .failure(let error):
                return UsageFetchOutcome(result: .failure(error.refreshFailure), responseCodes: codes)
            }
        }
        return UsageFetchOutcome(
            result: .failure(CloudflareAPIError.notFound(paths: paths, operation: operation).refreshFailure), responseCodes: codes)
    }
}
