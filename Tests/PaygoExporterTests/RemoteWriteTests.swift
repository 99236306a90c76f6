import Foundation
import Logging
import NIOSSL
import PrometheusExposition
import SwiftProtobuf
import Synchronization
import Testing

@testable import PaygoExporter

/// Remote write: the snappy compressor against decoders, the batches, the sender's protocol,
/// credentials, retries and refusals against a stand-in receiver, and the flags.
@Suite struct RemoteWriteTests {
    static let logger = Logger(label: "remote-write-test") { _ in SwiftLogNoOpLogHandler() }

    static func configuration(
        _ url: String, _ edit: (inout RemoteWriteOptions) -> Void = { _ in }
    ) throws -> RemoteWriteConfiguration {
        var options = RemoteWriteOptions()
        options.url = url
        edit(&options)
        return try #require(try RemoteWriteConfiguration(options: options))
    }

    static func temporaryFile(_ contents: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("rw-\(UInt64.random(in: 0...UInt64.max))").path
        try contents.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// Inputs that exercise literals of every length class, short and long copies, overlaps
    /// and block boundaries.
    static var snappyInputs: [[UInt8]] {
        var generator = DecoderFuzzTests.SeededGenerator(state: 18)
        let random = (0..<100_000).map { _ in UInt8.random(in: 0...255, using: &generator) }
        let text = Array(
            String(repeating: "cloudflare_paygo_contracted_cost{account_id=\"a\",service=\"Workers\"} 1.5 1738368000\n", count: 3_000).utf8)
        let mixed = (0..<5_000).flatMap { index in
            Array("sample \(index % 97) value \(index * 7919 % 1_000)\n".utf8) + random[index..<(index + index % 13)]
        }
        return [
            [], [7], Array("abcd".utf8), Array(repeating: 0, count: 70_000), Array("ab".utf8) + Array(repeating: 0x61, count: 300), random,
            text, mixed,
        ]
    }

    @Test func snappyRoundTripsWithLiteralsAndCopies() throws {
        var seen = SnappyReferenceDecoder.Elements()
        for input in Self.snappyInputs {
            let compressed = SnappyBlock.compress(input)
            #expect(compressed.count <= SnappyBlock.maxCompressedLength(input.count))
            let (output, elements) = try SnappyReferenceDecoder.decodeCounting(compressed)
            #expect(output == input, "round trip of \(input.count) bytes")
            seen.literals += elements.literals
            seen.copies1 += elements.copies1
            seen.copies2 += elements.copies2
        }
        #expect(seen.literals > 0 && seen.copies1 > 0 && seen.copies2 > 0, "\(seen)")
        let text = Self.snappyInputs[6]
        #expect(SnappyBlock.compress(text).count * 10 < text.count, "repetitive text compresses at least 10x")
        let random = Self.snappyInputs[5]
        #expect(SnappyBlock.compress(random).count <= random.count + random.count / 1000 + 16, "random data barely grows")
    }

    /// cramjam (PyPI) wraps the Rust port of snappy: a decoder that shares no code with ours.
    @Test func snappyOutputIsReadByCramjam() throws {
        // The python3 on PATH: the one .ci/run installs cramjam for.
        let environment = ProcessInfo.processInfo.environment
        let probe = try ProcessRunner.run("/usr/bin/env", ["python3", "-c", "import cramjam"], environment: environment)
        guard probe.status == 0 else {
            // CI installs cramjam (.ci/run); elsewhere the test says what it skipped.
            #expect(ProcessInfo.processInfo.environment["CI"] == nil, "cramjam must be installed in CI: pip install cramjam")
            return
        }
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("snappy-\(UInt64.random(in: 0...UInt64.max))")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        for (index, input) in Self.snappyInputs.enumerated() {
            try Data(input).write(to: folder.appendingPathComponent("\(index).raw"))
            try Data(SnappyBlock.compress(input)).write(to: folder.appendingPathComponent("\(index).snappy"))
        }
        let script = """
            import cramjam, pathlib, sys
            folder = pathlib.Path(sys.argv[1])
            for raw in sorted(folder.glob("*.raw")):
                decoded = bytes(cramjam.snappy.decompress_raw(raw.with_suffix(".snappy").read_bytes()))
                assert decoded == raw.read_bytes(), raw.name
            print("ok", len(list(folder.glob("*.raw"))))
            """
        let result = try ProcessRunner.run("/usr/bin/env", ["python3", "-c", script, folder.path], environment: environment)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("ok \(Self.snappyInputs.count)"))
    }

