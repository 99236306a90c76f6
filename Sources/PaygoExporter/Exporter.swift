import AsyncHTTPClient
import Hummingbird
import HummingbirdCore
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
        let budgets = BudgetBook(
            configuration.budgets, path: configuration.budgetFile, watchedAccounts: configuration.budgetAccounts, logger: logger)
        var reloads: [@Sendable (String) -> Void] = configuration.budgetFile == nil ? [] : [{ budgets.reload(reason: $0) }]
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = []
        let sourceParts = UsageSourceParts(mode: configuration.mode, accounts: configuration.accounts, logger: logger)
        let source = sourceParts.source
        if let httpClientService = sourceParts.httpClientService {
            // First in the group, so it stops last, after the refresher that calls through it.
            services.append(.init(service: httpClientService))
        }
        // Every credential's, also one from the environment: a reload may point it at a file.
        for credentials in sourceParts.credentialStores {
            reloads.append { credentials.reload(reason: $0) }
        }
        let webConfiguration = try ReloadableWebConfiguration(settings: configuration.web, logger: logger)
        if webConfiguration.path != nil {
            reloads.append { webConfiguration.reload(reason: $0) }
            services.append(
                .init(
                    service: WebConfigurationWatcher(
                        configuration: webConfiguration, interval: configuration.web.reloadCheckInterval, clock: SystemClock())))
        }

        let refresher = UsageRefresher(
            store: store, source: source, interval: configuration.refreshInterval, credentials: configuration.refreshCredentials,
            maxStaleSeconds: configuration.maxStaleSeconds, maxSeriesPerAccount: configuration.maxSeriesPerAccount,
            byZone: configuration.usageByZone,
            credentialIndex: sourceParts.credentialIndex, logger: logger)
        let shardStatus = ShardStatus(shard: configuration.shard, accountsSeen: 0)
        let credentials =
            configuration.isDemo
            ? [("demo", configuration.givenAccounts, false)]
            : configuration.credentials.map { ($0.name, $0.accounts, $0.keepsGivenAccounts) }
        let assignment = AccountAssignment(
            credentials: credentials, shard: configuration.shard, labels: configuration.accountLabels, store: store,
            routing: sourceParts.routing, shardStatus: shardStatus, logger: logger)
        assignment.start()
        let discoveryStatus = configuration.credentials.contains { $0.discovery != nil } ? DiscoveryStatus() : nil
        for (index, credential) in configuration.credentials.enumerated() {
            guard let discovery = credential.discovery, sourceParts.apis.indices.contains(index) else { continue }
            var named = logger
            named[metadataKey: "credential"] = "\(credential.name)"
            services.append(
                .init(
                    service: AccountDiscovery(
                        endpoint: AccountsEndpoint(api: sourceParts.apis[index], logger: named), store: store, refresher: refresher,
                        settings: discovery, assignment: assignment, credential: index, credentialName: credential.name,
                        status: discoveryStatus, logger: named)))
        }
        var configFileReload: ConfigFileReload?
        if let file = configuration.configFile, let defaults = configuration.configFileDefaults {
            let reload = ConfigFileReload(
                path: file, defaults: defaults, running: configuration.credentials,
                credentials: zip(sourceParts.apis, sourceParts.credentialStores).map { .init(api: $0, secrets: $1) },
                assignment: assignment, refresher: refresher, logger: logger)
            reloads.append { reload.reload(reason: $0) }
            configFileReload = reload
        }

        // Trapped even with nothing to reload: SIGHUP's default action would end the process.
        if handleSignals {
            services.append(.init(service: ReloadOnHangup(reloads: reloads, logger: logger)))
        }
        let connections = WebConnections(
            limit: DescriptorLimit.connectionCapAtStart(asked: configuration.web.maxConnections, logger: logger))
        // The token's pause changes rarely and sorts among the usage families: in the cached body.
        // The server's own families change with traffic: in the once-a-second tail.
        var standaloneSources: [any StandaloneMetricSource] = [refresher.plan, shardStatus]
        if let credentialMetrics = sourceParts.credentialMetrics { standaloneSources.append(credentialMetrics) }
        if let configFileReload { standaloneSources.append(configFileReload) }
        if let discoveryStatus { standaloneSources.append(discoveryStatus) }
        let cache = ExpositionCache(store: store, budgets: budgets, standaloneSources: standaloneSources)
        let serverSources: [any MetricSource] = webConfiguration.metricSources + [connections]
        let web = configuration.web
        let router = ExporterRouter(
            store: store, cache: cache, telemetryPath: configuration.telemetryPath, demo: configuration.isDemo, settings: web,
            authenticator: webConfiguration.authenticator, extraHeaders: webConfiguration.extraHeaders, serverSources: serverSources,
            budgets: budgets)
        let address = configuration.listenAddress
        let logger = logger
        let http1 = HTTP1Channel.Configuration(
            // An autoclosure: every connection gets its own deadline handler.
            additionalChannelHandlers: [
                RequestHeadDeadlineHandler(deadline: TimeAmount(web.requestHeadTimeout)), ConnectionCapHandler(connections: connections),
            ],
            idleTimeout: TimeAmount(web.idleTimeout),
            httpDecoderConfiguration: .init(
                maxHeaderFieldSize: web.maxHeaderBytes, maxHeaderListSize: web.maxHeaderBytes, maxHeaderFieldCount: 100))
        let fastPath = MetricsFastPathHandler.Configuration(
            telemetryPath: configuration.telemetryPath, endpoint: router.endpoint,
            authenticator: router.authenticator, extraHeaders: router.extraHeaders)
        // Each TLS connection takes the context in force when it is accepted, so reloads apply.
        let server: HTTPServerBuilder =
            if let tls = webConfiguration.tls {
                ReloadingTLSChannel.builder(context: tls) { ExporterHTTP1Channel(responder: $0, configuration: http1, fastPath: fastPath) }
            } else {
                ExporterHTTP1Channel.builder(configuration: http1, fastPath: fastPath)
            }
        let app = Application(
            router: router.build(),
            server: server,
            configuration: .init(address: .hostname(address.host, port: address.port), serverName: nil),
            onServerRunning: { channel in
                let port = channel.localAddress?.port ?? address.port
                logger.info(
                    "listening",
                    metadata: [
                        "address": "\(ListenAddress(host: address.host, port: port))", "tls": "\(web.tls != nil)",
                        "basic_auth": "\(webConfiguration.authenticator?.isEnabled ?? false)",
                    ])
                await onListening(port)
            },
            logger: logger)

        logger.info(
            "starting",
            metadata: [
                "version": "\(BuildInfo.version)", "revision": "\(BuildInfo.revision)",
                "accounts": "\(configuration.accounts.count)", "demo": "\(configuration.isDemo)",
                "refresh_interval": "\(PrometheusDuration.format(configuration.refreshInterval))",
                "shard": "\(configuration.shard)",
            ].merging(
                configuration.credentials.isEmpty
                    ? [:] : ["rate_limit": "\(configuration.credentials.map { "\($0.name)=\($0.api.rateLimit)" }.joined(separator: ","))"]
            ) { $1 })
        let group = ServiceGroup(
            configuration: .init(
                services: services + [.init(service: app), .init(service: refresher)],
                gracefulShutdownSignals: handleSignals ? [.sigterm, .sigint] : [],
                logger: logger))
        do {
            try await group.run()
        } catch {
            throw ListenError(error, address: address) ?? error
        }
        logger.info("stopped")
    }
}
