import AsyncHTTPClient
import Logging
import ServiceLifecycle

/// The usage source a configuration asks for, with what the exporter wires around it: the
/// demo, or each account routed to its token's `UsageEndpoint` over that token's
/// `CloudflareAPI`. The HTTP client's lifetime is owned here, once: as a service in the
/// exporter's group, or around a one-off run.
public struct UsageSourceParts: Sendable {
    public let source: any UsageSource
    /// Each credential's secrets, in the configuration's order: re-read on SIGHUP when they
    /// come from a file (a reload may also point one at another source).
    public let credentialStores: [CredentialsStore]
    /// The token-level families (rate, calls, reported quota, pause) per credential; nil in
    /// demo mode.
    public let credentialMetrics: CredentialMetrics?
    /// Each credential's API, in the configuration's order, for endpoints beside usage
    /// (listing accounts); empty in demo mode.
    public let apis: [CloudflareAPI]
    /// Routes each account to its credential; nil in demo mode.
    public let routing: RoutingUsageSource?
    private let httpClient: HTTPClient?
    private let logger: Logger

    /// Which credential polls an account, as an index into the configuration's credentials
    /// (0 in demo mode, and for an account no credential polls).
    public var credentialIndex: @Sendable (AccountID) -> Int {
        { [routing] in routing?.credentialIndex(of: $0) ?? 0 }
    }

    /// The first credential's API: the only one with the flags.
    public var api: CloudflareAPI? { apis.first }

    public init(mode: ExporterConfiguration.Mode, accounts: [AccountID], clock: any ExporterClock = SystemClock(), logger: Logger) {
        self.logger = logger
        switch mode {
        case .demo:
            source = DemoUsageSource()
            credentialStores = []
            credentialMetrics = nil
            apis = []
            routing = nil
            httpClient = nil
        case .cloudflare(let credentials, let usagePath):
            // One HTTP client (one connection pool) for every credential: they reach one API.
            let client = CloudflareAPI.makeHTTPClient(
                for: credentials.first?.api ?? CloudflareAPIConfiguration(credentials: .apiToken("-")), logger: logger)
            var stores: [CredentialsStore] = []
            var apis: [CloudflareAPI] = []
            for credential in credentials {
                let configuration = credential.api
                let store = CredentialsStore(for: configuration, logger: logger)
                stores.append(store)
                apis.append(
                    CloudflareAPI(
                        httpClient: client, configuration: configuration, credentials: store, clock: clock, userAgent: BuildInfo.userAgent,
                        logger: Self.logger(logger, naming: credential.name, when: credentials.count > 1)))
            }
            let routing = RoutingUsageSource(
                sources: apis.map { UsageEndpoint(api: $0, path: usagePath, logger: logger) },
                routes: Self.initialRoutes(credentials))
            source = routing
            self.routing = routing
            credentialStores = stores
            credentialMetrics = CredentialMetrics(apis)
            self.apis = apis
            httpClient = client
        }
    }

    /// With several credentials, every line a credential's API logs says which one it is.
    private static func logger(_ logger: Logger, naming credential: String, when several: Bool) -> Logger {
        var named = logger
        if several { named[metadataKey: "credential"] = "\(credential)" }
        return named
    }

    /// Each given account to the first credential that gives it, so `once` and `backfill`
    /// route without an `AccountAssignment`.
    private static func initialRoutes(_ credentials: [CredentialConfiguration]) -> [AccountID: Int] {
        var routes: [AccountID: Int] = [:]
        for (index, credential) in credentials.enumerated() {
            for account in credential.accounts where routes[account] == nil { routes[account] = index }
        }
        return routes
    }

    /// A service that shuts the HTTP client down when the group stops; listed first, it stops
    /// last, after everything that calls through it.
    public var httpClientService: (any Service)? {
        httpClient.map { HTTPClientService(client: $0, logger: logger) }
    }

    /// Runs `body` with these parts, then shuts the HTTP client down once, whatever `body` did.
    public func run<T: Sendable>(_ body: (UsageSourceParts) async throws -> T) async rethrows -> T {
        do {
            let value = try await body(self)
            await shutDown()
            return value
        } catch {
            await shutDown()
            throw error
        }
    }

    private func shutDown() async {
        guard let httpClient else { return }
        await HTTPClientService.shutDown(httpClient, logger: logger)
    }
}

/// Owns an `HTTPClient` for the life of a service group.
private struct HTTPClientService: Service {
    let client: HTTPClient
    let logger: Logger

    func run() async throws {
        // Cancellation (rather than a graceful shutdown) ends the wait too; the client is shut
        // down either way.
        try? await gracefulShutdown()
        await Self.shutDown(client, logger: logger)
    }

    static func shutDown(_ client: HTTPClient, logger: Logger) async {
        do {
            try await client.shutdown()
        } catch {
            logger.warning("the HTTP client did not shut down cleanly", metadata: ["error": "\(error)"])
        }
    }
}
