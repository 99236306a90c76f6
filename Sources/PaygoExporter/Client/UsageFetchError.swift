import Foundation

/// Why fetching one account's usage failed, written for the operator who reads the log:
/// what failed, for which account, and what to do. Never holds a credential.
public struct UsageFetchError: Error, Sendable, Hashable, CustomStringConvertible {
    private enum Kind: Sendable, Hashable {
        case status(code: Int, apiErrors: [PaygoAnswer.APIMessage])
        case unsuccessful(apiErrors: [PaygoAnswer.APIMessage])
        case undecodable(PaygoDecodingError)
        case bodyTooLarge(limit: Int)
        case timedOut(seconds: Double)
        case connection(String)
        case notFound(paths: [String])
        case redirected(code: Int, host: String?)
    }

    public let account: AccountID
    public let reason: RefreshFailureReason
    private let kind: Kind
    /// What a 429 asked us to wait, from its `Retry-After` header.
    public private(set) var retryAfterSeconds: Double?

    /// The HTTP status that failed the call, if it got that far.
    public var httpStatus: Int? {
        switch kind {
        case .status(let code, _), .redirected(let code, _): code
        default: nil
        }
    }

    /// Worth another try within the same refresh: overload, conflicts, timeouts, broken
    /// connections and 5xx. Auth, decode and not-found failures wait for the next refresh.
    public var isRetryable: Bool {
        switch reason {
        case .timeout, .connection, .rateLimited: return true
        case .auth, .notFound, .decode: return false
        case .http, .apiError:
            guard let status = httpStatus else { return false }
            return status == 408 || status == 409 || (500...599).contains(status)
        }
    }

    func withRetryAfter(_ seconds: Double?) -> UsageFetchError {
        var copy = self
        copy.retryAfterSeconds = seconds
        return copy
    }

    private init(account: AccountID, reason: RefreshFailureReason, kind: Kind) {
        self.account = account
        self.reason = reason
        self.kind = kind
    }

    /// Cloudflare's error codes for bad or missing credentials.
    private static let authCodes: Set<Int> = [10000, 9109, 9106, 6003, 6102, 6103, 6111]
    private static let rateLimitCodes: Set<Int> = [971, 10429]

    static func status(_ code: Int, apiErrors: [PaygoAnswer.APIMessage], account: AccountID) -> Self {
        let codes = Set(apiErrors.compactMap(\.code))
        let reason: RefreshFailureReason =
            if code == 401 || code == 403 || !codes.isDisjoint(with: authCodes) { .auth }
            else if code == 429 || !codes.isDisjoint(with: rateLimitCodes) { .rateLimited }
            else if !apiErrors.isEmpty { .apiError }
            else { .http }
        return .init(account: account, reason: reason, kind: .status(code: code, apiErrors: apiErrors))
    }

    static func unsuccessful(apiErrors: [PaygoAnswer.APIMessage], account: AccountID) -> Self {
        let codes = Set(apiErrors.compactMap(\.code))
        let reason: RefreshFailureReason =
            if !codes.isDisjoint(with: authCodes) { .auth }
            else if !codes.isDisjoint(with: rateLimitCodes) { .rateLimited }
            else { .apiError }
        return .init(account: account, reason: reason, kind: .unsuccessful(apiErrors: apiErrors))
    }

    static func undecodable(_ error: PaygoDecodingError, account: AccountID) -> Self {
        .init(account: account, reason: .decode, kind: .undecodable(error))
    }

    static func bodyTooLarge(limit: Int, account: AccountID) -> Self {
        .init(account: account, reason: .http, kind: .bodyTooLarge(limit: limit))
    }

    static func timedOut(after seconds: Double, account: AccountID) -> Self {
        .init(account: account, reason: .timeout, kind: .timedOut(seconds: seconds))
    }

    static func connection(_ detail: String, account: AccountID) -> Self {
        .init(account: account, reason: .connection, kind: .connection(detail))
    }

    /// A 3xx answer: never followed. Only the target's host is kept, and only if it reads as
    /// one, since the header is untrusted and a URL may carry credentials or tokens.
    static func redirected(status: Int, location: String?, account: AccountID) -> Self {
        let host = location.flatMap { URL(string: $0)?.host }.flatMap { host in
            host.utf8.count <= 253 && host.utf8.allSatisfy({ (0x21...0x7E).contains($0) && $0 != UInt8(ascii: "@") }) ? host.lowercased() : nil
        }
        return .init(account: account, reason: .http, kind: .redirected(code: status, host: host))
    }

    static func notFound(paths: [String], account: AccountID) -> Self {
        .init(account: account, reason: .notFound, kind: .notFound(paths: paths))
    }

    public var description: String {
        let subject = "fetching PayGo usage for account \(account)"
        switch kind {
        case .status(let code, let apiErrors):
            let detail = apiErrors.isEmpty ? "" : " (\(Self.describe(apiErrors)))"
            switch reason {
            case .auth:
                return "\(subject) was refused with HTTP \(code)\(detail): check that the credentials are valid, "
                    + "belong to a member of this account and have the \"Billing Read\" permission"
            case .rateLimited:
                return "\(subject) was rate limited with HTTP \(code)\(detail): Cloudflare allows 1,200 requests "
                    + "per 5 minutes per token; raise --cloudflare.refresh-interval or use a token of its own"
            default:
                return "\(subject) failed with HTTP \(code)\(detail); if it persists, check Cloudflare's status page"
            }
        case .unsuccessful(let apiErrors):
            return "\(subject) returned success=false (\(Self.describe(apiErrors)))"
                + (reason == .auth ? ": check the credentials and their \"Billing Read\" permission" : "")
        case .undecodable(let error):
            return "\(subject) returned an unreadable answer: \(error)"
        case .bodyTooLarge(let limit):
            return "\(subject) returned a body larger than \(limit) bytes; it was refused, not read"
        case .timedOut(let seconds):
            return "\(subject) did not finish within \(seconds)s: raise --cloudflare.timeout or check the network path to the API"
        case .connection(let detail):
            return "\(subject) could not reach the API: \(detail); check --cloudflare.api-url, DNS, proxy and firewall"
        case .redirected(let code, let host):
            let target = host.map { "to host \($0)" } ?? "elsewhere"
            return "\(subject) was redirected (HTTP \(code)) \(target); the exporter follows no redirect, so credentials never "
                + "leave for another host: point --cloudflare.api-url at the API itself (or check the proxy in front of it)"
        case .notFound(let paths):
            return "\(subject) got 404 on every known usage path (\(paths.joined(separator: ", "))): "
                + "check the account id, that PayGo usage is enabled for the account, or set --cloudflare.usage-path"
        }
    }

    private static func describe(_ errors: [PaygoAnswer.APIMessage]) -> String {
        if errors.isEmpty { return "no error given" }
        return errors.map { error in
            let message = error.message.count > 200 ? String(error.message.prefix(200)) + "..." : error.message
            return error.code.map { "code \($0): \(message)" } ?? message
        }.joined(separator: "; ")
    }
}
