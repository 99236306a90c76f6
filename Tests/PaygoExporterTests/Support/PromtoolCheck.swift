import Foundation
import Synchronization

/// Runs Prometheus's own linter on an exposition when `promtool` is installed (`.ci/run`
/// installs it); where it is not, the strict parser in these tests still checks the text.
enum PromtoolCheck {
    static var path: String? {
        let directories = (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":") + ["/usr/bin", "/usr/local/bin"]
        return directories.map { "\($0)/promtool" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    static func checkMetrics(_ text: String) throws {
        guard let path else { return }
        let result = try ProcessRunner.run(path, ["check", "metrics"], stdin: text)
        guard result.status == 0, result.stdout.isEmpty, result.stderr.isEmpty else {
            throw TestFailure("promtool check metrics exited \(result.status): \(result.stdout) \(result.stderr)")
        }
    }
}

/// Runs a program to completion with optional input, capturing its output.
enum ProcessRunner {
    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    static func run(
        _ executable: String, _ arguments: [String], stdin: String? = nil, environment: [String: String]? = nil
    ) throws -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let environment { process.environment = environment }
        let output = Pipe(), errors = Pipe(), input = Pipe()
        process.standardOutput = output
        process.standardError = errors
        process.standardInput = input
        try process.run()
        if let stdin { input.fileHandleForWriting.write(Data(stdin.utf8)) }
        try input.fileHandleForWriting.close()
        // Read both pipes to the end before waiting, so a chatty child cannot block on a full pipe.
        let errorData = Mutex<Data>(Data())
        let reader = Thread { errorData.withLock { $0 = errors.fileHandleForReading.readDataToEndOfFile() } }
        reader.start()
        let outputData = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        // Until the reader is done: before it has started it is not executing either, and
        // stopping then lost the whole of stderr on a loaded machine.
        while !reader.isFinished { usleep(1_000) }
        return Result(
            status: process.terminationStatus,
            stdout: String(decoding: outputData, as: UTF8.self),
            stderr: String(decoding: errorData.withLock { $0 }, as: UTF8.self))
    }
}
