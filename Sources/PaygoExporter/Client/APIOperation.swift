/// What a call to Cloudflare is for, so that its errors name it and say what to check.
public struct APIOperation: Sendable, Hashable {
    /// What is being done, as a log line reads it: "fetching PayGo usage".
    public let description: String
    /// The account the call is about, if any.
    public let account: AccountID?
    /// The token permission the call needs, named in auth errors: "Billing Read".
    public let permission: String
    /// What to check when the endpoint answered 404 on every path it knows.
    public let notFoundHint: String

    public init(_ description: String, account: AccountID?, permission: String, notFoundHint: String) {
        self.description = description
        self.account = account
        self.permission = permission
        self.notFoundHint = notFoundHint
    }

    /// "fetching PayGo usage for account 0123…": the subject of every message about the call.
    var subject: String {
        account.map { "\(description) for account \($0)" } ?? description
    }
}
