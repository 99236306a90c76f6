import Foundation
import NIOCore
import PaygoExporter

/// `paygo-bench decode --mode exporter|jsondecoder --answer FILE [--repeat N]`
///
/// Prints one JSON line: the median seconds of one run, the answer's size and record count,
/// and the process's RSS before the answer was read and its peak at the end, so bench/run can
/// report time and memory as ratios between modes measured on the same bytes.
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
        let rssBefore = ProcessMemory.residentBytes()
        let answer = ByteBuffer(bytes: try Data(contentsOf: URL(fileURLWithPath: path)))
        var seconds: [Double] = []
        var records = 0
        for _ in 0..<max(1, repeats) {
            let started = ContinuousClock.now
            records = mode == "exporter" ? try ExporterPipeline.run(answer) : try PlainCodable.run(answer)
            let elapsed = started.duration(to: .now)
            seconds.append(Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
        }
        let result: [String: Any] = [
            "mode": mode, "answer_bytes": answer.readableBytes, "records": records,
            "seconds": seconds.sorted()[seconds.count / 2],
            "rss_before_bytes": rssBefore, "peak_rss_bytes": ProcessMemory.peakResidentBytes(),
        ]
        let line = try JSONSerialization.data(withJSONObject: result, options: [.sortedKeys])
        FileHandle.standardOutput.write(line + Data("\n".utf8))
    }

    private static func value(of flag: String, in arguments: ArraySlice<String>) -> String? {
        guard let index = arguments.firstIndex(of: flag), arguments.index(after: index) < arguments.endIndex else { return nil }
        return arguments[arguments.index(after: index)]
    }
}
