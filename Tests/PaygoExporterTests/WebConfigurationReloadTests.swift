import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOSSL
import Testing

@testable import PaygoExporter

/// Reloading `--web.config.file` and the certificate files it names: what changes, what is kept
/// when a file is broken, what needs a restart, and when the watcher looks.
@Suite(.enabled(if: TestCertificates.openssl != nil))
struct WebConfigurationReloadTests {
    /// Two unrelated CAs with their server certificates, and a web config naming the first
    /// pair's files under fixed paths that the tests overwrite.
    final class Files: Sendable {
        let first: TestCertificates
        let second: TestCertificates
        let config: String
        let cert: String
        let key: String

        init() throws {
            first = try TestCertificates.make()
            second = try TestCertificates.make()
            let directory = first.directory
            config = directory.appendingPathComponent("web.yml").path
            cert = directory.appendingPathComponent("live.crt").path
            key = directory.appendingPathComponent("live.key").path
            try copy(first.serverCert, to: cert)
            try copy(first.serverKey, to: key)
        }

        /// Replaces `destination` the way cert-manager and editors do: a new file renamed over it.
        func copy(_ source: String, to destination: String) throws {
            try Data(contentsOf: URL(fileURLWithPath: source)).write(to: URL(fileURLWithPath: destination), options: .atomic)
        }

        func writeConfig(users: String = "alice: \(WebConfigurationTests.aliceHash)", header: String = "1", tls: Bool = true) throws {
            let tlsSection = tls ? "tls_server_config:\n  cert_file: live.crt\n  key_file: live.key\n" : ""
            try "\(tlsSection)basic_auth_users:\n  \(users)\nhttp_server_config:\n  headers:\n    X-Test: \"\(header)\"\n"
                .write(toFile: config, atomically: true, encoding: .utf8)
        }

        func remove() {
            first.remove()
            second.remove()
        }
    }

    private static func basic(_ user: String, _ password: String = WebConfigurationTests.alicePassword) -> String {
        "Basic " + Data("\(user):\(password)".utf8).base64EncodedString()
    }

    private static func logger(_ lines: LogLines) -> Logger {
        let sink = LogSink { line in lines.append(line) }
        return Logger(label: "test") { label in ExporterLogHandler(label: label, level: .debug, format: .logfmt, sink: sink) }
    }

    private static func leafCertificate(of context: NIOSSLContext) -> NIOSSLCertificate? {
        guard case .certificate(let certificate)? = context.configuration.certificateChain.first else { return nil }
        return certificate
    }

    @Test func aChangedFileIsReloadedAndAnUnchangedOneIsNot() async throws {
        let files = try Files()
        defer { files.remove() }
        try files.writeConfig()
        let web = try ReloadableWebConfiguration(
            settings: try WebServerSettings(maxRequests: 40, webConfigFile: files.config), logger: Self.logger(LogLines()))
        let tls = try #require(web.tls)
        let authenticator = try #require(web.authenticator)
        let started = web.reloadState
        #expect(!web.reloadIfChanged(), "nothing changed")
        #expect(web.reloadState.generation == started.generation)

        // The certificate and key rotated in place, as cert-manager does.
        try files.copy(files.second.serverCert, to: files.cert)
        try files.copy(files.second.serverKey, to: files.key)
        #expect(web.reloadIfChanged())
        #expect(Self.leafCertificate(of: tls.current) == (try NIOSSLCertificate.fromPEMFile(files.second.serverCert)).first)
        #expect(web.reloadState.successful)
        #expect(!web.reloadIfChanged(), "looked at again: nothing new")

        #expect(await authenticator.authorize(Self.basic("alice")) == .authorized)
        try files.writeConfig(users: "bob: \(WebConfigurationTests.aliceHash)", header: "2")
        #expect(web.reloadIfChanged())
        #expect(await authenticator.authorize(Self.basic("alice")) == .denied)
        #expect(await authenticator.authorize(Self.basic("bob")) == .authorized)
        #expect(web.extraHeaders.current.map { "\($0.name): \($0.value)" } == ["X-Test: 2"])
        #expect(web.reloadState.generation == started.generation + 2)
    }

