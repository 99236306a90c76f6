import AsyncHTTPClient
import Foundation
import NIOCore
import NIOSSL
import Testing

@testable import PaygoExporter

@Suite struct WebConfigurationTests {
    /// Written by `htpasswd -nbBC 10 alice 's3cret pass'`.
    static let alicePassword = "s3cret pass"
    static let aliceHash = "$2y$10$qENDlc5pVEVYXN4wBiHfturB/S3q8OxeyC3FTl/8n7j7Fl.K3NWLa"

    private func writeConfig(_ yaml: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("web-\(UInt64.random(in: 0...UInt64.max)).yml").path
        try yaml.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// A web config serving `certificates` over TLS, with `settings` (indented YAML lines) added
    /// to `tls_server_config` and `rest` after it.
    private func writeTLSConfig(
        _ certificates: TestCertificates, key: String? = nil, _ settings: String = "", rest: String = ""
    ) throws -> String {
        try writeConfig(
            """
            tls_server_config:
              cert_file: \(certificates.serverCert)
              key_file: \(key ?? certificates.serverKey)
            \(settings)
            \(rest)
            """)
    }

    private func basic(_ user: String, _ password: String) -> String {
        "Basic " + Data("\(user):\(password)".utf8).base64EncodedString()
    }

    @Test func basicAuthWithHtpasswdHashAndExtraHeaders() async throws {
        let path = try writeConfig(
            """
            basic_auth_users:
              alice: \(Self.aliceHash)
            http_server_config:
              headers:
                Strict-Transport-Security: max-age=31536000
                X-Frame-Options: deny
            """)
        defer { try? FileManager.default.removeItem(atPath: path) }
        var configuration = DemoExporterConfiguration.make()
        configuration.web = try WebServerSettings(maxRequests: 40, webConfigFile: path)
        try await RunningExporter.with(configuration) { exporter in
            let anonymous = try await exporter.get("/metrics")
            #expect(anonymous.status == 401)
            #expect(anonymous.headers["www-authenticate"]?.hasPrefix("Basic realm=") == true)
            #expect(anonymous.headers["strict-transport-security"] == "max-age=31536000")
            #expect(try await exporter.get("/metrics", headers: ["Authorization": basic("alice", "wrong")]).status == 401)
            #expect(try await exporter.get("/metrics", headers: ["Authorization": basic("mallory", Self.alicePassword)]).status == 401)
            #expect(try await exporter.get("/", headers: ["Authorization": "Basic !!!notbase64"]).status == 401)
            let good = try await exporter.get("/metrics", headers: ["Authorization": basic("alice", Self.alicePassword)])
            #expect(good.status == 200)
            #expect(good.headers["x-frame-options"] == "deny")
            #expect(String(buffer: good.body).contains("cloudflare_paygo_exporter_build_info"))
            // A scrape storm with the right password costs one bcrypt, not one each
            // (BasicAuthenticatorTests count the verifications themselves).
            for _ in 0..<20 {
                #expect(try await exporter.get("/-/healthy", headers: ["Authorization": basic("alice", Self.alicePassword)]).status == 200)
            }
            let metrics = try ParsedExposition(
                String(
                    buffer: try await exporter.get(
                        "/metrics", headers: ["Authorization": basic("alice", Self.alicePassword)]
                    ).body))
            #expect(metrics.value("cloudflare_paygo_web_auth_checks_total", ["result": "ok"]) == 1)
            #expect(metrics.value("cloudflare_paygo_web_auth_checks_total", ["result": "wrong"]) == 2, "alice:wrong and mallory")
            #expect(metrics.value("cloudflare_paygo_web_auth_cached_credentials", ["result": "ok"]) == 1)
        }
    }

    @Test func bcryptVariantsAndCache() async {
        let authenticator = BasicAuthenticator(users: ["alice": Self.aliceHash])
        #expect(await authenticator.authorize(basic("alice", Self.alicePassword)) == .authorized)
        #expect(await authenticator.authorize(basic("alice", "s3cret pas")) == .denied)
        #expect(await authenticator.authorize(basic("", "")) == .denied)
        #expect(await authenticator.authorize(nil) == .denied)
        #expect(await authenticator.authorize("Bearer abc") == .denied)
        #expect(BasicAuthenticator.isBcryptHash(Self.aliceHash))
        #expect(BasicAuthenticator.isBcryptHash(Self.aliceHash.replacingOccurrences(of: "$2y$", with: "$2b$")))
        #expect(!BasicAuthenticator.isBcryptHash("plaintext"))
        #expect(!BasicAuthenticator.isBcryptHash("$1$abc"))
    }

    @Test(arguments: [
        ("basic_auth_users:\n  alice: plaintext\n", "not a bcrypt hash"),
        ("tls_server_config:\n  cert_file: /nonexistent.crt\n  key_file: /nonexistent.key\n", "not a readable file"),
        ("unknown_section: 1\n", "unknown key unknown_section"),
        ("tls_server_config:\n  certfile: x\n", "unknown key tls_server_config.certfile"),
        ("http_server_config:\n  headers:\n    Content-Type: text/html\n", "cannot be set"),
        ("- a\n- b\n", "must be a mapping"),
        ("basic_auth_users: [\n", "not valid YAML"),
    ])
    func invalidFilesAreClearErrors(yaml: String, mentions: String) throws {
        let path = try writeConfig(yaml)
        defer { try? FileManager.default.removeItem(atPath: path) }
        do {
            _ = try WebServerSettings(maxRequests: 40, webConfigFile: path)
            Issue.record("accepted \(yaml)")
        } catch {
            #expect(error.description.contains(mentions), "\(error)")
            #expect(error.description.contains(path))
        }
    }

    @Test func emptyFileMeansDefaults() throws {
        let path = try writeConfig("")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let settings = try WebServerSettings(maxRequests: 40, webConfigFile: path)
        #expect(settings.tls == nil)
        #expect(settings.basicAuthUsers.isEmpty)
    }

    /// Runs the binary to its exit on a thread of its own, not on the concurrency pool that
    /// the other tests' in-process exporters answer from.
    static func runExporter(_ arguments: [String]) async throws -> ProcessRunner.Result {
        try await withCheckedThrowingContinuation { continuation in
            Thread.detachNewThread {
                continuation.resume(
                    with: Result { try ProcessRunner.run(CommandLineTests.binary, arguments, environment: CommandLineTests.environment) })
            }
        }
    }

    /// alice's hash with another cost: the same salt and digest, so only the cost differs.
    static func aliceHash(cost: Int) -> String {
        "$2y$" + (cost < 10 ? "0\(cost)" : "\(cost)") + String(aliceHash.dropFirst(6))
    }

    @Test(arguments: [31, 15, 3])
    func bcryptCostOutsideTheAllowedRangeIsRefusedNamingTheUser(cost: Int) throws {
        let hash = Self.aliceHash(cost: cost)
        let path = try writeConfig("basic_auth_users:\n  alice: \(hash)\n")
        defer { try? FileManager.default.removeItem(atPath: path) }
        do {
            _ = try WebServerSettings(maxRequests: 40, webConfigFile: path)
            Issue.record("accepted cost \(cost)")
        } catch {
            #expect(error.description.contains("basic_auth_users.alice has bcrypt cost \(cost), outside the allowed 4 to 14"), "\(error)")
            #expect(!error.description.contains(String(hash.suffix(53))), "never the hash")
        }
    }

    @Test(arguments: [4, 14])
    func bcryptCostsAtTheEndsOfTheRangeAreAccepted(cost: Int) throws {
        let path = try writeConfig("basic_auth_users:\n  alice: \(Self.aliceHash(cost: cost))\n")
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(try WebServerSettings(maxRequests: 40, webConfigFile: path).basicAuthUsers["alice"] == Self.aliceHash(cost: cost))
    }

    /// Before the range, start-up hashed a dummy password at cost 31: hours of CPU, not exit 2.
    @Test func bcryptCostOf31ExitsTwoAtOnceWithOneLine() async throws {
        let path = try writeConfig("basic_auth_users:\n  alice: \(Self.aliceHash(cost: 31))\n")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let result = try await Self.runExporter(["--demo", "--web.config.file", path])
        #expect(result.status == 2, "\(result.stderr)")
        #expect(result.stderr.split(separator: "\n").count == 1, "\(result.stderr)")
        #expect(result.stderr.contains("basic_auth_users.alice has bcrypt cost 31, outside the allowed 4 to 14"))
        #expect(!result.stderr.contains(String(Self.aliceHash.suffix(53))))
    }

    @Test(
        .enabled(if: TestCertificates.openssl != nil),
        arguments: [
            ("cipher_suites: [TLS_RSA_WITH_RC4_128_SHA]", "\"TLS_RSA_WITH_RC4_128_SHA\" is one of Go's insecure suites"),
            (
                "cipher_suites: [ECDHE-RSA-AES128-GCM-SHA256]",
                "cipher_suites \"ECDHE-RSA-AES128-GCM-SHA256\" is unknown; use Go crypto/tls names"
            ),
            ("cipher_suites: TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", "cipher_suites must be a list"),
            ("cipher_suites: [TLS_AES_128_GCM_SHA256]", "names only TLS 1.3 suites"),
            ("curve_preferences: [P256]", "curve_preferences \"P256\" is unknown; use CurveP256, CurveP384, CurveP521, X25519"),
            ("prefer_server_cipher_suites: maybe", "prefer_server_cipher_suites must be true or false"),
        ])
    func tlsSettingsThatCannotBeHonouredAreClearErrors(setting: String, mentions: String) throws {
        let certificates = try TestCertificates.make()
        defer { certificates.remove() }
        let path = try writeTLSConfig(certificates, "  \(setting)")
        defer { try? FileManager.default.removeItem(atPath: path) }
        do {
            _ = try WebServerSettings(maxRequests: 40, webConfigFile: path)
            Issue.record("accepted \(setting)")
        } catch {
            #expect(error.description.contains(mentions), "\(error)")
            #expect(error.description.contains(path))
        }
    }

    @Test(.enabled(if: TestCertificates.openssl != nil))
    func clientCAWithoutClientAuthIsRefused() throws {
        let certificates = try TestCertificates.make()
        defer { certificates.remove() }
        let path = try writeTLSConfig(certificates, "  client_ca_file: \(certificates.caCert)")
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect {
            _ = try WebServerSettings(maxRequests: 40, webConfigFile: path)
        } throws: { error in
            "\(error)".contains("client_ca_file is set but client_auth_type is NoClientCert")
        }
    }

    /// Yams quotes the offending line after its message: a hash must not reach a log or stderr.
    @Test func invalidYAMLIsOneLineThatQuotesNothingOfTheFile() throws {
        let path = try writeConfig("basic_auth_users:\n  alice: \(Self.aliceHash)\n  bob: [\(Self.aliceHash)\n")
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect {
            _ = try WebServerSettings(maxRequests: 40, webConfigFile: path)
        } throws: { error in
            let text = "\(error)"
            return text.contains("is not valid YAML") && text.contains("did not find expected") && !text.contains("\n")
                && !text.contains(String(Self.aliceHash.suffix(53)))
        }
    }

    /// What BoringSSL will offer, read back from a context built from the settings.
    @Test(.enabled(if: TestCertificates.openssl != nil))
    func cipherSuitesAndCurvesAreWhatTheContextOffers() throws {
        let certificates = try TestCertificates.make()
        defer { certificates.remove() }
        func settings(_ extra: String) throws -> TLSConfiguration {
            let path = try writeTLSConfig(certificates, extra)
            defer { try? FileManager.default.removeItem(atPath: path) }
            return try #require(try WebServerSettings(maxRequests: 40, webConfigFile: path).tls)
        }
        let defaults = try settings("")
        #expect(
            defaults.cipherSuiteValues == [
                .TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, .TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
                .TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384, .TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
                .TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256, .TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
            ], "forward-secret AEAD only")
        #expect(defaults.curves == nil, "BoringSSL's own list")
        let configured = try settings(
            """
              cipher_suites: [TLS_AES_128_GCM_SHA256, TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384, TLS_RSA_WITH_AES_128_CBC_SHA]
              curve_preferences: [CurveP384, X25519]
            """)
        #expect(configured.cipherSuiteValues == [.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384, .TLS_RSA_WITH_AES_128_CBC_SHA])
        #expect(configured.curves == [.secp384r1, .x25519])
        let tls13Only = try settings(
            """
              min_version: TLS13
              cipher_suites: [TLS_AES_256_GCM_SHA384]
            """)
        #expect(tls13Only.minimumTLSVersion == .tlsv13)
    }

