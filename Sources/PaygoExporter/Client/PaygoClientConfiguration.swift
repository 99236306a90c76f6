/// Where and how the client calls Cloudflare.
public struct PaygoClientConfiguration: Sendable {
    /// The documented path; the SDKs still call it.
    public static let documentedUsagePath = "/accounts/{account_id}/billing/usage/paygo"
    /// Paths Cloudflare's reference listed later, tried in order after a 404.
    public static let laterUsagePaths = ["/accounts/{account_id}/paygo-usage", "/accounts/{account_id}/billable-usage"]
    public static let defaultBaseURL = "https://api.cloudflare.com/client/v4"

    /// API root without a trailing slash, e.g. `https://api.cloudflare.com/client/v4`.
    public var baseURL: String
    /// The path tried first; `{account_id}` is replaced by the account.
    public var usagePath: String
    public var credentials: CloudflareCredentials
    /// Deadline for one whole call: connect, headers and body.
    public var timeoutSeconds: Double
    /// Bodies larger than this are refused rather than buffered.
    public var maxBodyBytes: Int
    /// Re-read on SIGHUP or when it changes; nil when the token came from the environment.
    public var tokenFile: String?
    public var retryPolicy: RetryPolicy
    /// From `HTTPS_PROXY`/`HTTP_PROXY` unless `NO_PROXY` exempts the API host.
    public var proxy: ProxySettings?
    /// Calls allowed on the token, counting every path tried and every retry.
    public var rateLimit: RequestRate

    public init(
        baseURL: String = Self.defaultBaseURL,
        usagePath: String = Self.documentedUsagePath,
        credentials: CloudflareCredentials,
        timeoutSeconds: Double = 60,
        maxBodyBytes: Int = 64 << 20,
        tokenFile: String? = nil,
        retryPolicy: RetryPolicy = RetryPolicy(),
        proxy: ProxySettings? = nil,
        rateLimit: RequestRate = .default
    ) {
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        self.usagePath = usagePath
        self.credentials = credentials
        self.timeoutSeconds = timeoutSeconds
        self.maxBodyBytes = maxBodyBytes
        self.tokenFile = tokenFile
        self.retryPolicy = retryPolicy
        self.proxy = proxy
        self.rateLimit = rateLimit
    }

    /// The configured path first, then the other known paths, each once.
    public var candidatePaths: [String] {
        var paths = [usagePath]
        for path in [Self.documentedUsagePath] + Self.laterUsagePaths where !paths.contains(path) {
            paths.append(path)
        }
        return paths
    }
}
