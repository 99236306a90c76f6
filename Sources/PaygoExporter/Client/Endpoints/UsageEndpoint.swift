import Logging
import Synchronization

/// `GET /accounts/{account_id}/billable-usage` and the older paths Cloudflare served the same
/// usage on: the usage of one account, as records.
///
/// Knows the paths, the query and what an answer means; the token's `CloudflareAPI` does the
/// calling (budget, pause, retries, deadline). On 404 the next known path is tried, and the
/// one that answered is where that account's later calls start: during a migration accounts
/// may sit on different generations of the API, so the memory is per account.
public final class UsageEndpoint: UsageSource {
    /// Today's path (August 2026 on), with `/info` beside it.
    public static let defaultPath = "/accounts/{account_id}/billable-usage"
    /// The paths it replaced, newest first, tried in order after a 404: May 2026's alpha path
    /// and the first, beta one (which the seeds and old SDKs document).
    public static let olderPaths = ["/accounts/{account_id}/paygo-usage", "/accounts/{account_id}/billing/usage/paygo"]

    /// The configured path first, then the other known paths, each once.
    public static func candidatePaths(configured: String) -> [String] {
        var paths = [configured]
        for path in [defaultPath] + olderPaths where !paths.contains(path) {
            paths.append(path)
        }
        return paths
    }

    private let api: CloudflareAPI
    private let paths: [String]
    /// The account's billing-cycle and coverage endpoint, called by the refresher.
    public let info: UsageInfoEndpoint
    private let logger: Logger
    /// Per account, the index into `paths` of the path that last answered.
    private let answeringPathIndex = Mutex<[AccountID: Int]>([:])

    /// - Parameter path: the path tried first; `{account_id}` is replaced by the account.
    public init(api: CloudflareAPI, path: String = UsageEndpoint.defaultPath, logger: Logger) {
        self.api = api
        paths = Self.candidatePaths(configured: path)
        info = UsageInfoEndpoint(api: api, usagePath: path, logger: logger)
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

    /// The path `account`'s calls start on: the one that last answered, else the configured one.
    public func answeringPath(for account: AccountID) -> String {
        paths[answeringPathIndex.withLock { $0[account] } ?? 0]
    }

    public func fetchAccountInfo(for account: AccountID) async -> AccountInfoOutcome {
        await info.fetchAccountInfo(for: account)
    }

    /// From `GET /accounts/{account_id}`, on the same token.
    public func fetchAccountName(for account: AccountID) async -> String? {
        await AccountsEndpoint(api: api, logger: logger).name(of: account)
    }

    public func fetchUsage(for account: AccountID, range: UsageDateRange?) async -> UsageFetchOutcome {
        let operation = Self.operation(for: account)
        let first = answeringPathIndex.withLock { $0[account] } ?? 0
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
                let previous = answeringPathIndex.withLock { memory in
                    defer { memory[account] = index }
                    return memory[account]
                }
                if previous != index {
                    // Said once per account at info only for an older path or a change: the
                    // default answering first is the usual case, one line per account of noise.
                    let level: Logger.Level = previous == nil && index == 0 ? .debug : .info
                    logger.log(level: level, "using usage path", metadata: ["path": "\(paths[index])", "account_id": "\(account)"])
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
