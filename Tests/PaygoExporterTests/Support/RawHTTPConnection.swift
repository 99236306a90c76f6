import Foundation

/// A plain TCP connection to a loopback port, for requests no HTTP client would send:
/// trickled headers, oversized heads, odd methods.
final class RawHTTPConnection: @unchecked Sendable { // one test task uses it at a time; the descriptor is only read
    private let descriptor: Int32

    init(port: Int, receiveTimeout: Double = 5) throws {
        guard let descriptor = LoopbackSocket.connect(port: port) else { throw TestFailure("cannot connect to port \(port)") }
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
        await withCheckedContinuation { continuation in
            Thread.detachNewThread { continuation.resume(returning: self.receiveAllBlocking()) }
        }
    }

    private func receiveAllBlocking() -> String {
        var data: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = read(descriptor, &buffer, buffer.count)
            if count <= 0 { break }
            data.append(contentsOf: buffer[0..<count])
        }
        return String(decoding: data, as: UTF8.self)
    }
}
