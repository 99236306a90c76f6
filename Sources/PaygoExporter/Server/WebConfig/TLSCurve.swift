import NIOSSL

/// A key exchange group under the name exporter-toolkit's `curve_preferences` takes.
public struct TLSCurve: Sendable, Hashable {
    /// `CurveP256`, `CurveP384`, `CurveP521`, `X25519` (exporter-toolkit's names) or
    /// `X25519MLKEM768` (Go 1.24's name for the post-quantum hybrid, which BoringSSL offers first
    /// by default).
    public let name: String
    let curve: NIOTLSCurve

    static let all: [TLSCurve] = [
        .init(name: "CurveP256", curve: .secp256r1),
        .init(name: "CurveP384", curve: .secp384r1),
        .init(name: "CurveP521", curve: .secp521r1),
        .init(name: "X25519", curve: .x25519),
        .init(name: "X25519MLKEM768", curve: .x25519_MLKEM768),
    ]

    static func named(_ name: String) -> TLSCurve? {
        all.first { $0.name == name }
    }
}
