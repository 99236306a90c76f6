import NIOSSL

/// How the HTTP side listens and guards itself.
public struct WebServerSettings: Sendable {
    /// Concurrent scrapes beyond this get 503; 0 means no limit.
    public var maxRequests: Int
    /// A connection must deliver each request head within this long.
    public var requestHeadTimeout: Duration
    /// Connections with no traffic at all are closed after this long.
    public var idleTimeout: Duration
    /// Limit on the whole request head, in bytes.
    public var maxHeaderBytes: Int
    public var tls: TLSConfiguration?
    public var basicAuthUsers: [String: String]
    public var extraHeaders: [(name: String, value: String)]
    /// Serve OpenMetrics to scrapers that ask for it.
    public var openMetrics: Bool = true
    /// The `--web.config.file` the TLS, users and headers came from; re-read on SIGHUP and when
    /// it or a file it names changes. nil: they were set in code and never change.
    public var webConfigFile: String?
    /// How often the web config file and its certificate files are looked at for changes.
    public var reloadCheckInterval: Duration = .seconds(5)
    /// The file as loaded, for what a reload compares with and the notes it logs.
    var webConfiguration: WebConfiguration?
    /// Open connections allowed (`--web.max-connections`); lowered at start when the limit on
    /// open files leaves less room.
    public var maxConnections = WebServerSettings.defaultMaxConnections

    /// The default of `--web.max-requests`.
    public static let defaultMaxRequests = 40
    /// The default of `--web.max-connections`.
    public static let defaultMaxConnections = 512
    /// The values `--web.max-connections` accepts; others stop the exporter at start.
    public static let maxConnectionsRange = 1...65_536

    public init(
        maxRequests: Int = WebServerSettings.defaultMaxRequests,
        requestHeadTimeout: Duration = .seconds(10),
        idleTimeout: Duration = .seconds(60),
        maxHeaderBytes: Int = 16_384,
        tls: TLSConfiguration? = nil,
        basicAuthUsers: [String: String] = [:],
        extraHeaders: [(name: String, value: String)] = []
    ) {
        self.maxRequests = maxRequests
        self.requestHeadTimeout = requestHeadTimeout
        self.idleTimeout = idleTimeout
        self.maxHeaderBytes = maxHeaderBytes
        self.tls = tls
        self.basicAuthUsers = basicAuthUsers
        self.extraHeaders = extraHeaders
    }

    /// Settings from a `--web.config.file`, with everything it names loaded and checked.
    public init(maxRequests: Int, webConfigFile: String?) throws(ConfigurationError) {
        self.init(maxRequests: maxRequests)
        guard let webConfigFile else { return }
        let web = try WebConfiguration.load(path: webConfigFile)
        self.webConfigFile = webConfigFile
        webConfiguration = web
        tls = try web.tls?.serverConfiguration()
        basicAuthUsers = web.basicAuthUsers
        extraHeaders = web.headers
    }
}
