import Foundation

/// A plain TCP connection to a loopback port, for requests no HTTP client would send:
/// trickled headers, oversized heads, odd methods.
final class RawHTTPConnection: @unchecked Sendable {  // one test task uses it at a time; the descriptor is only read
    private let descriptor: Int32
    /// Bytes read past the end of the last answer `receiveAnswer` returned (a pipelined next one).
    private var leftover: [UInt8] = []

    /// - Parameter receiveBufferSize: the socket's receive buffer, set before connecting so the
    ///   TCP window stays that small (a slow reader then really holds the server back).
    init(port: Int, receiveTimeout: Double = 5, receiveBufferSize: Int? = nil) throws {
        guard let descriptor = LoopbackSocket.connect(port: port, receiveBufferSize: receiveBufferSize) else {
            throw TestFailure("cannot connect to port \(port)")
        }
        self.descriptor = descriptor
        var timeout = timeval(tv_sec: Int(receiveTimeout), tv_usec: Int((receiveTimeout - Double(Int(receiveTimeout))) * 1_000_000))
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        signal(SIGPIPE, SIG_IGN)
    }

    deinit { close(descriptor) }

    /// False once the peer has closed the connection.
    @discardableResult
    func send(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        return bytes.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) } == bytes.count
    }

    /// Everything the server sends until it closes the connection or goes quiet. Blocking
    /// reads run on their own thread: on the cooperative pool they would starve the in-process
    /// exporter that is meant to answer.
    func receiveAll() async -> String {
        let received = await receiveUntilClosed()
        return String(decoding: received.bytes, as: UTF8.self)
    }

    /// Everything the server sends, and whether it then closed the connection (true) or only
    /// went quiet for the receive timeout (false).
    func receiveUntilClosed() async -> (bytes: [UInt8], closed: Bool) {
        await offThePool {
            var data = self.leftover
            self.leftover = []
            var buffer = [UInt8](repeating: 0, count: 65_536)
            while true {
                let count = read(self.descriptor, &buffer, buffer.count)
                if count == 0 { return (data, true) }
                if count < 0 { return (data, errno == ECONNRESET) }
                data.append(contentsOf: buffer[0..<count])
            }
        }
    }

    /// Reads one answer: its head, then exactly as many body bytes as its Content-Length says
    /// (none for `HEAD`), `chunk` bytes at a time with `pause` between reads. Nil head when the
    /// connection closed or went quiet before a whole head arrived; a body shorter than the
    /// Content-Length means the connection ended early.
    func receiveAnswer(bodyExpected: Bool = true, chunk: Int = 65_536, pause: Duration = .zero) async -> RawHTTPAnswer? {
        await offThePool {
            var data = self.leftover
            self.leftover = []
            var buffer = [UInt8](repeating: 0, count: chunk)
            func readMore() -> Bool {
                if pause > .zero { usleep(UInt32(pause / .microseconds(1))) }
                let count = read(self.descriptor, &buffer, buffer.count)
                guard count > 0 else { return false }
                data.append(contentsOf: buffer[0..<count])
                return true
            }
            let separator = Array("\r\n\r\n".utf8)
            var headEnd: Int?
            while headEnd == nil {
                headEnd = data.firstRange(of: separator)?.upperBound
                if headEnd == nil, !readMore() { return nil }
            }
            guard let headEnd else { return nil }
            var answer = RawHTTPAnswer(head: String(decoding: data[..<headEnd], as: UTF8.self))
            let length = bodyExpected ? (answer.header("content-length").flatMap { Int($0) } ?? 0) : 0
            var complete = true
            while data.count - headEnd < length {
                if !readMore() {
                    complete = false
                    break
                }
            }
            let bodyEnd = min(data.count, headEnd + length)
            answer.body = Array(data[headEnd..<bodyEnd])
            answer.complete = complete
            self.leftover = Array(data[bodyEnd...])
            return answer
        }
    }

    private func offThePool<T: Sendable>(_ work: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            Thread.detachNewThread { continuation.resume(returning: work()) }
        }
    }
}

/// One HTTP/1.x answer as it came off the wire.
struct RawHTTPAnswer: Sendable {
    /// Status line and header lines, with the blank line that ends them.
    let head: String
    var body: [UInt8] = []
    /// False when the connection ended before the whole Content-Length arrived.
    var complete = true

    init(head: String) {
        self.head = head
    }

    var statusLine: String { head.components(separatedBy: "\r\n").first ?? "" }

    /// Every value of a header field, by case-insensitive name, in order.
    func headers(_ name: String) -> [String] {
        head.components(separatedBy: "\r\n").dropFirst().compactMap { line in
            guard let colon = line.firstIndex(of: ":"), line[..<colon].lowercased() == name.lowercased() else { return nil }
            return line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
    }

    func header(_ name: String) -> String? { headers(name).first }
}
