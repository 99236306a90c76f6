import NIOSSL

/// A cipher suite under its Go crypto/tls name, the names exporter-toolkit's `cipher_suites`
/// takes (Go's `tls.CipherSuites()`).
public struct TLSCipherSuite: Sendable, Hashable {
    /// The Go name, e.g. `TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256`.
    public let name: String
    /// The suite for TLS 1.2 and below; nil for the three TLS 1.3 suites, which BoringSSL (like
    /// Go) always enables under TLS 1.3 and cannot leave out.
    let cipher: NIOTLSCipher?
    /// ECDHE key exchange with AES-GCM or ChaCha20-Poly1305: what is offered when
    /// `cipher_suites` is not set.
    let isForwardSecretAEAD: Bool

    var isTLS13: Bool { cipher == nil }

    /// Every name Go's `tls.CipherSuites()` lists; all of them exist in BoringSSL.
    static let all: [TLSCipherSuite] = [
        .init(name: "TLS_AES_128_GCM_SHA256", cipher: nil, isForwardSecretAEAD: true),
        .init(name: "TLS_AES_256_GCM_SHA384", cipher: nil, isForwardSecretAEAD: true),
        .init(name: "TLS_CHACHA20_POLY1305_SHA256", cipher: nil, isForwardSecretAEAD: true),
        .init(name: "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", cipher: .TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, isForwardSecretAEAD: true),
        .init(name: "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", cipher: .TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, isForwardSecretAEAD: true),
        .init(name: "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", cipher: .TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384, isForwardSecretAEAD: true),
        .init(name: "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", cipher: .TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384, isForwardSecretAEAD: true),
        .init(
            name: "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256", cipher: .TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
            isForwardSecretAEAD: true),
        .init(
            name: "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256", cipher: .TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
            isForwardSecretAEAD: true),
        .init(name: "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA", cipher: .TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA, isForwardSecretAEAD: false),
        .init(name: "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA", cipher: .TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA, isForwardSecretAEAD: false),
        .init(name: "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA", cipher: .TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA, isForwardSecretAEAD: false),
        .init(name: "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA", cipher: .TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA, isForwardSecretAEAD: false),
        .init(name: "TLS_RSA_WITH_AES_128_GCM_SHA256", cipher: .TLS_RSA_WITH_AES_128_GCM_SHA256, isForwardSecretAEAD: false),
        .init(name: "TLS_RSA_WITH_AES_256_GCM_SHA384", cipher: .TLS_RSA_WITH_AES_256_GCM_SHA384, isForwardSecretAEAD: false),
        .init(name: "TLS_RSA_WITH_AES_128_CBC_SHA", cipher: .TLS_RSA_WITH_AES_128_CBC_SHA, isForwardSecretAEAD: false),
        .init(name: "TLS_RSA_WITH_AES_256_CBC_SHA", cipher: .TLS_RSA_WITH_AES_256_CBC_SHA, isForwardSecretAEAD: false),
    ]

    /// Go's `tls.InsecureCipherSuites()`: exporter-toolkit refuses them as unknown; named here
    /// so the error can say why.
    static let insecureNames: Set<String> = [
        "TLS_RSA_WITH_RC4_128_SHA", "TLS_RSA_WITH_3DES_EDE_CBC_SHA", "TLS_RSA_WITH_AES_128_CBC_SHA256",
        "TLS_ECDHE_ECDSA_WITH_RC4_128_SHA", "TLS_ECDHE_RSA_WITH_RC4_128_SHA", "TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA",
        "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256", "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256",
    ]

    /// The TLS 1.2 suites offered when `cipher_suites` is not set: forward-secret AEAD only, as
    /// exporter-toolkit builds with a current Go offer (no RSA key exchange, no CBC).
    static let defaults: [TLSCipherSuite] = all.filter { $0.isForwardSecretAEAD && !$0.isTLS13 }

    static func named(_ name: String) -> TLSCipherSuite? {
        all.first { $0.name == name }
    }
}
