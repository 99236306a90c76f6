import AsyncHTTPClient
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle
import UnixSignals

/// The running exporter: a refresher feeding the snapshot store and an HTTP server reading it,
/// under one service group with graceful shutdown.
public struct Exporter: Sendable {
    public let configuration: ExporterConfiguration
    private let logger: Logger

    public init(configuration: ExporterConfiguration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
    }

    /// Runs until SIGTERM/SIGINT (when `handleSignals`) or cancellation.
    /// - Parameter onListening: called with the bound port once the server accepts connections.
    public func run(handleSignals: Bool = true, onListening: @escaping @Sendable (Int) async -> Void = { _ in }) async throws {
        let store = SnapshotStore(accounts: configuration.accounts)
        let cache = ExpositionCache(store: store)
        var httpClient: HTTPClient?
        let source: any UsageSource
        switch configuration.mode {
        case .demo:
            source = DemoUsageSource()
        case .cloudflare(let clientConfiguration):
            let client = HTTPClient(eventLoopGroupProvider: .singleton)
            httpClient = client
            source = PaygoHTTPClient(httpClient: client, configuration: clientConfiguration, userAgent: BuildInfo.userAgent, logger: logger)
        }

        let refresher = UsageRefresher(store: store, source: source, interval: configuration.refreshInterval, logger: logger)
        let router = ExporterRouter(store: store, cache: cache, telemetryPath: configuration.telemetryPath, demo: configuration.isDemo)
        let address = configuration.listenAddress
        let logger = logger
        let app = Application(
            router: router.build(),
            configuration: .init(address: .hostname(address.host, port: address.port), serverName: nil),
            onServerRunning: { channel in
                let port = channel.localAddress?.port ?? address.port
                logger.info("listening", metadata: ["address": "\(ListenAddress(host: address.host, port: port))"])
                await onListening(port)
            },
            logger: logger)

        logger.info("starting", metadata: [
            "version": "\(BuildInfo.version)", "revision": "\(BuildInfo.revision)",
            "accounts": "\(configuration.accounts.count)", "demo": "\(configuration.isDemo)",
            "refresh_interval": "\(configuration.refreshInterval)",
        ])
        let group = ServiceGroup(configuration: .init(
            services: [
                .init(service: app),
                .init(service: refresher),
            ],
            gracefulShutdownSignals: handleSignals ? [.sigterm, .sigint] : [],
            logger: logger))
        do {
            try await group.run()
        } catch {
            try? await httpClient?.shutdown()
            throw error
        }
        try? await httpClient?.shutdown()
        logger.info("stopped")
    }
}
