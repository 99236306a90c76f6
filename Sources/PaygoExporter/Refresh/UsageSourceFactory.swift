import AsyncHTTPClient
import Logging

/// Builds the usage source a configuration asks for: the demo, or Cloudflare's API over an
/// HTTP client that the caller shuts down.
public enum UsageSourceFactory {
    public struct Parts: Sendable {
        public let source: any UsageSource
        /// To shut down when done; nil in demo mode.
        public let httpClient: HTTPClient?
        /// Reloadable on SIGHUP when the token came from a file.
        public let credentials: CredentialsStore?
    }

    public static func make(for mode: ExporterConfiguration.Mode, logger: Logger) -> Parts {
        switch mode {
        case .demo:
            return Parts(source: DemoUsageSource(), httpClient: nil, credentials: nil)
        case .cloudflare(let configuration):
            var settings = HTTPClient.Configuration()
            // Our retry policy backs off and counts; AsyncHTTPClient's own silent reconnect loop
            // would turn a refused connection or a failed handshake into a vague timeout.
            settings.connectionPool.retryConnectionEstablishment = false
            settings.timeout.connect = .milliseconds(Int64(min(configuration.timeoutSeconds, 10) * 1_000))
            if let proxy = configuration.proxy {
                settings.proxy = .server(
                    host: proxy.host, port: proxy.port,
                    authorization: proxy.userInfo.map { .basic(username: $0.user, password: $0.password) })
                logger.info("calling Cloudflare through a proxy", metadata: ["proxy": "\(proxy)"])
            }
            let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: settings)
            let credentials = CredentialsStore(configuration.credentials, tokenFile: configuration.tokenFile, logger: logger)
            let source = PaygoHTTPClient(
                httpClient: client, configuration: configuration, credentials: credentials, userAgent: BuildInfo.userAgent, logger: logger)
            return Parts(source: source, httpClient: client, credentials: configuration.tokenFile == nil ? nil : credentials)
        }
    }
}
