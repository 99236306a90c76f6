import Foundation
import Logging
import Synchronization

/// Writes one line per event to stderr in logfmt or JSON, the way Prometheus exporters do:
/// `ts=... level=... source=... msg=... key=value`.
public struct ExporterLogHandler: LogHandler {
    public var logLevel: Logger.Level
    public var metadata: Logger.Metadata = [:]
    private let label: String
    private let format: LogFormat
    private let sink: LogSink

    public init(label: String, level: Logger.Level, format: LogFormat, sink: LogSink = .standardError) {
        self.label = label
        self.logLevel = level
        self.format = format
        self.sink = sink
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var fields: [(String, String)] = [
            ("ts", Self.timestamp()),
            ("level", event.level.prometheusName),
            ("source", label),
            ("msg", event.message.description),
        ]
        let merged = metadata.merging(event.metadata ?? [:]) { _, new in new }
        for (key, value) in merged.sorted(by: { $0.key < $1.key }) {
            fields.append((key, "\(value)"))
        }
        let text =
            switch format {
            case .logfmt: fields.map { "\($0)=\(Self.logfmtValue($1))" }.joined(separator: " ")
            case .json: "{" + fields.map { "\(Self.jsonString($0)):\(Self.jsonString($1))" }.joined(separator: ",") + "}"
            }
        sink.write(text + "\n")
    }

    private static func timestamp() -> String {
        let now = Date().timeIntervalSince1970
        let seconds = Int(now.rounded(.down))
        let millis = Int((now - Double(seconds)) * 1000)
        let inDay = seconds % 86_400
        func pad(_ value: Int, _ width: Int = 2) -> String {
            let text = String(value)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        return
            "\(CivilCalendar.formatDate(Double(seconds)))T\(pad(inDay / 3_600)):\(pad(inDay / 60 % 60)):\(pad(inDay % 60)).\(pad(millis, 3))Z"
    }

    static func logfmtValue(_ value: String) -> String {
        let needsQuotes =
            value.isEmpty
            || value.contains {
                $0 == " " || $0 == "=" || $0 == "\"" || $0 == "\\" || $0.isNewline || $0.unicodeScalars.contains { $0.value < 0x20 }
            }
        guard needsQuotes else { return value }
        return jsonString(value)
    }

    static func jsonString(_ value: String) -> String {
        var escaped = "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": escaped += "\\\""
            case "\\": escaped += "\\\\"
            case "\n": escaped += "\\n"
            case "\r": escaped += "\\r"
            case "\t": escaped += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                escaped += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: escaped.unicodeScalars.append(scalar)
            }
        }
        return escaped + "\""
    }
}

/// Where log lines go. Lines are written whole under a lock so concurrent tasks never interleave.
public final class LogSink: Sendable {
    private let write: @Sendable (String) -> Void
    private let lock = Mutex(())

    public init(_ write: @escaping @Sendable (String) -> Void) {
        self.write = write
    }

    public static let standardError = LogSink { line in
        FileHandle.standardError.write(Data(line.utf8))
    }

    func write(_ line: String) {
        lock.withLock { _ in write(line) }
    }
}

extension Logger.Level {
    /// Prometheus exporters say "warn", not "warning".
    var prometheusName: String {
        switch self {
        case .trace: "trace"
        case .debug: "debug"
        case .info: "info"
        case .notice: "info"
        case .warning: "warn"
        case .error: "error"
        case .critical: "error"
        }
    }
}
