import AsyncHTTPClient
import Logging
import ServiceLifecycle

/// The usage source a configuration asks for, with what the exporter wires around it: the
/// demo, or each account routed to its token's `UsageEndpoint` over that token's
/// `CloudflareAPI`. The HTTP client's lifetime is owned here, once: as a service in the
/// exporter's group, or around a one-off run.
public struct UsageSourceParts: Sendable {
    public let source: any UsageSource
    /// Reloadable on SIGHUP when the token came from a file.
    public let credentials: CredentialsStore?
    /// The token-level families (rate, calls, reported quota, pause) per credential; nil in
    /// demo mode.
    public let credentialMetrics: CredentialMetrics?
    /// The token's API, for endpoints beside usage (listing accounts); nil in demo mode.
    public let api: CloudflareAPI?
    private let httpClient: HTTPClient?
    private let logger: Logger

    public init(mode: ExporterConfiguration.Mode, accounts: [AccountID], clock: any ExporterClock = SystemClock(), logger: Logger) {
        self.logger = logger
        switch mode {
        case .demo:
            source = DemoUsageSource()
            credentials = nil
            credentialMetrics = nil
            api = nil
            httpClient = nil
        case .cloudflare(let configuration, let usagePath):
            let client = CloudflareAPI.makeHTTPClient(for: configuration, logger: logger)
            let store = CredentialsStore(
                ReloadableFile(
                    configuration.credentials, path: configuration.tokenFile, subject: "API token", logger: logger
                ) { path in try CredentialsResolver.resolve(tokenFile: path, environment: [:]) })
            let api = CloudflareAPI(
                httpClient: client, configuration: configuration, credentials: store, clock: clock, userAgent: BuildInfo.userAgent,
                logger: logger)
            // Every account on the one token, discovered ones included.
            source = RoutingUsageSource(everyAccountTo: UsageEndpoint(api: api, path: usagePath, logger: logger))
            credentials = store.reloads ? store : nil
            credentialMetrics = CredentialMetrics([api])
            self.api = api
            httpClient = client
        }
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
