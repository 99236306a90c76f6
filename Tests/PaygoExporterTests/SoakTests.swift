import Foundation
import NIOCore
import PaygoExporter
import Testing

/// The binary under concurrent scrapes while every refresh meets a fault: no scrape may fail
/// and memory must stay flat. Runs for PAYGO_SOAK_SECONDS (20 by default; CI runs 120).
@Suite struct SoakTests {
    static let seconds = Int(ProcessInfo.processInfo.environment["PAYGO_SOAK_SECONDS"] ?? "") ?? 20

    @Test func scrapesNeverFailAndMemoryStaysFlatDuringContinuousFaults() async throws {
        let example = try AnswerBuilder.fixture("paygo-example.json")
        let big = AnswerBuilder.success(
            (0..<400).map { index in
                AnswerBuilder.record(
                    service: "Service \(index % 40)", unit: index % 2 == 0 ? "Requests" : "GB", day: 1 + index % 20, cost: Double(index))
            })
        let faults: [StandInCloudflareAPI.Reply] = [
            .json(big),
            .html("<html>502</html>", status: 502),
            .json(String(big.prefix(1_000))),
            .json(AnswerBuilder.failure(code: 971, message: "rate limited"), status: 429, headers: ["Retry-After": "1"]),
            .json(example, delay: .seconds(3)),
            .json(AnswerBuilder.failure(code: 10000, message: "Authentication error"), status: 401),
            .json(example),
        ]
        let api = StandInCloudflareAPI(recordsRequests: false)
        for account in 1...6 {
            api.cycle(
                for: TestAccounts.id(account), through: Array(faults[(account % faults.count)...] + faults[..<(account % faults.count)]))
        }
        try await api.serve { baseURL in
            let exporter = try ExporterProcess(
                arguments: [
                    "--cloudflare.api-url", baseURL, "--cloudflare.timeout", "1s", "--cloudflare.refresh-interval", "1s",
                    "--log.level", "error",
                ] + (1...6).flatMap { ["--cloudflare.account-id", TestAccounts.id($0)] },
                environment: ["CLOUDFLARE_API_TOKEN": "soak-token", "PATH": "/usr/bin:/bin"])
            try await exporter.waitUntilReady()
            let client = exporter.client
            let end = ContinuousClock.now + .seconds(Self.seconds)
            async let memory = Self.sampleMemory(of: exporter, until: end)

            let (scrapes, failures) = try await withThrowingTaskGroup(of: (Int, [String]).self) { group in
                for worker in 0..<8 {
                    group.addTask {
                        var count = 0
                        var failures: [String] = []
                        while ContinuousClock.now < end {
                            let headers = worker % 2 == 0 ? ["Accept-Encoding": "gzip"] : [:]
                            do {
                                let response = try await client.get("/metrics", headers: headers)
                                if response.status != 200 { failures.append("status \(response.status)") }
                                if worker % 2 == 1 { _ = try ParsedExposition(String(buffer: response.body)) }
                            } catch {
                                failures.append("\(error)")
                            }
                            count += 1
                        }
                        return (count, failures)
                    }
                }
                return try await group.reduce(into: (0, [String]())) {
                    $0.0 += $1.0
                    $0.1 += $1.1
                }
            }
            let samples = try await memory
            #expect(failures.isEmpty, "failed scrapes: \(failures.prefix(5))")
            #expect(scrapes > Self.seconds * 20, "scrapes kept flowing: \(scrapes)")

            let final = try ParsedExposition(String(buffer: try await client.get("/metrics").body))
            #expect(final.matching("cloudflare_paygo_up").count == 6)
            #expect(await exporter.stop() == 0)

            // Flat: after warm-up, the last quarter's median RSS is within 8 MiB of the second quarter's.
            try #require(samples.count >= 8, "memory samples: \(samples)")
            let quarter = samples.count / 4
            let median = { (slice: ArraySlice<Int>) in slice.sorted()[slice.count / 2] }
            let early = median(samples[quarter..<(2 * quarter)])
            let late = median(samples[(3 * quarter)...])
            #expect(late - early < 8 << 20, "RSS grew from \(early >> 10) KiB to \(late >> 10) KiB")
            #expect(samples.max()! < 256 << 20, "RSS peak \(samples.max()! >> 20) MiB")
        }
    }

    /// RSS of the exporter every quarter second from now until `end` (run beside the scrapers).
    static func sampleMemory(of exporter: ExporterProcess, until end: ContinuousClock.Instant) async throws -> [Int] {
        var samples: [Int] = []
        while ContinuousClock.now < end {
            if let rss = exporter.residentBytes { samples.append(rss) }
            try await Task.sleep(for: .milliseconds(250))
        }
        return samples
    }
}
