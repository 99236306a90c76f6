import Foundation
import Testing

@testable import PaygoExporter

/// `backfill --remote-write.url` as an operator runs it: the built binary against a stand-in
/// Cloudflare API and a stand-in receiver, both on loopback.
@Suite struct RemoteWriteBackfillTests {
    static let range = ["--from", "2024-12-01", "--to", "2025-03-31"]
    /// 2025-02-01, where the second 62-day window of `range` starts, in milliseconds.
    static let secondWindowMilliseconds: Int64 = 1_738_368_000_000

    /// A day in each of the two windows; every window gets the same answer.
    static func standInAPI() -> StandInCloudflareAPI {
        let api = StandInCloudflareAPI()
        let january = ["ChargePeriodStart": "2025-01-10T00:00:00Z", "ChargePeriodEnd": "2025-01-11T00:00:00Z"]
        api.reply(
            for: TestAccounts.id(1),
            with: .json(
                AnswerBuilder.success([
                    AnswerBuilder.record(day: 1, cost: 1.5, extra: january), AnswerBuilder.record(day: 1, cost: 1.5),
                    AnswerBuilder.record(day: 2, cost: 2.5), AnswerBuilder.record(day: 2, cost: 0.5, extra: ["ZoneId": "z2"]),
                    AnswerBuilder.record(unit: "CPU ms", day: 3, cost: 7),
                ])))
        return api
    }

    static func backfill(_ arguments: [String], api baseURL: String) async throws -> (status: Int32, log: String) {
        let exporter = try ExporterProcess(
            arguments: ["backfill", "--cloudflare.api-url", baseURL, "--cloudflare.account-id", TestAccounts.id(1)] + range + arguments,
            environment: ["CLOUDFLARE_API_TOKEN": "t", "PATH": "/usr/bin:/bin"], listen: false)
        return (await exporter.waitForExit(), exporter.standardError)
    }