    static func series(name: MetricDescriptor = MetricCatalog.contractedCost, service: String, days: ClosedRange<Int>) -> BackfillSeries {
        BackfillSeries(
            descriptor: name,
            labels: [
                Label("account_id", TestAccounts.id(1)), Label("service", service), Label("unit", "Requests"), Label("currency", "USD"),
            ],
            days: days.map { BackfillSeries.Day(start: Double($0) * 86_400, end: Double($0 + 1) * 86_400, value: Double($0) / 4) })
    }

    @Test func batchesHoldAtMostTheLimitAndKeepEachSeriesInTimeOrder() async throws {
        let sampling = BackfillSampling(step: 300, notAfter: 1e12)
        let batcher = RemoteWriteBatcher(sampling: sampling, maxSamples: 1_000)
        let all = [Self.series(service: "A", days: 20_000...20_002), Self.series(service: "B", days: 20_001...20_001)]
        var requests: [Prometheus_WriteRequest] = []
        try await batcher.forEachBatch(of: all) { batch in
            let request = try Prometheus_WriteRequest(serializedBytes: try SnappyReferenceDecoder.decode(batch.body))
            #expect(batch.samples == request.timeseries.reduce(0) { $0 + $1.samples.count })
            requests.append(request)
        }
        #expect(requests.count == 2, "4 x 288 = 1,152 samples in requests of at most 1,000")
        #expect(requests.map { $0.timeseries.reduce(0) { $0 + $1.samples.count } } == [1_000, 152])
        var bySeries: [String: [Prometheus_Sample]] = [:]
        for series in requests.flatMap(\.timeseries) {
            #expect(series.labels.map(\.name) == ["__name__", "account_id", "currency", "service", "unit"], "sorted, with __name__")
            bySeries[StandInReceiver.key(series.labels), default: []] += series.samples
        }
        let a = try #require(bySeries.first { $0.key.contains("service=A") }?.value)
        #expect(a.count == 3 * 288)
        #expect(zip(a, a.dropFirst()).allSatisfy { $1.timestamp - $0.timestamp == 300_000 }, "ascending across requests")
        #expect(a.first?.timestamp == 20_000 * 86_400_000 && a.first?.value == 5_000)
        #expect(a.last?.timestamp == 20_003 * 86_400_000 - 300_000 && a.last?.value == 20_002.0 / 4)
        #expect(bySeries.first { $0.key.contains("service=B") }?.value.count == 288)
        #expect(bySeries.keys.allSatisfy { $0.hasPrefix("__name__=cloudflare_paygo_contracted_cost,account_id=") })
    }

    @Test func senderSpeaksRemoteWriteWithBearerTokenAndTenantHeader() async throws {
        let receiver = StandInReceiver()
        let token = try Self.temporaryFile("rw-secret-token\n")
        defer { try? FileManager.default.removeItem(atPath: token) }
        try await receiver.serve { url in
            let sender = RemoteWriteSender(
                configuration: try Self.configuration(url) {
                    $0.bearerTokenFile = token
                    $0.headers = ["X-Scope-OrgID=billing", "X-Extra = spaced value "]
                }, logger: Self.logger)
            let empty: [UInt8] = try Prometheus_WriteRequest().serializedBytes()
            try await sender.send(SnappyBlock.compress(empty))
            await sender.shutDown()
        }
        let headers = try #require(receiver.requests.first?.headers)
        #expect(receiver.requests.count == 1)
        #expect(headers["content-encoding"] == "snappy")
        #expect(headers["content-type"] == "application/x-protobuf")
        #expect(headers["x-prometheus-remote-write-version"] == "0.1.0")
        #expect(headers["authorization"] == "Bearer rw-secret-token", "the file's text, trimmed")
        #expect(headers["x-scope-orgid"] == "billing")
        #expect(headers["x-extra"] == "spaced value")
        #expect(headers["user-agent"]?.hasPrefix("cloudflare-paygo-exporter/") == true)
    }

