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
        /// `cipher_suites`: nil offers `TLSCipherSuite.defaults`. Order is not significant, as in
        /// Go: the client's order among the allowed suites decides.
        public var cipherSuites: [TLSCipherSuite]?
        /// `curve_preferences`: nil leaves BoringSSL's list (X25519MLKEM768, X25519, P-256, P-384).
        public var curves: [TLSCurve]?
    }

    public var tls: TLS?
    /// User name to bcrypt hash.
    public var basicAuthUsers: [String: String] = [:]
    /// Added to every response.
    public var headers: [(name: String, value: String)] = []
    /// Settings that are accepted for compatibility with exporter-toolkit but change nothing
    /// here, one sentence each; logged at every load so none goes unnoticed.
    public var notes: [String] = []

    public init() {}

    /// Headers a config may not set: the exporter owns them.
    private static let reservedHeaders: Set<String> = [
        "content-type", "content-length", "content-encoding", "transfer-encoding", "connection", "vary", "www-authenticate", "date",
        "server",
    ]

    /// Reads and checks the file; relative paths inside it are taken from the file's folder.
    public static func load(path: String) throws(ConfigurationError) -> WebConfiguration {
        let text = try YAMLConfigFile.read(path: path, flag: "--web.config.file")
        let base = URL(fileURLWithPath: path).deletingLastPathComponent()
        return try parse(text, relativeTo: base, source: path)
    }

    static func parse(_ text: String, relativeTo base: URL, source: String) throws(ConfigurationError) -> WebConfiguration {
        func fail(_ problem: String, _ fix: String = "see the exporter-toolkit web configuration format in README.md") -> ConfigurationError
        {
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
        func strings(_ node: Node, _ name: String) throws(ConfigurationError) -> [String] {
            guard let sequence = node.sequence else { throw fail("\(name) must be a list") }
            var values: [String] = []
            for item in sequence { values.append(try string(item, name)) }
            return values
        }
        func bool(_ node: Node, _ name: String) throws(ConfigurationError) -> Bool {
            guard let value = node.bool else { throw fail("\(name) must be true or false") }
            return value
        }

        guard root.mapping != nil else { throw fail("the top level must be a mapping") }
        for (key, value) in try mapping(root, "", allowed: ["tls_server_config", "http_server_config", "basic_auth_users"]) {
            switch key {
            case "tls_server_config":
                var certFile: String?, keyFile: String?
                var tls = TLS(certFile: "", keyFile: "")
                let allowed: Set<String> = [
                    "cert_file", "key_file", "client_auth_type", "client_ca_file", "min_version", "max_version",
                    "cipher_suites", "curve_preferences", "prefer_server_cipher_suites",
                ]
                for (tlsKey, tlsValue) in try mapping(value, "tls_server_config", allowed: allowed) {
                    let name = "tls_server_config.\(tlsKey)"
                    switch tlsKey {
                    case "cert_file": certFile = try file(tlsValue, name)
                    case "key_file": keyFile = try file(tlsValue, name)
                    case "client_ca_file": tls.clientCAFile = try file(tlsValue, name)
                    case "client_auth_type":
                        let text = try string(tlsValue, name)
                        guard let auth = TLS.ClientAuth(rawValue: text) else {
                            throw fail(
                                "\(name) \"\(text)\" is not supported",
                                "use one of \(TLS.ClientAuth.allCases.map(\.rawValue).joined(separator: ", "))")
                        }
                        tls.clientAuth = auth
                    case "min_version", "max_version":
                        let text = try string(tlsValue, name)
                        guard let version = TLS.Version(rawValue: text) else {
                            throw fail("\(name) \"\(text)\" is unknown", "use TLS10, TLS11, TLS12 or TLS13")
                        }
                        if tlsKey == "min_version" { tls.minVersion = version } else { tls.maxVersion = version }
                    case "cipher_suites":
                        var suites: [TLSCipherSuite] = []
                        for text in try strings(tlsValue, name) {
                            guard let suite = TLSCipherSuite.named(text) else {
                                let why =
                                    TLSCipherSuite.insecureNames.contains(text)
                                    ? "is one of Go's insecure suites, which exporter-toolkit refuses too" : "is unknown"
                                throw fail(
                                    "\(name) \"\(text)\" \(why)",
                                    "use Go crypto/tls names: \(TLSCipherSuite.all.map(\.name).joined(separator: ", "))")
                            }
                            suites.append(suite)
                        }
                        tls.cipherSuites = suites.isEmpty ? nil : suites
                    case "curve_preferences":
                        var curves: [TLSCurve] = []
                        for text in try strings(tlsValue, name) {
                            guard let curve = TLSCurve.named(text) else {
                                throw fail("\(name) \"\(text)\" is unknown", "use \(TLSCurve.all.map(\.name).joined(separator: ", "))")
                            }
                            curves.append(curve)
                        }
                        tls.curves = curves.isEmpty ? nil : curves
                    case "prefer_server_cipher_suites":
                        // Go has ignored it since 1.18, so exporter-toolkit does too; BoringSSL
                        // follows the client's order among the allowed suites, which are all
                        // strong by default. Accepted so that exporter-toolkit files load.
                        if try bool(tlsValue, name) {
                            configuration.notes.append(
                                "\(name): true has no effect (as in exporter-toolkit since Go 1.18): the client's order among the allowed cipher_suites decides"
                            )
                        }
                    default:
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
                // As in exporter-toolkit: a CA that nothing is checked against is a slip, not a setting.
                if tls.clientAuth == .noClientCert, tls.clientCAFile != nil {
                    throw fail(
                        "tls_server_config.client_ca_file is set but client_auth_type is NoClientCert, so no client certificate is checked",
                        "set client_auth_type: RequireAndVerifyClientCert (or VerifyClientCertIfGiven), or remove client_ca_file")
                }
                if let max = tls.maxVersion, max < tls.minVersion {
                    throw fail("tls_server_config.max_version is below min_version")
                }
                // BoringSSL, like Go, cannot leave TLS 1.3 suites out; a list of only those
                // would leave TLS 1.2 with nothing to offer.
                if let suites = tls.cipherSuites, tls.minVersion < .tls13, !suites.contains(where: { !$0.isTLS13 }) {
                    throw fail(
                        "tls_server_config.cipher_suites names only TLS 1.3 suites, which are always enabled, so TLS 1.2 clients could not connect",
                        "add TLS 1.2 suites such as TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, or set min_version: TLS13")
                }
                if tls.minVersion < .tls12,
                    !(tls.cipherSuites ?? TLSCipherSuite.defaults).contains(where: { !$0.isTLS13 && !$0.isForwardSecretAEAD })
                {
                    configuration.notes.append(
                        "tls_server_config.min_version \(tls.minVersion.rawValue) lets no TLS 1.0 or 1.1 client in: those versions have no AEAD suite, and cipher_suites offers no CBC suite"
                    )
                }
                configuration.tls = tls
            case "http_server_config":
                for (httpKey, httpValue) in try mapping(value, "http_server_config", allowed: ["headers", "http2"]) {
                    guard httpKey == "headers" else {
                        if try bool(httpValue, "http_server_config.http2") {
                            configuration.notes.append("http_server_config.http2: true has no effect: the exporter serves HTTP/1.1 only")
                        }
                        continue
                    }
                    for (name, headerValue) in try mapping(httpValue, "http_server_config.headers", allowed: nil) {
                        guard HTTPToken.isToken(name), !reservedHeaders.contains(name.lowercased()) else {
                            throw fail(
                                "http_server_config.headers.\(name) cannot be set",
                                "set only extra headers such as Strict-Transport-Security or Content-Security-Policy")
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
                    guard let cost = BasicAuthenticator.bcryptCost(of: hash) else {
                        throw fail("basic_auth_users.\(user) is not a bcrypt hash", "create one with: htpasswd -nBC 10 \"\" | tr -d ':\\n'")
                    }
                    // A cost of 31 takes days per check; the user is named, never the hash.
                    guard BasicAuthenticator.allowedCosts.contains(cost) else {
                        let range = BasicAuthenticator.allowedCosts
                        throw fail(
                            "basic_auth_users.\(user) has bcrypt cost \(cost), outside the allowed \(range.lowerBound) to \(range.upperBound)",
                            "hash the password again with a cost in that range, e.g.: htpasswd -nBC 10 \"\" | tr -d ':\\n'")
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
        !text.isEmpty
            && text.utf8.allSatisfy { byte in
                switch byte {
                case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                    true
                default:
                    "!#$%&'*+-.^_`|~".utf8.contains(byte)
                }
            }
    }
}
