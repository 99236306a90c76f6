/// A `host:port` to listen on, as Prometheus exporters spell it: `:10133` (every interface),
/// `127.0.0.1:10133`, `[::1]:10133`, `localhost:10133`.
public struct ListenAddress: Sendable, Hashable, CustomStringConvertible {
    public let host: String
    public let port: Int

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    public init(parsing text: String) throws(ConfigurationError) {
        let invalid = ConfigurationError(
            "--web.listen-address \"\(text)\" is not host:port",
            fix: "use e.g. :10133, 127.0.0.1:10133 or [::1]:10133")
        guard let colon = text.lastIndex(of: ":") else { throw invalid }
        var host = String(text[..<colon])
        let portText = text[text.index(after: colon)...]
        guard let port = Int(portText), (0...65_535).contains(port) else { throw invalid }
        if host.hasPrefix("[") {
            guard host.hasSuffix("]"), host.count > 2 else { throw invalid }
            host = String(host.dropFirst().dropLast())
        } else if host.contains(":") {
            throw invalid
        }
        self.host = host.isEmpty ? "0.0.0.0" : host
        self.port = port
    }

    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}
