import Logging

/// `GET /accounts?page=N&per_page=M`: every account the token can see, page by page.
///
/// Paging stops on `result_info.total_pages`, never on an empty page alone (an account-scoped
/// token has been seen to page forever), and is bounded besides: at most `maxPages` pages, and
/// a page that adds no account not seen before ends the listing.
public struct AccountsEndpoint: Sendable {
    public static let path = "/accounts"
    /// Cloudflare's largest page.
    public static let perPage = 50
    /// 50,000 accounts.
    public static let defaultMaxPages = 1_000

    private let api: CloudflareAPI
    private let maxPages: Int
    private let logger: Logger

    public init(api: CloudflareAPI, maxPages: Int = AccountsEndpoint.defaultMaxPages, logger: Logger) {
        self.api = api
        self.maxPages = maxPages
        self.logger = logger
    }

    static let operation = APIOperation(
        "listing the token's accounts", account: nil, permission: "Account Settings Read",
        notFoundHint: "check --cloudflare.api-url; listing accounts needs Account Settings Read besides Billing Read")

    /// One account's name from `GET /accounts/{account_id}`: for an account given by id whose
    /// answers carry no name (older paths, not covered, no usage yet). Nil when the call fails
    /// or the answer has no name; the failure is logged at debug, as the name is a nicety.
    public func name(of account: AccountID) async -> String? {
        let operation = APIOperation(
            "reading the account's name", account: account, permission: "Account Settings Read",
            notFoundHint: "the token may not read account settings; the account is shown by id")
        let credentials = api.currentCredentials
        let outcome = await api.call(CloudflareAPI.Request(path: Self.path + "/" + account.rawValue, operation: operation)) {
            response throws(CloudflareAPIError) in
            try AnswerInterpreter(AccountResult(), credentials: credentials)
                .answer(status: response.status, body: response.body.readableBytesView, operation: operation)
        }
        switch outcome.result {
        case .success(let answer):
            guard let listed = answer.result, listed.id == account else { return nil }
            return listed.name
        case .failure(let error):
            logger.debug("no name for the account", metadata: ["account_id": "\(account)", "error": "\(error)"])
            return nil
        }
    }

    /// The listed accounts in the order given, each once, or the failure of the page that failed.
    public func listAccounts() async -> Result<[ListedAccount], CloudflareAPIError> {
        var accounts: [ListedAccount] = []
        var seen = Set<AccountID>()
        var page = 1
        let credentials = api.currentCredentials
        while page <= maxPages {
            let request = CloudflareAPI.Request(
                path: Self.path,
                query: [
                    (name: "page", value: String(page)), (name: "per_page", value: String(Self.perPage)), (name: "direction", value: "asc"),
                ],
                operation: Self.operation)
            let outcome = await api.call(request) { response throws(CloudflareAPIError) in
                try AnswerInterpreter(ListResult(ListedAccountFields()), credentials: credentials)
                    .answer(status: response.status, body: response.body.readableBytesView, operation: Self.operation)
            }
            let answer: APIAnswer<[ListedAccount?]>
            switch outcome.result {
            case .success(let value): answer = value
            case .failure(let error): return .failure(error)
            }
            let before = accounts.count
            for case let account? in answer.result where seen.insert(account.id).inserted {
                accounts.append(account)
            }
            // Without total_pages, a short page is the last one; with it, it decides.
            let lastPage = answer.resultInfo?.totalPages ?? (answer.result.count < Self.perPage ? page : page + 1)
            if page >= lastPage { break }
            if accounts.count == before {
                logger.warning(
                    "account listing stopped: a page added no new account",
                    metadata: ["page": "\(page)", "total_pages": "\(lastPage)", "accounts": "\(accounts.count)"])
                break
            }
            page += 1
        }
        if page > maxPages {
            logger.warning(
                "account listing stopped at the page limit", metadata: ["pages": "\(maxPages)", "accounts": "\(accounts.count)"])
        }
        return .success(accounts)
    }
}
