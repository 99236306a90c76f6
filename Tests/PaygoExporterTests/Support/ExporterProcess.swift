import Foundation

/// The built exporter binary running as its own process, its output going to files (a pipe
/// could fill up and stall it during a long test).
final class ExporterProcess: @unchecked Sendable {  // used by one test task; Process is thread-safe for these calls
    let process = Process()
    let port: Int
    private let stdoutPath: String
    private let stderrPath: String

    /// - Parameters:
    ///   - listen: false for subcommands that serve nothing (`once`, `backfill`).
    ///   - ulimit: arguments of a `ulimit` to run the exporter under, through /bin/sh (e.g.
    ///     `-n 128` for soft and hard limits on descriptors, `-S -n 256` for the soft one only).
    init(arguments: [String], environment: [String: String], listen: Bool = true, ulimit: String? = nil) throws {
        port = Self.randomPort()
        let stem = FileManager.default.temporaryDirectory.appendingPathComponent("exporter-\(UInt64.random(in: 0...UInt64.max))").path
        stdoutPath = stem + ".out"
        stderrPath = stem + ".err"
        _ = FileManager.default.createFile(atPath: stdoutPath, contents: nil)
        _ = FileManager.default.createFile(atPath: stderrPath, contents: nil)
        let exporterArguments = (listen ? ["--web.listen-address", "127.0.0.1:\(port)"] : []) + arguments
        if let ulimit {
            // exec, so that the process terminated and signalled is the exporter itself.
            process.executableURL = URL(fileURLWithPath: "/bin/sh")
            process.arguments = ["-c", "ulimit \(ulimit) && exec \"$0\" \"$@\"", CommandLineTests.binary] + exporterArguments
        } else {
            process.executableURL = URL(fileURLWithPath: CommandLineTests.binary)
            process.arguments = exporterArguments
        }
        process.environment = environment
        process.standardOutput = FileHandle(forWritingAtPath: stdoutPath)
        process.standardError = FileHandle(forWritingAtPath: stderrPath)
        try process.run()
    }

    deinit {
        if process.isRunning { process.terminate() }
        try? FileManager.default.removeItem(atPath: stdoutPath)
        try? FileManager.default.removeItem(atPath: stderrPath)
    }

    /// Below Linux's ephemeral range (32768 and up), where every client socket of the suite
    /// takes its port: a listen address there is sometimes already in use.
    static func randomPort() -> Int { Int.random(in: 20_000...32_000) }

    var client: RunningExporter { RunningExporter(baseURL: "http://127.0.0.1:\(port)", logLines: LogLines()) }

    var standardOutput: String { (try? String(contentsOfFile: stdoutPath, encoding: .utf8)) ?? "" }
    var standardError: String { (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? "" }

    func signal(_ number: Int32) { kill(process.processIdentifier, number) }

    /// Sends SIGTERM and waits (off the cooperative pool) for the exit status.
    func stop() async -> Int32 {
        signal(SIGTERM)
        return await waitForExit()
    }

    /// Waits (off the cooperative pool) for the process to end by itself.
    func waitForExit() async -> Int32 {
        await withCheckedContinuation { continuation in
            Thread.detachNewThread {
                self.process.waitUntilExit()
                continuation.resume(returning: self.process.terminationStatus)
            }
        }
    }

    /// Resident set size in bytes, from /proc.
    var residentBytes: Int? { statusKilobytes("VmRSS:").map { $0 * 1_024 } }

    /// The highest resident set size so far, in bytes, from /proc.
    var peakResidentBytes: Int? { statusKilobytes("VmHWM:").map { $0 * 1_024 } }

    private func statusKilobytes(_ field: String) -> Int? {
        guard let status = try? String(contentsOfFile: "/proc/\(process.processIdentifier)/status", encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix(field) }),
            let kilobytes = Int(line.split(separator: " ").dropFirst().first ?? "")
        else { return nil }
        return kilobytes
    }

    /// Polls until `/-/ready` answers 200 or the deadline passes.
    func waitUntilReady(timeout: Duration = .seconds(30)) async throws {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let response = try? await client.get("/-/ready"), response.status == 200 { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw TestFailure("exporter not ready within \(timeout): \(standardError)")
    }
}
