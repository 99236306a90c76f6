import AsyncHTTPClient
import Logging
import NIOCore

/// Builds the usage source a configuration asks for: the demo, or Cloudflare's API over an
/// HTTP client that the caller shuts down.
public enum UsageSourceFactory {
    public struct Parts: Sendable {
        public let source: any UsageSource
        /// To shut down when done; nil in demo mode.
        public let httpClient: HTTPClient?
        /// Reloadable on SIGHUP when the token came from a file.
        public let credentials: CredentialsStore?
        /// The token's pause after a 429, exposed as a metric; nil in demo mode.
        public let gate: RateLimitGate?
    }

    public static func make(for mode: ExporterConfiguration.Mode, logger: Logger) -> Parts {
        switch mode {
        case .demo:
            return Parts(source: DemoUsageSource(), httpClient: nil, credentials: nil, gate: nil)
        case .cloudflare(let configuration):
            var settings = HTTPClient.Configuration()
            // Our retry policy backs off and counts; AsyncHTTPClient's own silent reconnect loop
            // would turn a refused connection or a failed handshake into a vague timeout.
            settings.connectionPool.retryConnectionEstablishment = false
            // A redirect would carry the credentials to wherever it points (AsyncHTTPClient strips
            // only Authorization, not X-Auth-Key); the client reports a 3xx as a failure instead.
            settings.redirectConfiguration = .disallow
            settings.timeout.connect = TimeAmount(.saturating(seconds: min(configuration.timeoutSeconds, 10)))
            if let proxy = configuration.proxy {
                settings.proxy = .server(
                    host: proxy.host, port: proxy.port,
                    authorization: proxy.userInfo.map { .basic(username: $0.user, password: $0.password) })
                logger.info("calling Cloudflare through a proxy", metadata: ["proxy": "\(proxy)"])
            }
            let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: settings)
            let credentials = CredentialsStore(configuration.credentials, tokenFile: configuration.tokenFile, logger: logger)
            let gate = RateLimitGate()
            let source = PaygoHTTPClient(
                httpClient: client, configuration: configuration, credentials: credentials, gate: gate, userAgent: BuildInfo.userAgent,
                logger: logger)
            return Parts(source: source, httpClient: client, credentials: configuration.tokenFile == nil ? nil : credentials, gate: gate)
        }
    }
}
