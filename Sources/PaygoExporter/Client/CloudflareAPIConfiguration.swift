/// How one credential reaches Cloudflare's v4 API: where, as whom, how fast and how patiently.
/// Endpoint settings (such as the usage path) live with their endpoints.
public struct CloudflareAPIConfiguration: Sendable {
    public static let defaultBaseURL = "https://api.cloudflare.com/client/v4"
    public static let defaultCredentialName = "default"

    /// API root without a trailing slash, e.g. `https://api.cloudflare.com/client/v4`.
    public var baseURL: String
    public var credentials: CloudflareCredentials
    /// Deadline for one whole call: connect, headers and body.
    public var timeoutSeconds: Double
    /// Bodies larger than this are refused rather than buffered.
    public var maxBodyBytes: Int
    /// Re-read on SIGHUP or when it changes; nil when the token came from the environment.
    public var tokenFile: String?
    /// Set when `tokenFile` holds a global API key rather than a token: the account email it
    /// goes with.
    public var globalKeyEmail: String?
    public var retryPolicy: RetryPolicy
    /// From `HTTPS_PROXY`/`HTTP_PROXY` unless `NO_PROXY` exempts the API host.
    public var proxy: ProxySettings?
    /// Calls allowed on the token, counting every path tried and every retry.
    public var rateLimit: RequestRate
    /// The `credential` label of the token's metrics: a name from `--config.file`, never the
    /// secret; `default` for the token given by flags.
    public var credentialName: String

    public init(
        baseURL: String = Self.defaultBaseURL,
        credentials: CloudflareCredentials,
        timeoutSeconds: Double = 60,
        maxBodyBytes: Int = 64 << 20,
        tokenFile: String? = nil,
        retryPolicy: RetryPolicy = RetryPolicy(),
        proxy: ProxySettings? = nil,
        rateLimit: RequestRate = .default,
        credentialName: String = Self.defaultCredentialName
    ) {
        self.credentialName = credentialName
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        self.credentials = credentials
        self.timeoutSeconds = timeoutSeconds
        self.maxBodyBytes = maxBodyBytes
        self.tokenFile = tokenFile
        self.retryPolicy = retryPolicy
        self.proxy = proxy
        self.rateLimit = rateLimit
    }
}