    @Test(.enabled(if: TestCertificates.openssl != nil))
    func settingsWithNoEffectHereAreAcceptedWithANote() throws {
        let certificates = try TestCertificates.make()
        defer { certificates.remove() }
        let path = try writeTLSConfig(
            certificates, "  prefer_server_cipher_suites: true\n  min_version: TLS10", rest: "http_server_config:\n  http2: true")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let notes = try #require(try WebServerSettings(maxRequests: 40, webConfigFile: path).webConfiguration).notes
        #expect(notes.count == 3, "\(notes)")
        #expect(notes.contains { $0.hasPrefix("tls_server_config.prefer_server_cipher_suites: true has no effect") })
        #expect(notes.contains { $0.hasPrefix("tls_server_config.min_version TLS10 lets no TLS 1.0 or 1.1 client in") })
        #expect(notes.contains { $0.hasPrefix("http_server_config.http2: true has no effect") })
        let quiet = try writeTLSConfig(certificates, "  prefer_server_cipher_suites: false", rest: "http_server_config:\n  http2: false")
        defer { try? FileManager.default.removeItem(atPath: quiet) }
        #expect(try #require(try WebServerSettings(maxRequests: 40, webConfigFile: quiet).webConfiguration).notes.isEmpty)
    }

    /// Before, the mismatch surfaced when the server started: a library error and exit code 1.
    @Test(.enabled(if: TestCertificates.openssl != nil))
    func keyThatIsNotTheCertificatesIsAConfigurationErrorNamingBothFiles() async throws {
        let certificates = try TestCertificates.make()
        let others = try TestCertificates.make()
        defer {
            certificates.remove()
            others.remove()
        }
        let path = try writeTLSConfig(certificates, key: others.serverKey)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let expected =
            "tls_server_config.key_file \(others.serverKey) is not the private key of the certificate in cert_file \(certificates.serverCert)"
        #expect(throws: ConfigurationError.self) { _ = try WebServerSettings(maxRequests: 40, webConfigFile: path) }
        do {
            _ = try WebServerSettings(maxRequests: 40, webConfigFile: path)
        } catch {
            #expect(error.description.contains(expected), "\(error)")
        }
        let result = try await Self.runExporter(["--demo", "--web.config.file", path])
        #expect(result.status == 2, "\(result.stderr)")
        #expect(result.stderr.split(separator: "\n").count == 1, "\(result.stderr)")
        #expect(result.stderr.contains(expected), "\(result.stderr)")
    }

