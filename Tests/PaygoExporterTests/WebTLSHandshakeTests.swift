import Foundation
import Testing

@testable import PaygoExporter

/// What a real TLS client (the openssl command line) can and cannot negotiate with the
/// exporter, by default and with `cipher_suites` and `curve_preferences` set.
@Suite(.enabled(if: TestCertificates.openssl != nil))
struct WebTLSHandshakeTests {
    /// An exporter with an RSA certificate (so that RSA key exchange could be chosen at all)
    /// and `extra` under `tls_server_config`.
    private func withTLSExporter(
        _ extra: String, _ body: @Sendable (_ port: Int, _ certificates: TestCertificates) async throws -> Void
    ) async throws {
        let certificates = try TestCertificates.make(serverKey: .rsa)
        defer { certificates.remove() }
        let path = certificates.directory.appendingPathComponent("web.yml").path
        try """
        tls_server_config:
          cert_file: \(certificates.serverCert)
          key_file: \(certificates.serverKey)
        \(extra)
        """.write(toFile: path, atomically: true, encoding: .utf8)
        var configuration = DemoExporterConfiguration.make()
        configuration.web = try WebServerSettings(maxRequests: 40, webConfigFile: path)
        try await RunningExporter.with(configuration) { exporter in
            let port = try #require(Int(exporter.baseURL.split(separator: ":").last ?? ""))
            try await body(port, certificates)
        }
    }

    /// The cipher openssl s_client negotiated with these options, or nil when the handshake failed.
    static func negotiatedCipher(port: Int, certificates: TestCertificates, _ options: [String]) async throws -> String? {
        let openssl = try #require(TestCertificates.openssl)
        let arguments = ["s_client", "-connect", "127.0.0.1:\(port)", "-CAfile", certificates.caCert, "-verify_return_error"] + options
        // Blocking: on its own thread, never on the concurrency pool the exporter answers from.
        let result = try await withCheckedThrowingContinuation { continuation in
            Thread.detachNewThread {
                continuation.resume(with: Result { try ProcessRunner.run(openssl, arguments, stdin: "") })
            }
        }
        guard result.status == 0 else { return nil }
        // "New, TLSv1.2, Cipher is ECDHE-RSA-AES128-GCM-SHA256"
        let line = result.stdout.split(separator: "\n").first { $0.contains(", Cipher is ") }
        return line.flatMap { $0.components(separatedBy: "Cipher is ").last }
    }

    @Test func byDefaultTLS12OffersOnlyForwardSecretAEADSuites() async throws {
        try await withTLSExporter("") { (port: Int, certificates: TestCertificates) async throws in
            func cipher(_ suite: String) async throws -> String? {
                try await Self.negotiatedCipher(port: port, certificates: certificates, ["-tls1_2", "-cipher", suite])
            }
            #expect(try await cipher("ECDHE-RSA-AES128-GCM-SHA256") == "ECDHE-RSA-AES128-GCM-SHA256")
            #expect(try await cipher("ECDHE-RSA-AES256-GCM-SHA384") == "ECDHE-RSA-AES256-GCM-SHA384")
            #expect(try await cipher("ECDHE-RSA-CHACHA20-POLY1305") == "ECDHE-RSA-CHACHA20-POLY1305")
            #expect(try await cipher("AES128-SHA") == nil, "RSA key exchange, CBC")
            #expect(try await cipher("AES128-GCM-SHA256") == nil, "RSA key exchange")
            #expect(try await cipher("AES256-GCM-SHA384") == nil, "RSA key exchange")
            #expect(try await cipher("ECDHE-RSA-AES128-SHA") == nil, "CBC")
            #expect(try await cipher("ECDHE-RSA-AES256-SHA") == nil, "CBC")
            // TLS 1.3 is on, with its own (always strong) suites.
            #expect(try await Self.negotiatedCipher(port: port, certificates: certificates, ["-tls1_3"]) != nil)
        }
    }

    @Test func configuredCipherSuitesAreExactlyWhatIsOffered() async throws {
        try await withTLSExporter(
            """
              cipher_suites: [TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384, TLS_RSA_WITH_AES_128_CBC_SHA]
            """
        ) { (port: Int, certificates: TestCertificates) async throws in
            func cipher(_ suite: String) async throws -> String? {
                try await Self.negotiatedCipher(port: port, certificates: certificates, ["-tls1_2", "-cipher", suite])
            }
            #expect(try await cipher("ECDHE-RSA-AES256-GCM-SHA384") == "ECDHE-RSA-AES256-GCM-SHA384")
            // Asked for, so offered: the same client is refused by default (test above) only by the server.
            #expect(try await cipher("AES128-SHA") == "AES128-SHA")
            #expect(try await cipher("ECDHE-RSA-AES128-GCM-SHA256") == nil, "a default suite, not in the list")
            #expect(try await cipher("ECDHE-RSA-CHACHA20-POLY1305") == nil)
            #expect(try await cipher("AES128-GCM-SHA256") == nil)
            // Everything the client offers, the server picks from its list only.
            #expect(try await cipher("ALL") != nil)
        }
    }

    @Test func configuredCurvesAreTheOnlyKeyExchangeGroups() async throws {
        try await withTLSExporter(
            """
              curve_preferences: [CurveP384]
            """
        ) { (port: Int, certificates: TestCertificates) async throws in
            for version in ["-tls1_2", "-tls1_3"] {
                #expect(
                    try await Self.negotiatedCipher(port: port, certificates: certificates, [version, "-groups", "P-384"]) != nil,
                    "\(version)")
                #expect(
                    try await Self.negotiatedCipher(port: port, certificates: certificates, [version, "-groups", "X25519:P-256"]) == nil,
                    "\(version)")
            }
        }
    }
}
