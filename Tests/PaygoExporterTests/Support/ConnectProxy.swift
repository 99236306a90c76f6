import Foundation
import Synchronization

/// A minimal HTTP CONNECT proxy on loopback, as corporate proxies behave for TLS targets:
/// it records each requested authority and tunnels every connection to `upstreamPort` on
/// 127.0.0.1, whatever host was asked for (test hosts like `*.invalid` never resolve).
final class ConnectProxy: Sendable {
    let port: Int
    private let listener: Int32
    private let authorities = Mutex<[String]>([])
    private let upstreamPort: Int

    var requestedAuthorities: [String] { authorities.withLock { $0 } }

    init(upstreamPort: Int) throws {
        self.upstreamPort = upstreamPort
        let socketDescriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(socketDescriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(socketDescriptor, 16) == 0 else { throw TestFailure("proxy could not listen") }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(socketDescriptor, $0, &length) }
        }
        listener = socketDescriptor
        port = Int(UInt16(bigEndian: address.sin_port))
        Thread.detachNewThread { [self] in acceptLoop() }
    }

    /// Stops accepting; open tunnels end when their peers close.
    func stop() {
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
    }

    private func acceptLoop() {
        while true {
            let client = accept(listener, nil, nil)
            guard client >= 0 else { return }
            Thread.detachNewThread { [self] in tunnel(client) }
        }
    }

    private func tunnel(_ client: Int32) {
        var head: [UInt8] = []
        var byte: UInt8 = 0
        while !head.ends(with: Array("\r\n\r\n".utf8)), head.count < 8_192, read(client, &byte, 1) == 1 {
            head.append(byte)
        }
        let requestLine = String(decoding: head, as: UTF8.self).split(separator: "\r\n").first ?? ""
        let parts = requestLine.split(separator: " ")
        guard parts.count == 3, parts[0] == "CONNECT" else {
            _ = "HTTP/1.1 405 Method Not Allowed\r\ncontent-length: 0\r\n\r\n".withCString { write(client, $0, strlen($0)) }
            close(client)
            return
        }
        authorities.withLock { $0.append(String(parts[1])) }
        guard let upstream = LoopbackSocket.connect(port: upstreamPort) else {
            close(client)
            return
        }
        _ = "HTTP/1.1 200 Connection established\r\n\r\n".withCString { write(client, $0, strlen($0)) }
        let done = DispatchGroup()
        for (from, to) in [(client, upstream), (upstream, client)] {
            done.enter()
            Thread.detachNewThread {
                var buffer = [UInt8](repeating: 0, count: 16_384)
                while true {
                    let count = read(from, &buffer, buffer.count)
                    if count <= 0 || write(to, buffer, count) != count { break }
                }
                shutdown(to, Int32(SHUT_WR))
                done.leave()
            }
        }
        done.wait()
        close(client)
        close(upstream)
    }
}

private extension Array where Element == UInt8 {
    func ends(with suffix: [UInt8]) -> Bool {
        count >= suffix.count && Array(self[(count - suffix.count)...]) == suffix
    }
}