    @Test func senderSendsBasicAuthFromThePasswordFile() async throws {
        let receiver = StandInReceiver()
        let password = try Self.temporaryFile("pa:ss word\n")
        defer { try? FileManager.default.removeItem(atPath: password) }
        try await receiver.serve { url in
            let configuration = try Self.configuration(url) {
                $0.basicAuthUsername = "backfill"
                $0.basicAuthPasswordFile = password
            }
            #expect(!"\(configuration.credentials)".contains("pa:ss"), "the description holds no secret")
            let sender = RemoteWriteSender(configuration: configuration, logger: Self.logger)
            try await sender.send(SnappyBlock.compress([]))
            await sender.shutDown()
        }
        let expected = "Basic " + Data("backfill:pa:ss word".utf8).base64EncodedString()
        #expect(receiver.requests.first?.headers["authorization"] == expected)
    }

    @Test(.enabled(if: TestCertificates.openssl != nil))
    func senderTrustsTheCAFileForAnHTTPSReceiverAndNothingElse() async throws {
        let certificates = try TestCertificates.make()
        defer { certificates.remove() }
        let tls = TLSConfiguration.makeServerConfiguration(
            certificateChain: try NIOSSLCertificate.fromPEMFile(certificates.serverCert).map { .certificate($0) },
            privateKey: .privateKey(try NIOSSLPrivateKey(file: certificates.serverKey, format: .pem)))
        let receiver = StandInReceiver(tls: tls)
        let untrusted = try await receiver.serve { url in
            #expect(url.hasPrefix("https://"))
            let trusting = RemoteWriteSender(
                configuration: try Self.configuration(url) { $0.caFile = certificates.caCert }, logger: Self.logger)
            try await trusting.send([0])
            await trusting.shutDown()
            let system = RemoteWriteSender(
                configuration: try Self.configuration(url), retryPolicy: RemoteWriteRetryPolicy(maxAttempts: 1), logger: Self.logger)
            let failure = await Self.failure(of: system, sending: [0])
            await system.shutDown()
            return failure
        }
        #expect(receiver.requests.count == 1, "only the sender trusting the CA file got through")
        #expect(untrusted?.cause == .exhausted(attempts: 1, lastStatus: nil), "the system's CAs do not know the test CA")
    }

    @Test func senderRetries5xxAnd429WithBoundedBackoffAtExactInstants() async throws {
        let receiver = StandInReceiver(statuses: [
            .init(status: 503, body: "compacting"), .init(status: 429, body: "slow down", headers: ["Retry-After": "7"]),
            .init(status: 502), .init(status: 204),
        ])
        let clock = TestClock()
        try await receiver.serve { url in
            let sender = RemoteWriteSender(
                configuration: try Self.configuration(url), retryPolicy: RemoteWriteRetryPolicy(baseDelaySeconds: 0.5, maxDelaySeconds: 30),
                clock: clock, jitter: { 0.5 }, logger: Self.logger)
            let sending = Task { try await sender.send([0]) }
            // Attempt 1 got 503: half the 0.5 s step plus half of the other half.
            try await clock.waitForSleepers(1)
            #expect(clock.nextDeadline == clock.start + .milliseconds(375))
            #expect(receiver.requests.count == 1)
            clock.advance(by: .milliseconds(375))
            // Attempt 2 got 429 with Retry-After: 7 s, longer than the 0.75 s backoff.
            try await clock.waitForSleepers(1)
            #expect(clock.nextDeadline == clock.start + .milliseconds(375) + .seconds(7))
            clock.advance(by: .seconds(7))
            // Attempt 3 got 502: the step has doubled to 2 s.
            try await clock.waitForSleepers(1)
            #expect(clock.nextDeadline == clock.start + .milliseconds(375 + 7_000 + 1_500))
            clock.advance(by: .milliseconds(1_500))
            try await sending.value
            await sender.shutDown()
        }
        #expect(receiver.requests.count == 4)
        #expect(clock.sleeps == 3)
    }

    @Test func senderGivesUpAfterItsAttempts() async throws {
        let receiver = StandInReceiver { _, _ in .init(status: 500, body: "internal error\nwith a second line") }
        let clock = TestClock()
        let error = try await receiver.serve { url in
            let sender = RemoteWriteSender(
                configuration: try Self.configuration(url), retryPolicy: RemoteWriteRetryPolicy(maxAttempts: 3, baseDelaySeconds: 1),
                clock: clock, jitter: { 0 }, logger: Self.logger)
            let sending = Task { await Self.failure(of: sender, sending: [0]) }
            try await clock.waitForSleepers(1)
            #expect(clock.nextDeadline == clock.start + .milliseconds(500))
            clock.advance(by: .milliseconds(500))
            try await clock.waitForSleepers(1)
            #expect(clock.nextDeadline == clock.start + .milliseconds(1_500))
            clock.advance(by: .seconds(1))
            let error = await sending.value
            await sender.shutDown()
            return error
        }
        let failure = try #require(error)
        #expect(failure.cause == .exhausted(attempts: 3, lastStatus: 500))
        #expect(failure.description.contains("internal error with a second line"), "one line: \(failure)")
        #expect(receiver.requests.count == 3)
    }

