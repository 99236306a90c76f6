import AsyncHTTPClient
import Logging
import NIOCore

extension CloudflareAPI {
    /// The HTTP client for calls made under `configuration`: no redirects, no silent
    /// reconnects, the connect timeout within the call's deadline, the proxy if one is set.
    public static func makeHTTPClient(for configuration: CloudflareAPIConfiguration, logger: Logger) -> HTTPClient {
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
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: settings)
    }
}
