import Foundation

/// Why a call to Cloudflare's API failed, written for the operator who reads the log: what
/// failed (the call's `APIOperation`, with its account), and what to do. Never holds a
/// credential. The same for every endpoint; the operation supplies what differs.
public struct CloudflareAPIError: Error, Sendable, Hashable, CustomStringConvertible {
    private enum Kind: Sendable, Hashable {
        case status(code: Int, apiErrors: [APIMessage])
        case unsuccessful(apiErrors: [APIMessage])
        case undecodable(AnswerDecodingError)
        case bodyTooLarge(limit: Int)
        case timedOut(seconds: Double)
        case connection(String)
        case notFound(paths: [String])
        case redirected(code: Int, host: String?)
    }

    public let operation: APIOperation
    public let reason: RefreshFailureReason
    private let kind: Kind
    /// What a 429 asked us to wait, from its `Retry-After` header.
    public private(set) var retryAfterSeconds: Double?

    /// The account the failed call was about, if any.
    public var account: AccountID? { operation.account }

    /// The HTTP status that failed the call, if it got that far.
    public var httpStatus: Int? {
        switch kind {
        case .status(let code, _), .redirected(let code, _): code
        default: nil
        }
    }

    /// Worth another try within the same refresh: overload, conflicts, timeouts, broken
    /// connections and 5xx. Auth, decode, redirect and not-found failures wait for the next one.
    public var isRetryable: Bool {
        switch reason {
        case .timeout, .connection, .rateLimited: return true
        case .auth, .notFound, .decode: return false
        case .http, .apiError:
            guard case .status(let status, _) = kind else { return false }
            return status == 408 || status == 409 || (500...599).contains(status)
        }
    }

    /// The failure as the snapshot keeps it.
    public var refreshFailure: RefreshFailure {
        RefreshFailure(reason: reason, description: description)
    }

    func withRetryAfter(_ seconds: Double?) -> CloudflareAPIError {
        var copy = self
        copy.retryAfterSeconds = seconds
        return copy
    }

    private init(_ operation: APIOperation, reason: RefreshFailureReason, kind: Kind) {
        self.operation = operation
        self.reason = reason
        self.kind = kind
    }

    /// Cloudflare's error codes for bad or missing credentials.
    private static let authCodes: Set<Int> = [10000, 9109, 9106, 6003, 6102, 6103, 6111]
    private static let rateLimitCodes: Set<Int> = [971, 10429]

    static func status(_ code: Int, apiErrors: [APIMessage], operation: APIOperation) -> Self {
        let codes = Set(apiErrors.compactMap(\.code))
        let reason: RefreshFailureReason =
            if code == 401 || code == 403 || !codes.isDisjoint(with: authCodes) {
                .auth
            } else if code == 429 || !codes.isDisjoint(with: rateLimitCodes) { .rateLimited } else if !apiErrors.isEmpty { .apiError } else
            { .http }
        return .init(operation, reason: reason, kind: .status(code: code, apiErrors: apiErrors))
    }

    static func unsuccessful(apiErrors: [APIMessage], operation: APIOperation) -> Self {
        let codes = Set(apiErrors.compactMap(\.code))
        let reason: RefreshFailureReason =
            if !codes.isDisjoint(with: authCodes) { .auth } else if !codes.isDisjoint(with: rateLimitCodes) { .rateLimited } else {
                .apiError
            }
        return .init(operation, reason: reason, kind: .unsuccessful(apiErrors: apiErrors))
    }

    static func undecodable(_ error: AnswerDecodingError, operation: APIOperation) -> Self {
        .init(operation, reason: .decode, kind: .undecodable(error))
    }

    static func bodyTooLarge(limit: Int, operation: APIOperation) -> Self {
        .init(operation, reason: .http, kind: .bodyTooLarge(limit: limit))
    }

    static func timedOut(after seconds: Double, operation: APIOperation) -> Self {
        .init(operation, reason: .timeout, kind: .timedOut(seconds: seconds))
    }

    static func connection(_ detail: String, operation: APIOperation) -> Self {
        .init(operation, reason: .connection, kind: .connection(detail))
    }

    /// A 3xx answer: never followed. Only the target's host is kept, and only if it reads as
    /// one, since the header is untrusted and a URL may carry credentials or tokens.
    static func redirected(status: Int, location: String?, operation: APIOperation) -> Self {
        let host = location.flatMap { URL(string: $0)?.host }.flatMap { host in
            host.utf8.count <= 253 && host.utf8.allSatisfy({ (0x21...0x7E).contains($0) && $0 != UInt8(ascii: "@") })
                ? host.lowercased() : nil
        }
        return .init(operation, reason: .http, kind: .redirected(code: status, host: host))
    }

    static func notFound(paths: [String], operation: APIOperation) -> Self {
        .init(operation, reason: .notFound, kind: .notFound(paths: paths))
    }

    public var description: String {
        let subject = operation.subject
        switch kind {
        case .status(let code, let apiErrors):
            let detail = apiErrors.isEmpty ? "" : " (\(Self.describe(apiErrors)))"
            switch reason {
            case .auth:
                return "\(subject) was refused with HTTP \(code)\(detail): check that the credentials are valid, "
                    + "belong to a member of this account and have the \"\(operation.permission)\" permission"
            case .rateLimited:
                return "\(subject) was rate limited with HTTP \(code)\(detail): Cloudflare allows 1,200 requests "
                    + "per 5 minutes per token; raise --cloudflare.refresh-interval or use a token of its own"
            default:
                return "\(subject) failed with HTTP \(code)\(detail); if it persists, check Cloudflare's status page"
            }
        case .unsuccessful(let apiErrors):
            return "\(subject) returned success=false (\(Self.describe(apiErrors)))"
                + (reason == .auth ? ": check the credentials and their \"\(operation.permission)\" permission" : "")
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
            return "\(subject) got 404 on every known path (\(paths.joined(separator: ", "))): \(operation.notFoundHint)"
        }
    }

    private static func describe(_ errors: [APIMessage]) -> String {
        if errors.isEmpty { return "no error given" }
        return errors.map { error in
            let message = error.message.count > 200 ? String(error.message.prefix(200)) + "..." : error.message
            return error.code.map { "code \($0): \(message)" } ?? message
        }.joined(separator: "; ")
    }
}