    @Test(arguments: [
        (400, "out of bounds", "storage.tsdb.out_of_order_time_window"),
        (400, "err-mimir-sample-out-of-order: the sample has been rejected", "out_of_order_time_window"),
        (400, "sample timestamp too old", "--tsdb.out-of-order.time-window"),
        (400, "duplicate sample for timestamp", "delete those series"),
        (404, "remote write receiver needs to be enabled with --web.enable-remote-write-receiver", "--web.enable-remote-write-receiver"),
        (401, "no org id", "X-Scope-OrgID"),
        (403, "forbidden", "--remote-write.bearer-token-file"),
        (404, "404 page not found", "/api/v1/push"),
        (413, "request entity too large", "--remote-write.max-samples-per-send"),
    ])
    func senderNeverRetriesOther4xxAndExplainsTheFix(status: Int, message: String, fix: String) async throws {
        let receiver = StandInReceiver { _, _ in .init(status: status, body: message) }
        let clock = TestClock()
        let error = try await receiver.serve { url in
            let sender = RemoteWriteSender(configuration: try Self.configuration(url + "?key=s3cret"), clock: clock, logger: Self.logger)
            let error = await Self.failure(of: sender, sending: [0])
            await sender.shutDown()
            return error
        }
        let failure = try #require(error)
        #expect(failure.cause == .refused(status: status))
        #expect(receiver.requests.count == 1, "not retried")
        #expect(clock.sleeps == 0)
        #expect(failure.description.contains(message), "the receiver's message: \(failure)")
        #expect(failure.description.contains(fix), "the fix: \(failure)")
        #expect(failure.description.contains("http://127.0.0.1:"), "names the receiver")
        #expect(!failure.description.contains("s3cret"), "never the URL's query")
    }

    static func failure(of sender: RemoteWriteSender, sending body: [UInt8]) async -> RemoteWriteError? {
        do throws(RemoteWriteError) {
            try await sender.send(body)
            return nil
        } catch {
            return error
        }
    }

    @Test func senderRetriesAnUnreachableReceiverThenSaysSo() async throws {
        let clock = TestClock()
        let port = ExporterProcess.randomPort()
        let sender = RemoteWriteSender(
            configuration: try Self.configuration("http://127.0.0.1:\(port)/api/v1/write"),
            retryPolicy: RemoteWriteRetryPolicy(maxAttempts: 2, baseDelaySeconds: 2), clock: clock, jitter: { 1 }, logger: Self.logger)
        let sending = Task { await Self.failure(of: sender, sending: [0]) }
        try await clock.waitForSleepers(1)
        #expect(clock.nextDeadline == clock.start + .seconds(2))
        clock.advance(by: .seconds(2))
        let failure = try #require(await sending.value)
        await sender.shutDown()
        #expect(failure.cause == .exhausted(attempts: 2, lastStatus: nil))
        #expect(failure.description.contains("could not be reached"))
    }

