import NIOCore

extension ChannelHandlerContext {
    /// Writes `data` and calls `written` on the event loop once it has been written to the
    /// socket, or has failed. Reuses the caller's promise when there is one.
    func write(_ data: NIOAny, promise: EventLoopPromise<Void>?, then written: @escaping () -> Void) {
        let promise = promise ?? eventLoop.makePromise()
        promise.futureResult.assumeIsolated().whenComplete { _ in written() }
        write(data, promise: promise)
    }
}
