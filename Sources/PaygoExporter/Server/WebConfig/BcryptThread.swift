import NIOPosix

/// The one thread bcrypt runs on, so that a check, which takes tens of milliseconds by design,
/// never occupies an event loop or a thread of the Swift concurrency pool (two on a two-core
/// machine, where every other task would wait behind it).
final class BcryptThread: Sendable {
    private let pool = NIOThreadPool(numberOfThreads: 1)

    init() {
        pool.start()
    }

    deinit {
        pool.shutdownGracefully { _ in }
    }

    /// Runs `body` on the thread after everything queued before it; nil once the thread stopped.
    func run<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T? {
        try? await pool.runIfActive(body)
    }
}
