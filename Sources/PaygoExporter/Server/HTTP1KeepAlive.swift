import NIOHTTP1

/// Whether a connection stays open after each answer (RFC 9112 §9.3): a pure state machine,
/// driven by `HTTP1KeepAliveHandler`, returning what to do.
///
/// An HTTP/1.1 request keeps the connection unless its `Connection` field lists `close` (in
/// any case, among other tokens); an HTTP/1.0 one only when it lists `keep-alive`. An answer
/// that says `Connection: close` (413) also ends it, as does an HTTP/1.0 body without a
/// length, which only the close delimits. Requests that arrive after the last one are dropped
/// unread: nothing may be answered after a close was announced.
struct HTTP1KeepAlive {
    enum ReadAction: Equatable {
        case forward
        /// The connection is closing: the part is not read.
        case drop
    }

    /// How to write an answer's head.
    struct AnswerHead: Equatable {
        /// The request's version: HTTP/1.0 answers an HTTP/1.0 request, HTTP/1.1 all others.
        var version: HTTPVersion
        /// The `Connection` field to set, nil to leave the answer's as it is.
        var connection: String?
    }

    enum EndAction: Equatable {
        case write
        /// Write the end, then close once it has left (the output side first; see the handler).
        case writeThenClose
    }

    private struct Request {
        let version: HTTPVersion
        let keepAlive: Bool
    }

    private enum Reading {
        case open
        /// The request being read asked to close: its body and end still go on.
        case lastRequest
        /// Nothing more is read.
        case closing
    }

    /// Requests read whose answers' heads have not been written, oldest first.
    private var unanswered: [Request] = []
    private var reading = Reading.open
    /// Whether the answer being written is the connection's last.
    private var lastAnswer = false
    /// The last answer has been written: nothing more may be.
    private(set) var isClosed = false

    mutating func readHead(version: HTTPVersion, keepAlive: Bool) -> ReadAction {
        guard case .open = reading else { return .drop }
        unanswered.append(Request(version: version, keepAlive: keepAlive))
        if !keepAlive { reading = .lastRequest }
        return .forward
    }

    mutating func readBody() -> ReadAction {
        if case .closing = reading { .drop } else { .forward }
    }

    mutating func readEnd() -> ReadAction {
        switch reading {
        case .open: return .forward
        case .lastRequest:
            reading = .closing
            return .forward
        case .closing: return .drop
        }
    }

    /// - Parameters:
    ///   - informational: a 1xx head other than 101, which another head follows.
    ///   - closes: the answer's own `Connection` field lists `close`.
    ///   - delimited: the answer has a Content-Length, or no body at all.
    mutating func writeHead(informational: Bool, closes: Bool, delimited: Bool) -> AnswerHead {
        let request = informational ? unanswered.first : (unanswered.isEmpty ? nil : unanswered.removeFirst())
        // No request at all: an answer to a head that could not be parsed.
        let version: HTTPVersion = request.map { $0.version.major == 1 && $0.version.minor == 0 } == true ? .http1_0 : .http1_1
        if informational { return AnswerHead(version: version, connection: nil) }
        let keepAlive = request?.keepAlive == true && !closes && (version == .http1_1 || delimited)
        lastAnswer = !keepAlive
        if !keepAlive { return AnswerHead(version: version, connection: "close") }
        return AnswerHead(version: version, connection: version == .http1_0 ? "keep-alive" : nil)
    }

    mutating func writeEnd() -> EndAction {
        guard lastAnswer else { return .write }
        reading = .closing
        isClosed = true
        unanswered.removeAll()
        return .writeThenClose
    }
}
