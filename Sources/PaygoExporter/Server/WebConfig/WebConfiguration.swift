import Foundation
import Yams

/// `--web.config.file` in Prometheus exporter-toolkit's format: TLS, basic auth users and
/// extra response headers. Unknown keys are errors, as in exporter-toolkit, so a typo never
/// silently leaves an endpoint open.
public struct WebConfiguration: Sendable {
    /// `tls_server_config`.
    public struct TLS: Sendable, Hashable {
        public enum ClientAuth: String, Sendable, CaseIterable {
            case noClientCert = "NoClientCert"
            case requestClientCert = "RequestClientCert"
            case verifyClientCertIfGiven = "VerifyClientCertIfGiven"
            case requireAndVerifyClientCert = "RequireAndVerifyClientCert"
        }

        public enum Version: String, Sendable, CaseIterable, Comparable {
            case tls10 = "TLS10", tls11 = "TLS11", tls12 = "TLS12", tls13 = "TLS13"

            public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }
        }

        public var certFile: String
        public var keyFile: String
        public var clientAuth: ClientAuth = .noClientCert
        public var clientCAFile: String?
        public var minVersion: Version = .tls12
        public var maxVersion: Version?
    }

    public var tls: TLS?
    /// User name to bcrypt hash.
    public var basicAuthUsers: [String: String] = [:]
    /// Added to every response.
    public var headers: [(name: String, value: String)] = []

    public init() {}

    /// Headers a config may not set: the exporter owns them.
    private static let reservedHeaders: Set<String> = [
        "content-type", "content-length", "content-encoding", "transfer-encoding", "connection", "vary", "www-authenticate", "date", "server",
    ]

    /// Reads and checks the file; relative paths inside it are taken from the file's folder.
    public static func load(path: String) throws(ConfigurationError) -> WebConfiguration {
        let text = try YAMLConfigFile.read(path: path, flag: "--web.config.file")
        let base = URL(fileURLWithPath: path).deletingLastPathComponent()
        return try parse(text, relativeTo: base, source: path)
    }

    static func parse(_ text: String, relativeTo base: URL, source: String) throws(ConfigurationError) -> WebConfiguration {
        func fail(_ problem: String, _ fix: String = "see the exporter-toolkit web configuration format in README.md") -> ConfigurationError {
            ConfigurationError("--web.config.file \(source): \(problem)", fix: fix)
        }
        var configuration = WebConfiguration()
        guard let root = try YAMLConfigFile.compose(text, failing: { fail($0) }) else { return configuration }
        /// The pairs of a mapping node; keys outside `allowed` are errors unless `allowed` is nil.
        func mapping(_ node: Node, _ name: String, allowed: Set<String>?) throws(ConfigurationError) -> [(String, Node)] {
            guard let map = node.mapping else { throw fail("\(name.isEmpty ? "the top level" : name) must be a mapping") }
            var pairs: [(String, Node)] = []
            for (key, value) in map {
                guard let key = key.string else { throw fail("\(name) has a non-string key") }
                guard allowed?.contains(key) ?? true else { throw fail("unknown key \(name.isEmpty ? "" : name + ".")\(key)") }
                pairs.append((key, value))
            }
            return pairs
        }
        func string(_ node: Node, _ name: String) throws(ConfigurationError) -> String {
            guard let value = node.scalar?.string else { throw fail("\(name) must be a string") }
            return value
        }
        func file(_ node: Node, _ name: String) throws(ConfigurationError) -> String {
            let value = try string(node, name)
            let path = value.hasPrefix("/") ? value : base.appendingPathComponent(value).path
            guard FileManager.default.isReadableFile(atPath: path) else {
                throw fail("\(name) \(path) is not a readable file", "check the path (relative paths start at the config file's folder)")
            }
            return path
        }

        guard root.mapping != nil else { throw fail("the top level must be a mapping") }
        for (key, value) in try mapping(root, "", allowed: ["tls_server_config", "http_server_config", "basic_auth_users"]) {
            switch key {
            case "tls_server_config":
                var certFile: String?, keyFile: String?
                var tls = TLS(certFile: "", keyFile: "")
                let allowed: Set<String> = ["cert_file", "key_file", "client_auth_type", "client_ca_file", "min_version", "max_version",
                                            "cipher_suites", "curve_preferences", "prefer_server_cipher_suites"]
                for (tlsKey, tlsValue) in try mapping(value, "tls_server_config", allowed: allowed) {
                    let name = "tls_server_config.\(tlsKey)"
                    switch tlsKey {
                    case "cert_file": certFile = try file(tlsValue, name)
                    case "key_file": keyFile = try file(tlsValue, name)
                    case "client_ca_file": tls.clientCAFile = try file(tlsValue, name)
                    case "client_auth_type":
                        let text = try string(tlsValue, name)
                        guard let auth = TLS.ClientAuth(rawValue: text) else {
                            throw fail("\(name) \"\(text)\" is not supported", "use one of \(TLS.ClientAuth.allCases.map(\.rawValue).joined(separator: ", "))")
                        }
                        tls.clientAuth = auth
                    case "min_version", "max_version":
                        let text = try string(tlsValue, name)
                        guard let version = TLS.Version(rawValue: text) else {
                            throw fail("\(name) \"\(text)\" is unknown", "use TLS10, TLS11, TLS12 or TLS13")
                        }
                        if tlsKey == "min_version" { tls.minVersion = version } else { tls.maxVersion = version }
                    default:
                        // Go-specific tuning that BoringSSL chooses well by itself.
                        break
                    }
                }
                guard let certFile, let keyFile else {
                    throw fail("tls_server_config needs both cert_file and key_file")
                }
                tls.certFile = certFile
                tls.keyFile = keyFile
                if tls.clientAuth == .requireAndVerifyClientCert || tls.clientAuth == .verifyClientCertIfGiven, tls.clientCAFile == nil {
                    throw fail("client_auth_type \(tls.clientAuth.rawValue) needs client_ca_file")
                }
                if let max = tls.maxVersion, max < tls.minVersion {
                    throw fail("tls_server_config.max_version is below min_version")
                }
                configuration.tls = tls
            case "http_server_config":
                for (httpKey, httpValue) in try mapping(value, "http_server_config", allowed: ["headers", "http2"]) where httpKey == "headers" {
                    for (name, headerValue) in try mapping(httpValue, "http_server_config.headers", allowed: nil) {
                        guard HTTPToken.isToken(name), !reservedHeaders.contains(name.lowercased()) else {
                            throw fail("http_server_config.headers.\(name) cannot be set", "set only extra headers such as Strict-Transport-Security or Content-Security-Policy")
                        }
                        let text = try string(headerValue, "http_server_config.headers.\(name)")
                        guard !text.contains(where: { $0 == "\r" || $0 == "\n" }) else {
                            throw fail("http_server_config.headers.\(name) holds a line break")
                        }
                        configuration.headers.append((name, text))
                    }
                }
            case "basic_auth_users":
                for (user, hashNode) in try mapping(value, "basic_auth_users", allowed: nil) {
                    let hash = try string(hashNode, "basic_auth_users.\(user)")
                    guard BasicAuthenticator.isBcryptHash(hash) else {
                        throw fail("basic_auth_users.\(user) is not a bcrypt hash", "create one with: htpasswd -nBC 10 \"\" | tr -d ':\\n'")
                    }
                    guard !user.contains(":") else { throw fail("basic_auth_users: a user name cannot contain \":\"") }
                    configuration.basicAuthUsers[user] = hash
                }
            default:
                break
            }
        }
        return configuration
    }
}

/// RFC 9110 token characters, for header names.
enum HTTPToken {
    static func isToken(_ text: String) -> Bool {
        !text.isEmpty && text.utf8.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                true
            default:
                "!#$%&'*+-.^_`|~".utf8.contains(byte)
            }
        }
    }
}
