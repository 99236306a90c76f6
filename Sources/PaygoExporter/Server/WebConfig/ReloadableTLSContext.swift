import NIOSSL
import Synchronization

/// The TLS context new connections get: certificate, key, client CA, versions, cipher suites
/// and curves. A reload swaps it whole; connections already open keep the one they began with.
final class ReloadableTLSContext: Sendable {
    private let context: Mutex<NIOSSLContext>

    init(_ context: NIOSSLContext) {
        self.context = Mutex(context)
    }

    /// Read once per accepted connection.
    var current: NIOSSLContext {
        context.withLock { $0 }
    }

    func replace(with context: NIOSSLContext) {
        self.context.withLock { $0 = context }
    }
}
