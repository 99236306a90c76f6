#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A `host:port` to listen on, as Prometheus exporters spell it: `:10133` (every interface, IPv4 and IPv6),
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
        self.host = host.isEmpty ? Self.everyInterface : host
        self.port = port
    }

    /// What an empty host means: every IPv4 and IPv6 interface where the machine has IPv6
    /// (a dual-stack `::` socket), every IPv4 interface otherwise.
    public static let everyInterface: String = {
        let probe = socket(AF_INET6, Int32(SOCK_STREAM.rawValue), 0)
        guard probe >= 0 else { return "0.0.0.0" }
        close(probe)
        return "::"
    }()

    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}
