import PaygoExporter

/// Account ids for tests: valid hex tags, numbered in the last digits.
enum TestAccounts {
    static func id(_ number: Int) -> String {
        let digits = String(number, radix: 16)
        return String(repeating: "a", count: 32 - digits.count) + digits
    }

    static func account(_ number: Int) -> AccountID { AccountID(id(number))! }

    /// A configuration against the stand-in at `baseURL`, refreshing every `interval`.
    static func configuration(
        baseURL: String,
        accounts: [Int],
        credentials: CloudflareCredentials = .apiToken(secretToken),
        interval: Duration = .seconds(600),
        usagePath: String = UsageEndpoint.defaultPath,
        timeoutSeconds: Double = 5,
        maxStaleSeconds: Double = 86_400,
        customize: (inout CloudflareAPIConfiguration) -> Void = { _ in }
    ) -> ExporterConfiguration {
        var client = CloudflareAPIConfiguration(
            baseURL: baseURL, credentials: credentials, timeoutSeconds: timeoutSeconds,
            // Fast retries keep fault tests short; the policy's logic is the same.
            retryPolicy: RetryPolicy(baseDelaySeconds: 0.02, maxDelaySeconds: 0.1, defaultRateLimitPauseSeconds: 1),
            // Out of the way of tests about other things; RateLimitTests sets its own.
            rateLimit: RequestRate(requests: 1_000_000, perSeconds: 1))
        customize(&client)
        return ExporterConfiguration(
            listenAddress: ListenAddress(host: "127.0.0.1", port: 0),
            accounts: accounts.map(account),
            mode: .cloudflare([CredentialConfiguration(api: client, accounts: accounts.map(account))], usagePath: usagePath),
            refreshInterval: interval,
            maxStaleSeconds: maxStaleSeconds)
    }

    /// Recognisable so a test can look for it anywhere the exporter writes.
    static let secretToken = "SECRETtoken0123456789abcdefXYZ_-canary"
}

extension ExporterConfiguration {
    /// The same configuration watching `accounts`, given on its first credential.
    func watching(_ accounts: [AccountID]) -> ExporterConfiguration {
        var copy = self
        copy.accounts = accounts
        copy.givenAccounts = accounts
        if case .cloudflare(var credentials, let path) = mode, !credentials.isEmpty {
            credentials[0].accounts = accounts
            copy.mode = .cloudflare(credentials, usagePath: path)
        }
        return copy
    }
}
