/// The fixed set of reasons a refresh fails, used as the `reason` label of
/// `cloudflare_paygo_refresh_errors_total`.
public enum RefreshFailureReason: String, Sendable, Hashable, CaseIterable, Comparable {
    /// 401/403 or an authentication error code: the credentials are wrong or lack "Billing Read".
    case auth
    /// 429 or a rate-limit error code.
    case rateLimited = "rate_limited"
    /// No known usage path answered (404 on every one).
    case notFound = "not_found"
    /// Another non-success HTTP status, often an HTML page from Cloudflare's edge.
    case http
    /// The call did not finish within `--cloudflare.timeout`.
    case timeout
    /// The connection could not be made or broke (DNS, TCP, TLS).
    case connection
    /// The body was not a well-formed usage answer.
    case decode
    /// A well-formed envelope with `success: false`.
    case apiError = "api_error"

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }
}
