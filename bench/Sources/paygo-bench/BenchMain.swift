import Foundation
import NIOCore
import PaygoExporter

/// `paygo-bench decode --mode exporter|jsondecoder --answer FILE [--repeat N]`
///
/// Prints one JSON line: the median seconds of one run, the answer's size and record count,
/// the process's RSS before the answer was read and its peak during the first run (answer
/// included), so bench/run can report time and memory as ratios between modes measured on the
/// same bytes.
@main
enum BenchMain {
    static func main() throws {
        let arguments = CommandLine.arguments.dropFirst()
        guard arguments.first == "decode",
            let mode = value(of: "--mode", in: arguments), ["exporter", "jsondecoder"].contains(mode),
            let path = value(of: "--answer", in: arguments)
        else {
            FileHandle.standardError.write(Data("usage: paygo-bench decode --mode exporter|jsondecoder --answer FILE [--repeat N]\n".utf8))
            exit(2)
        }
        let repeats = value(of: "--repeat", in: arguments).flatMap(Int.init) ?? 5
        let run: (ByteBuffer) throws -> Int
        if mode == "exporter" {
            run = { try ExporterPipeline.run($0) }
        } else {
            run = { try PlainCodable.run($0) }
        }
        // Runtime and Foundation set-up is not the decoder's memory: done before the baseline.
        _ = try run(ByteBuffer(string: #"{"success":true,"errors":[],"result":[]}"#))
        let rssBefore = ProcessMemory.residentBytes()
        guard let answer = readFile(path) else {
            FileHandle.standardError.write(Data("paygo-bench: cannot read \(path)\n".utf8))
            exit(1)
        }
        // The peak of the first run alone: later runs reuse what malloc kept.
        ProcessMemory.resetPeak()
        var seconds: [Double] = []
        var records = 0
        var peak = 0
        for _ in 0..<max(1, repeats) {
            let started = ContinuousClock.now
            records = try run(answer)
            let elapsed = started.duration(to: .now)
            seconds.append(elapsed.seconds)
            if peak == 0 { peak = ProcessMemory.peakResidentBytes() }
        }
        let result: [String: Any] = [
            "mode": mode, "answer_bytes": answer.readableBytes, "records": records,
            "seconds": seconds.sorted()[seconds.count / 2],
            "rss_before_bytes": rssBefore, "peak_rss_bytes": peak,
        ]
        let line = try JSONSerialization.data(withJSONObject: result, options: [.sortedKeys])
        FileHandle.standardOutput.write(line + Data("\n".utf8))
    }

    /// The file straight into one buffer, as the HTTP client holds an answer: no second copy
    /// to inflate the memory measured.
    private static func readFile(_ path: String) -> ByteBuffer? {
        guard let file = fopen(path, "rb") else { return nil }
        defer { fclose(file) }
        fseek(file, 0, SEEK_END)
        let size = ftell(file)
        fseek(file, 0, SEEK_SET)
        var buffer = ByteBufferAllocator().buffer(capacity: size)
        let read = buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: size) { fread($0.baseAddress, 1, size, file) }
        return read == size ? buffer : nil
    }

    private static func value(of flag: String, in arguments: ArraySlice<String>) -> String? {
        guard let index = arguments.firstIndex(of: flag), arguments.index(after: index) < arguments.endIndex else { return nil }
        return arguments[arguments.index(after: index)]
    }
}
