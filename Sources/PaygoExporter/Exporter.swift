import AsyncHTTPClient
import Hummingbird
import HummingbirdCore
import HummingbirdTLS
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
        let budgets = BudgetBook(configuration.budgets, path: configuration.budgetFile, watchedAccounts: configuration.accounts, logger: logger)
        var reloads: [@Sendable (String) -> Void] = configuration.budgetFile == nil ? [] : [{ budgets.reload(reason: $0) }]
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = []
        let sourceParts = UsageSourceFactory.make(for: configuration.mode, logger: logger)
        let source = sourceParts.source
        let httpClient = sourceParts.httpClient
        if let credentials = sourceParts.credentials {
            reloads.append { credentials.reload(reason: $0) }
        }

        // Trapped even with nothing to reload: SIGHUP's default action would end the process.
        if handleSignals {
            services.append(.init(service: ReloadOnHangup(reloads: reloads, logger: logger)))
        }

        let refresher = UsageRefresher(
            store: store, source: source, interval: configuration.refreshInterval, rateLimit: configuration.rateLimit,
            maxStaleSeconds: configuration.maxStaleSeconds, logger: logger)
        let connections = WebConnections(limit: DescriptorLimit.connectionCapAtStart(asked: configuration.web.maxConnections, logger: logger))
        let cache = ExpositionCache(
            store: store, budgets: budgets, schedule: refresher.schedule, rateLimit: configuration.rateLimit, standaloneSources: [connections])
        let web = configuration.web
        let router = ExporterRouter(
            store: store, cache: cache, telemetryPath: configuration.telemetryPath, demo: configuration.isDemo, settings: web)
        let address = configuration.listenAddress
        let logger = logger
        let http1 = HTTP1Channel.Configuration(
            // An autoclosure: every connection gets its own deadline handler.
            additionalChannelHandlers: [
                RequestHeadDeadlineHandler(deadline: TimeAmount(web.requestHeadTimeout)), ConnectionCapHandler(connections: connections),
            ],
            idleTimeout: TimeAmount(web.idleTimeout),
            httpDecoderConfiguration: .init(maxHeaderFieldSize: web.maxHeaderBytes, maxHeaderListSize: web.maxHeaderBytes, maxHeaderFieldCount: 100))
        let http1Server = ExporterHTTP1Channel.builder(configuration: http1, fastPath: .init(
            telemetryPath: configuration.telemetryPath, endpoint: router.endpoint,
            authenticator: router.authenticator, extraHeaders: web.extraHeaders))
        let server: HTTPServerBuilder = if let tls = web.tls { try .tls(http1Server, tlsConfiguration: tls) } else { http1Server }
        let app = Application(
            router: router.build(),
            server: server,
            configuration: .init(address: .hostname(address.host, port: address.port), serverName: nil),
            onServerRunning: { channel in
                let port = channel.localAddress?.port ?? address.port
                logger.info("listening", metadata: [
                    "address": "\(ListenAddress(host: address.host, port: port))", "tls": "\(web.tls != nil)",
                    "basic_auth": "\(!web.basicAuthUsers.isEmpty)",
                ])
                await onListening(port)
            },
            logger: logger)

        logger.info("starting", metadata: [
            "version": "\(BuildInfo.version)", "revision": "\(BuildInfo.revision)",
            "accounts": "\(configuration.accounts.count)", "demo": "\(configuration.isDemo)",
            "refresh_interval": "\(PrometheusDuration.format(configuration.refreshInterval))",
        ])
        let group = ServiceGroup(configuration: .init(
            services: [.init(service: app), .init(service: refresher)] + services,
            gracefulShutdownSignals: handleSignals ? [.sigterm, .sigint] : [],
            logger: logger))
        do {
            try await group.run()
        } catch {
            try? await httpClient?.shutdown()
            throw ListenError(error, address: address) ?? error
        }
        try? await httpClient?.shutdown()
        logger.info("stopped")
    }
}