    @Test func flagsAreCheckedWithOneLineAndNoSecret() throws {
        let token = try Self.temporaryFile("s3cret-token")
        defer { try? FileManager.default.removeItem(atPath: token) }
        func problem(_ edit: (inout RemoteWriteOptions) -> Void) -> String? {
            var options = RemoteWriteOptions()
            options.url = "http://127.0.0.1:9090/api/v1/write"
            edit(&options)
            do {
                _ = try RemoteWriteConfiguration(options: options)
                return nil
            } catch {
                return error.description
            }
        }
        #expect(problem { _ in } == nil)
        #expect(problem { $0.url = "ftp://host/x" }?.contains("not an http(s) URL") == true)
        #expect(problem { $0.url = "http://user:s3cret-token@host/x" }?.contains("--remote-write.basic-auth.password-file") == true)
        #expect(problem { $0.headers = ["X-Scope-OrgID"] }?.contains("NAME=VALUE") == true)
        #expect(problem { $0.headers = ["Authorization=Bearer s3cret-token"] }?.contains("--remote-write.bearer-token-file") == true)
        #expect(problem { $0.headers = ["Content-Encoding=gzip"] }?.contains("snappy") == true)
        #expect(problem { $0.headers = ["Bad Name=x"] }?.contains("not an HTTP header name") == true)
        #expect(problem { $0.headers = ["X-Key=s3cret-token\u{7}"] }?.contains("printable ASCII") == true)
        #expect(problem { $0.basicAuthUsername = "u" }?.contains("go together") == true)
        #expect(problem { $0.basicAuthPasswordFile = token }?.contains("go together") == true)
        #expect(problem { $0.bearerTokenFile = "/nonexistent/token" }?.contains("cannot read --remote-write.bearer-token-file") == true)
        #expect(
            problem {
                $0.bearerTokenFile = token
                $0.basicAuthUsername = "u"
                $0.basicAuthPasswordFile = token
            }?.contains("keep one") == true)
        #expect(problem { $0.caFile = "/nonexistent/ca.pem" }?.contains("--remote-write.ca-file") == true)
        #expect(problem { $0.concurrency = 0 }?.contains("--remote-write.concurrency 0 is not from 1 to 64") == true)
        #expect(problem { $0.maxSamplesPerSend = 10 }?.contains("--remote-write.max-samples-per-send") == true)
        #expect(problem { $0.timeout = "1h" }?.contains("--remote-write.timeout") == true)
        let all = [
            problem { $0.url = "http://user:s3cret-token@host/x" }, problem { $0.headers = ["Authorization=Bearer s3cret-token"] },
            problem { $0.headers = ["X-Key=s3cret-token\u{7}"] },
        ]
        #expect(all.allSatisfy { $0?.contains("s3cret") == false && $0?.contains("\n") == false }, "\(all)")

        var alone = RemoteWriteOptions()
        alone.headers = ["X-Scope-OrgID=a"]
        #expect(throws: ConfigurationError.self, "a remote-write flag without the URL") { try RemoteWriteConfiguration(options: alone) }
        #expect(try RemoteWriteConfiguration(options: RemoteWriteOptions()) == nil)
        #expect(throws: ConfigurationError.self) { try Backfill.Destination(output: nil, remoteWrite: RemoteWriteOptions()) }
        var both = RemoteWriteOptions()
        both.url = "http://127.0.0.1:9090/api/v1/write"
        #expect(throws: ConfigurationError.self) { try Backfill.Destination(output: "x.om", remoteWrite: both) }
    }

    @Test func progressBarShowsWindowsSamplesRateAndETA() {
        #expect(
            BackfillProgress.bar(accounts: 2, windows: 4, done: 1.5, samples: 1_234_567, elapsedSeconds: 10)
                == "[#######-------------] 1.5/4 windows (2 accounts x 2) · 1,234,567 samples · 123,457 samples/s · ETA 17s")
        #expect(
            BackfillProgress.bar(accounts: 1, windows: 2, done: 0, samples: 0, elapsedSeconds: 0)
                == "[--------------------] 0/2 windows (1 account x 2) · 0 samples · 0 samples/s · ETA --")
        #expect(BackfillProgress.bar(accounts: 1, windows: 2, done: 2, samples: 10, elapsedSeconds: 200).hasSuffix("· done in 3m20s"))
    }

    @Test func progressRedrawsATerminalAtMostEveryFifthOfASecond() {
        let clock = TestClock()
        let drawn = Drawn()
        let progress = BackfillProgress(clock: clock, terminal: { text in drawn.texts.withLock { $0.append(text) } }, lines: { _ in })
        progress.start(accounts: 1, windows: 2)
        progress.windowStarted(samples: 100)
        progress.sent(samples: 10)
        progress.sent(samples: 10)
        #expect(drawn.texts.withLock { $0.count } == 1, "only the first draw within 200 ms")
        clock.advance(by: .milliseconds(200))
        progress.sent(samples: 30)
        let last = drawn.texts.withLock { $0.last } ?? ""
        #expect(last.hasPrefix("\r\u{1B}[K[#####---------------]"), "redrawn in place: \(last)")
        #expect(last.contains("0.5/2 windows") && last.contains("50 samples"), "\(last)")
    }
}

/// What a progress bar drew, for a closure to append to.
final class Drawn: Sendable {
    let texts = Mutex<[String]>([])
}