    @Test func aBrokenFileKeepsEverythingAsItWasAndShowsInTheGauge() async throws {
        let files = try Files()
        defer { files.remove() }
        try files.writeConfig()
        let lines = LogLines()
        let web = try ReloadableWebConfiguration(
            settings: try WebServerSettings(maxRequests: 40, webConfigFile: files.config), logger: Self.logger(lines))
        let tls = try #require(web.tls)
        let authenticator = try #require(web.authenticator)
        let context = tls.current
        func gauge() -> Double? {
            web.families().first { $0.descriptor == MetricCatalog.webConfigLastReloadSuccessful }?.samples.first?.value
        }
        #expect(gauge() == 1)

        // Half a rotation: a new key that is not the certificate's.
        try files.copy(files.second.serverKey, to: files.key)
        #expect(web.reloadIfChanged())
        #expect(tls.current === context, "the old certificate and key stay in force")
        #expect(gauge() == 0)
        #expect(!web.reloadState.successful)
        #expect(lines.all.contains("kept the previous web configuration"))
        #expect(lines.all.contains("is not the private key of the certificate in cert_file \(files.cert)"))
        #expect(!web.reloadIfChanged(), "a broken file is tried once per change, not at every look")

        // The rotation completes.
        try files.copy(files.second.serverCert, to: files.cert)
        #expect(web.reloadIfChanged())
        #expect(gauge() == 1)
        #expect(tls.current !== context)

        // A broken config file: users and headers stay as they were too.
        let lastSuccess = web.reloadState.lastSuccess
        try "basic_auth_users:\n  alice: \(WebConfigurationTests.aliceHash(cost: 31))\n".write(
            toFile: files.config, atomically: true, encoding: .utf8)
        #expect(web.reloadIfChanged())
        #expect(gauge() == 0)
        #expect(web.reloadState.lastSuccess == lastSuccess)
        #expect(await authenticator.authorize(Self.basic("alice")) == .authorized)
        #expect(web.extraHeaders.current.map(\.value) == ["1"])
        #expect(!lines.all.contains(String(WebConfigurationTests.aliceHash.suffix(53))), "hashes are never logged")
    }

    @Test func turningTLSOnOrOffNeedsARestartAndTheRestStillReloads() async throws {
        let files = try Files()
        defer { files.remove() }
        try files.writeConfig(tls: true)
        let lines = LogLines()
        let web = try ReloadableWebConfiguration(
            settings: try WebServerSettings(maxRequests: 40, webConfigFile: files.config), logger: Self.logger(lines))
        let tls = try #require(web.tls)
        let context = tls.current
        try files.writeConfig(users: "bob: \(WebConfigurationTests.aliceHash)", tls: false)
        web.reload(reason: "SIGHUP")
        #expect(lines.all.contains("web configuration change needs a restart; serving as before"))
        #expect(lines.all.contains("tls_server_config was removed"))
        #expect(tls.current === context)
        #expect(web.reloadState.successful)
        #expect(await web.authenticator?.authorize(Self.basic("bob")) == .authorized)

        let plainLines = LogLines()
        let plain = try ReloadableWebConfiguration(
            settings: try WebServerSettings(maxRequests: 40, webConfigFile: files.config), logger: Self.logger(plainLines))
        #expect(plain.tls == nil)
        try files.writeConfig(tls: true)
        plain.reload(reason: "SIGHUP")
        #expect(plainLines.all.contains("tls_server_config was added"))
        #expect(plain.tls == nil)
    }

    @Test func theWatcherLooksOncePerIntervalAndStopsWhenCancelled() async throws {
        let files = try Files()
        defer { files.remove() }
        try files.writeConfig()
        let web = try ReloadableWebConfiguration(
            settings: try WebServerSettings(maxRequests: 40, webConfigFile: files.config), logger: Self.logger(LogLines()))
        let clock = TestClock()
        let watcher = WebConfigurationWatcher(configuration: web, interval: .seconds(5), clock: clock)
        let task = Task { try await watcher.run() }
        try await Self.waitUntil { clock.sleeperCount == 1 }
        let generation = web.reloadState.generation

        try files.writeConfig(header: "2")
        clock.advance(by: .seconds(4))
        #expect(clock.sleeperCount == 1, "still waiting out its interval")
        #expect(web.reloadState.generation == generation)
        clock.advance(by: .seconds(1))
        try await Self.waitUntil { web.reloadState.generation == generation + 1 }
        #expect(web.extraHeaders.current.map(\.value) == ["2"])
        try await Self.waitUntil { clock.sleeps == 2 && clock.sleeperCount == 1 }

        clock.advance(by: .seconds(5))
        try await Self.waitUntil { clock.sleeps == 3 && clock.sleeperCount == 1 }
        #expect(web.reloadState.generation == generation + 1, "nothing changed: no reload")

        task.cancel()
        try await task.value
        #expect(clock.sleeperCount == 0)
    }

