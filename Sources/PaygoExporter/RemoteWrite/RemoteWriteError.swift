/// A remote-write request that did not land, explained for the operator: which receiver, what
/// it answered, whether it was retried, and what to change.
public struct RemoteWriteError: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Cause: Sendable, Hashable {
        /// A 4xx other than 429, or a redirect: the same request would get the same answer, so
        /// it is not retried.
        case refused(status: Int)
        /// 5xx, 429 or no answer, every attempt.
        case exhausted(attempts: Int, lastStatus: Int?)
        case cancelled
    }

    public let cause: Cause
    /// As `RemoteWriteConfiguration.receiver` shows it (no query, no credentials).
    public let receiver: String
    /// The receiver's own words (its body, one line, shortened), or the transport error.
    public let message: String
    public let fix: String

    public var description: String {
        let quoted = message.isEmpty ? "" : ": \"\(message)\""
        switch cause {
        case .refused(let status):
            return "\(receiver) refused the samples with HTTP \(status)\(quoted) (not retried: it would answer the same); \(fix)"
        case .exhausted(let attempts, let status?):
            return "\(receiver) answered HTTP \(status)\(quoted) to all \(attempts) attempts; \(fix)"
        case .exhausted(let attempts, nil):
            return "\(receiver) could not be reached in \(attempts) attempts\(quoted); \(fix)"
        case .cancelled:
            return "sending to \(receiver) was interrupted"
        }
    }

    /// At most this much of a receiver's answer goes into a message.
    static let maxMessageBytes = 300

    /// A body as one printable line, cut to `maxMessageBytes`: receivers' answers are untrusted
    /// and go to a terminal or a log.
    static func message(from body: [UInt8]) -> String {
        var line = String(decoding: body.prefix(maxMessageBytes * 4), as: UTF8.self)
            .unicodeScalars.map { $0.properties.generalCategory == .control ? " " : String($0) }.joined()
            .split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ")
        if line.utf8.count > maxMessageBytes {
            line = String(line.prefix(maxMessageBytes)) + "…"
        }
        return line
    }

    /// The usual fix for what a receiver refused, from its status and message. Prometheus,
    /// Mimir, Cortex, Thanos and VictoriaMetrics word the common refusals alike.
    static func fix(status: Int, message: String) -> String {
        let text = message.lowercased()
        if ["out of order", "out-of-order", "out of bounds", "too old", "too-old", "too far in the past"].contains(where: {
            text.contains($0)
        }) {
            return "the store refuses samples this old: give it an out-of-order window longer than the history "
                + "(Prometheus: storage.tsdb.out_of_order_time_window in the config file; Mimir and Cortex: out_of_order_time_window; "
                + "Thanos Receive: --tsdb.out-of-order.time-window), or write a file with --output for promtool instead"
        }
        if text.contains("duplicate sample") || text.contains("new value for") {
            return "the store already holds other values at these timestamps (the API's numbers changed since they were "
                + "backfilled): delete those series from the store first, or backfill only days it does not hold"
        }
        if text.contains("remote write receiver") || text.contains("remote-write-receiver") {
            return "start Prometheus with --web.enable-remote-write-receiver (Prometheus 2.33 or later)"
        }
        if text.contains("org id") || text.contains("tenant") {
            return "the store is multi-tenant: name the tenant with --remote-write.header X-Scope-OrgID=TENANT"
        }
        switch status {
        case 300..<400:
            return "the URL redirects, and backfill follows no redirect (the credentials would go along): give the address it redirects to"
        case 401, 403:
            return "the receiver refused the credentials: check --remote-write.bearer-token-file or --remote-write.basic-auth.*"
                + " (and, for Mimir or Cortex, the tenant in --remote-write.header X-Scope-OrgID=...)"
        case 404, 405:
            return "no remote-write receiver at this URL: Prometheus and VictoriaMetrics take /api/v1/write, "
                + "Mimir and Cortex /api/v1/push, Thanos Receive /api/v1/receive"
        case 413:
            return "the request is larger than the receiver takes: lower --remote-write.max-samples-per-send"
        default:
            return "the receiver's message says what it refused; fix that on its side, then resume"
        }
    }
}
