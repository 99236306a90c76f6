import Logging

/// `GET /accounts/{account_id}/billable-usage/info`: whether the usage API reports on an
/// account (`covered`) and its subscriptions' billing-cycle anchors.
///
/// Only today's API generation has it; a 404 means the account's usage comes from an older
/// path, and billing periods fall back to the calendar rule (`BillingCycle.calendarPeriodEnd`).
public struct UsageInfoEndpoint: Sendable {
    /// Beside today's usage path.
    public static let defaultPath = UsageEndpoint.defaultPath + "/info"

    private let api: CloudflareAPI
    private let path: String
    private let logger: Logger

    /// - Parameter usagePath: the configured usage path; a path ending in `/billable-usage`
    ///   (a proxy's, say) has its info endpoint beside it, any other uses the default.
    public init(api: CloudflareAPI, usagePath: String = UsageEndpoint.defaultPath, logger: Logger) {
        self.api = api
        path = usagePath.hasSuffix("/billable-usage") ? usagePath + "/info" : Self.defaultPath
        self.logger = logger
    }

    static func operation(for account: AccountID) -> APIOperation {
        APIOperation(
            "fetching billable-usage info", account: account, permission: "Billing Read",
            notFoundHint: "the account's usage is on an older API path; billing periods use the calendar rule")
    }

    /// Reads an info answer; the demo shares it.
    static func info(
        status: Int, body: some Collection<UInt8>, account: AccountID, credentials: CloudflareCredentials?
    ) throws(CloudflareAPIError) -> AccountInfo {
        try AnswerInterpreter(AccountInfoResult(), credentials: credentials)
            .result(status: status, body: body, operation: operation(for: account))
    }

    public func fetchAccountInfo(for account: AccountID) async -> AccountInfoOutcome {
        let credentials = api.currentCredentials
        let request = CloudflareAPI.Request(
            path: path.replacingOccurrences(of: "{account_id}", with: account.rawValue), operation: Self.operation(for: account))
        let outcome = await api.call(request) { response throws(CloudflareAPIError) in
            try Self.info(status: response.status, body: response.body.readableBytesView, account: account, credentials: credentials)
        }
        switch outcome.result {
        case .success(let info):
            return .info(info, responseCodes: outcome.responseCodes)
        case .failure(let error) where error.httpStatus == 404:
            logger.debug("no billable-usage info endpoint; using the calendar rule", metadata: ["account_id": "\(account)"])
            return .unavailable(responseCodes: outcome.responseCodes)
        case .failure(let error):
            return .failure(error.refreshFailure, responseCodes: outcome.responseCodes)
        }
    }
}