    /// The binary as operators run it: SIGHUP re-reads the web config even when nothing about
    /// the file shows the change (same size, time and inode), so only the signal can have done it.
    @Test func sighupReloadsTheWebConfigFile() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("web-hup-\(UInt64.random(in: 0...UInt64.max))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("web.yml").path
        let fixedTime = Date(timeIntervalSince1970: 1_790_000_000)
        func write(user: String) throws {
            try "basic_auth_users:\n  \(user): \(WebConfigurationTests.aliceHash)\n".write(toFile: path, atomically: false, encoding: .utf8)
            try FileManager.default.setAttributes([.modificationDate: fixedTime], ofItemAtPath: path)
        }
        try write(user: "alice")
        let exporter = try ExporterProcess(arguments: ["--demo", "--web.config.file", path], environment: CommandLineTests.environment)
        let client = exporter.client
        let deadline = ContinuousClock.now + .seconds(30)
        while (try? await client.get("/-/healthy", headers: ["Authorization": Self.basic("alice")]))?.status != 200 {
            guard ContinuousClock.now < deadline else { throw TestFailure("not serving: \(exporter.standardError)") }
            try await Task.sleep(for: .milliseconds(100))
        }
        try write(user: "carol")
        exporter.signal(SIGHUP)
        while try await client.get("/-/healthy", headers: ["Authorization": Self.basic("carol")]).status != 200 {
            guard ContinuousClock.now < deadline else { throw TestFailure("carol never let in: \(exporter.standardError)") }
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(try await client.get("/-/healthy", headers: ["Authorization": Self.basic("alice")]).status == 401)
        #expect(await exporter.stop() == 0)
        #expect(exporter.standardError.contains("reloaded web configuration"))
        #expect(exporter.standardError.contains("trigger=SIGHUP"))
        #expect(!exporter.standardError.contains("trigger=\"file changed\""), "the file looked unchanged")
    }

    /// Polls a condition another task makes true; fails after a minute (only ever reached when
    /// the condition never holds: the whole suite on two cores can stall a task for seconds).
    static func waitUntil(_ condition: () -> Bool) async throws {
        let deadline = ContinuousClock.now + .seconds(60)
        while !condition() {
            guard ContinuousClock.now < deadline else { throw TestFailure("condition not met within 60 s") }
            try await Task.sleep(for: .milliseconds(1))
        }
    }

    /// Over real HTTPS: new connections get the rotated certificate, and users, headers and the
    /// gauges follow the file, all without a restart.
    @Test func aRunningExporterServesTheRotatedCertificateAndNewUsers() async throws {
        let files = try Files()
        defer { files.remove() }
        try files.writeConfig()
        var configuration = DemoExporterConfiguration.make()
        configuration.web = try WebServerSettings(maxRequests: 40, webConfigFile: files.config)
        configuration.web.reloadCheckInterval = .milliseconds(20)
        let started = Date().timeIntervalSince1970.rounded(.down)
        try await RunningExporter.with(configuration) { exporter in
            let url = exporter.baseURL.replacingOccurrences(of: "http://", with: "https://")
            /// A GET on a new connection from a client that trusts only `ca`. The client retries
            /// failed handshakes until `timeout`.
            func get(
                _ path: String, trusting ca: String, as user: String, timeout: TimeAmount = .seconds(10)
            ) async throws -> (status: UInt, header: String?, body: String) {
                var tls = TLSConfiguration.makeClientConfiguration()
                tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(ca))
                let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: .init(tlsConfiguration: tls))
                do {
                    var request = HTTPClientRequest(url: url + path)
                    request.headers.add(name: "Authorization", value: Self.basic(user))
                    let response = try await client.execute(request, timeout: timeout)
                    let body = try await response.body.collect(upTo: 1 << 24)
                    try await client.shutdown()
                    return (response.status.code, response.headers.first(name: "X-Test"), String(buffer: body))
                } catch {
                    try? await client.shutdown()
                    throw error
                }
            }
            #expect(try await get("/-/healthy", trusting: files.first.caCert, as: "alice").status == 200)

            try files.copy(files.second.serverCert, to: files.cert)
            try files.copy(files.second.serverKey, to: files.key)
            try files.writeConfig(users: "bob: \(WebConfigurationTests.aliceHash)", header: "2")
            let deadline = ContinuousClock.now + .seconds(10)
            var rotated: (status: UInt, header: String?, body: String)?
            // The three files may be picked up by different looks.
            while rotated?.status != 200 || rotated?.header != "2", ContinuousClock.now < deadline {
                rotated = try? await get("/metrics", trusting: files.second.caCert, as: "bob", timeout: .seconds(2))
                try await Task.sleep(for: .milliseconds(20))
            }
            let answer = try #require(rotated, "the new certificate was never served")
            #expect(answer.status == 200)
            #expect(answer.header == "2")
            let metrics = try ParsedExposition(answer.body)
            #expect(metrics.value("cloudflare_paygo_web_config_last_reload_successful") == 1)
            #expect((metrics.value("cloudflare_paygo_web_config_last_reload_success_timestamp_seconds") ?? 0) >= started)
            #expect(try await get("/-/healthy", trusting: files.second.caCert, as: "alice").status == 401)
            await #expect(throws: (any Error).self, "the old certificate is no longer served") {
                _ = try await get("/-/healthy", trusting: files.first.caCert, as: "bob", timeout: .seconds(1))
            }

            // A key that does not match: the exporter keeps serving the certificate in force.
            // (A look between the copies above may already have kept one half-rotated pair out.)
            func keptOut() -> Int { exporter.logLines.all.components(separatedBy: "kept the previous web configuration").count - 1 }
            let keptBefore = keptOut()
            try files.copy(files.first.serverKey, to: files.key)
            try await Self.waitUntil { keptOut() > keptBefore }
            let kept = try await get("/metrics", trusting: files.second.caCert, as: "bob")
            #expect(kept.status == 200)
            #expect(try ParsedExposition(kept.body).value("cloudflare_paygo_web_config_last_reload_successful") == 0)
        }
    }
}