    /// `name{a="x",b="y"}` as the receiver's key: `__name__=name,a=x,b=y`, labels sorted.
    static func key(fromFileSeries text: Substring) -> String {
        let open = text.firstIndex(of: "{")!
        let labels = text[text.index(after: open)..<text.index(before: text.endIndex)].split(separator: "\",").map { pair in
            let parts = pair.split(separator: "=", maxSplits: 1)
            return "\(parts[0])=\(parts[1].trimmingCharacters(in: CharacterSet(charactersIn: "\"")))"
        }
        return (["__name__=\(text[..<open])"] + labels.sorted()).joined(separator: ",")
    }

    struct Point: Hashable {
        let series: String
        let time: Int64
        let value: Double
    }

    static func points(of receiver: StandInReceiver) -> [Point] {
        receiver.samplesBySeries.flatMap { series, samples in samples.map { Point(series: series, time: $0.timestamp, value: $0.value) } }
    }

    @Test func backfillSendsTheFilesSamplesInOrderedBatchesAndARerunSendsTheSame() async throws {
        let api = Self.standInAPI()
        let first = StandInReceiver()
        let second = StandInReceiver()
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("rw-history-\(UInt64.random(in: 0...UInt64.max)).om")
            .path
        defer { try? FileManager.default.removeItem(atPath: output) }
        let batching = ["--remote-write.max-samples-per-send", "500", "--remote-write.concurrency", "3"]
        let (sent, resent, written) = try await api.serve { baseURL in
            let sent = try await first.serve { url in try await Self.backfill(["--remote-write.url", url] + batching, api: baseURL) }
            let resent = try await second.serve { url in try await Self.backfill(["--remote-write.url", url] + batching, api: baseURL) }
            let written = try await Self.backfill(["--output", output], api: baseURL)
            return (sent, resent, written)
        }
        #expect(sent.status == 0, "\(sent.log)")
        #expect(resent.status == 0 && written.status == 0)
        #expect(
            sent.log.contains("window 1/2 2024-12-01..2025-01-31: 1 records") && sent.log.contains("window 2/2"),
            "one line per window: \(sent.log)")
        #expect(sent.log.contains("backfill: sent "), "\(sent.log)")
        #expect(!sent.log.contains("\u{1B}["), "no bar when stderr is not a terminal")

        #expect(first.requests.count > 2)
        #expect(first.requests.allSatisfy { $0.request != nil && $0.sampleCount <= 500 }, "snappy protobuf, at most 500 samples each")
        for (series, samples) in first.samplesBySeries {
            #expect(zip(samples, samples.dropFirst()).allSatisfy { $0.timestamp < $1.timestamp }, "\(series) ascending in arrival order")
        }

        var fromFile: [Point] = []
        for line in try String(contentsOfFile: output, encoding: .utf8).split(separator: "\n") where !line.hasPrefix("#") {
            let parts = line.split(separator: " ")
            let series = parts.dropLast(2).joined(separator: " ")
            fromFile.append(
                Point(
                    series: Self.key(fromFileSeries: Substring(series)), time: Int64(parts[parts.count - 1])! * 1000,
                    value: Double(parts[parts.count - 2])!))
        }
        let received = Self.points(of: first)
        #expect(received.count == fromFile.count, "no sample twice")
        #expect(Set(received) == Set(fromFile), "the same samples as the file")
        #expect(Set(received).count == received.count)
        #expect(
            Self.points(of: second).sorted { ($0.series, $0.time) < ($1.series, $1.time) }
                == received.sorted { ($0.series, $0.time) < ($1.series, $1.time) }, "a rerun sends the same samples at the same timestamps")
        #expect(
            received.contains { $0.time < Self.secondWindowMilliseconds } && received.contains { $0.time >= Self.secondWindowMilliseconds })
    }

    @Test func aRefusedWindowStopsTheRunAndNamesTheDayToResumeFrom() async throws {
        let api = Self.standInAPI()
        let receiver = StandInReceiver { _, received in
            let late =
                received.request?.timeseries.contains { $0.samples.contains { $0.timestamp >= Self.secondWindowMilliseconds } } ?? false
            return late ? .init(status: 400, body: "out of bounds") : .init(status: 204)
        }
        let result = try await api.serve { baseURL in
            try await receiver.serve { url in try await Self.backfill(["--remote-write.url", url], api: baseURL) }
        }
        #expect(result.status == 1)
        #expect(result.log.contains("every day before 2025-02-01 is stored: resume with --from 2025-02-01"), "\(result.log)")
        #expect(result.log.contains("\"out of bounds\"") && result.log.contains("out_of_order_time_window"), "\(result.log)")
        #expect(Self.points(of: receiver).contains { $0.time < Self.secondWindowMilliseconds }, "the first window landed")
    }

    @Test func credentialsAndHeaderValuesReachTheReceiverButNeverTheLog() async throws {
        let api = Self.standInAPI()
        let token = try RemoteWriteTests.temporaryFile("tok-3f9a1c")
        defer { try? FileManager.default.removeItem(atPath: token) }
        // One 503 first, so a retry is logged too.
        let receiver = StandInReceiver(statuses: [.init(status: 503, body: "overloaded")])
        let result = try await api.serve { baseURL in
            try await receiver.serve { url in
                try await Self.backfill(
                    [
                        "--remote-write.url", url, "--remote-write.bearer-token-file", token, "--remote-write.header",
                        "X-Scope-OrgID=tenant-77b2",
                        "--log.level", "debug",
                    ], api: baseURL)
            }
        }
        #expect(result.status == 0, "\(result.log)")
        #expect(result.log.contains("retrying") && result.log.contains("503"), "the retry is logged: \(result.log)")
        #expect(
            receiver.requests.allSatisfy {
                $0.headers["authorization"] == "Bearer tok-3f9a1c" && $0.headers["x-scope-orgid"] == "tenant-77b2"
            })
        #expect(!result.log.contains("tok-3f9a1c") && !result.log.contains("tenant-77b2"), "\(result.log)")
    }

    @Test func badRemoteWriteFlagsExitWithTwoAndOneLine() throws {
        let secret = try RemoteWriteTests.temporaryFile("s3cret-token")
        defer { try? FileManager.default.removeItem(atPath: secret) }
        let base = ["backfill", "--cloudflare.account-id", TestAccounts.id(1), "--from", "2025-01-01", "--to", "2025-01-02"]
        let cases: [([String], String)] = [
            (["--remote-write.url", "ftp://host/write"], "not an http(s) URL"),
            (["--output", "x.om", "--remote-write.header", "X-Scope-OrgID=t"], "without --remote-write.url"),
            (["--remote-write.url", "http://127.0.0.1:9/api/v1/write", "--output", "x.om"], "both given"),
            ([], "needs --output or --remote-write.url"),
            (["--remote-write.url", "http://127.0.0.1:9/w", "--remote-write.basic-auth.username", "u"], "go together"),
            (["--remote-write.url", "http://127.0.0.1:9/w", "--remote-write.concurrency", "1000"], "--remote-write.concurrency"),
            (
                ["--remote-write.url", "http://127.0.0.1:9/w", "--remote-write.header", "Authorization=Bearer s3cret-token"],
                "bearer-token-file"
            ),
        ]
        for (arguments, expected) in cases {
            let result = try ProcessRunner.run(
                CommandLineTests.binary, base + arguments, environment: ["CLOUDFLARE_API_TOKEN": "t", "PATH": "/usr/bin:/bin"])
            #expect(result.status == 2, "\(arguments): \(result.stderr)")
            #expect(result.stderr.contains(expected), "\(arguments): \(result.stderr)")
            #expect(result.stderr.split(separator: "\n").count == 1, "one line: \(result.stderr)")
            #expect(!result.stderr.contains("s3cret"))
        }
    }
}