    @Test(.enabled(if: TestCertificates.openssl != nil))
    func tlsAndMutualTLS() async throws {
        let certificates = try TestCertificates.make()
        defer { certificates.remove() }
        let path = try writeConfig(
            """
            tls_server_config:
              cert_file: \(certificates.serverCert)
              key_file: \(certificates.serverKey)
              client_auth_type: RequireAndVerifyClientCert
              client_ca_file: \(certificates.caCert)
              min_version: TLS12
            """)
        defer { try? FileManager.default.removeItem(atPath: path) }
        var configuration = DemoExporterConfiguration.make()
        configuration.web = try WebServerSettings(maxRequests: 40, webConfigFile: path)
        try await RunningExporter.with(configuration) { exporter in
            let url = exporter.baseURL.replacingOccurrences(of: "http://", with: "https://") + "/metrics"
            let ca = try NIOSSLCertificate.fromPEMFile(certificates.caCert)

            var withClientCert = TLSConfiguration.makeClientConfiguration()
            withClientCert.trustRoots = .certificates(ca)
            withClientCert.certificateChain = try NIOSSLCertificate.fromPEMFile(certificates.clientCert).map { .certificate($0) }
            withClientCert.privateKey = .privateKey(try NIOSSLPrivateKey(file: certificates.clientKey, format: .pem))
            let good = HTTPClient(eventLoopGroupProvider: .singleton, configuration: .init(tlsConfiguration: withClientCert))
            let response = try await good.execute(HTTPClientRequest(url: url), timeout: .seconds(10))
            #expect(response.status == .ok)
            let body = try await response.body.collect(upTo: 1 << 24)
            #expect(String(buffer: body).contains("cloudflare_paygo_contracted_cost"))
            try await good.shutdown()

            var noClientCert = TLSConfiguration.makeClientConfiguration()
            noClientCert.trustRoots = .certificates(ca)
            let refused = HTTPClient(eventLoopGroupProvider: .singleton, configuration: .init(tlsConfiguration: noClientCert))
            await #expect(throws: (any Error).self, "a client without a certificate is refused") {
                _ = try await refused.execute(HTTPClientRequest(url: url), timeout: .seconds(10))
            }
            try await refused.shutdown()

            // Plain HTTP to the TLS port is not served.
            await #expect(throws: (any Error).self) { _ = try await exporter.get("/metrics") }
        }
    }
}
