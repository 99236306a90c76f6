import NIOCore

/// Holds every close of a connection's output until the bytes written before it have left, so
/// that no close (the head deadline's, Hummingbird's idle timeout and graceful shutdown, a
/// client's half-close) cuts an answer that is still being sent: NIO's own close drops
/// whatever is still queued.
///
/// A connection whose queued bytes have not moved for `stallTimeout`, with nothing new written,
/// is closed at once, whether a close waits or not: a client that stopped reading must not
/// keep its connection (and with it a place under `--web.max-connections`) for ever.
///
/// It sits nearest the socket (after TLS, when on), below the HTTP encoder.
final class DrainingCloseHandler: ChannelOutboundHandler, RemovableChannelHandler {
    typealias OutboundIn = IOData
    typealias OutboundOut = IOData

    private let stallTimeout: TimeAmount
    /// Closes waiting for the bytes before them to leave, in the order they came.
    private var held: [(mode: CloseMode, promise: EventLoopPromise<Void>?)] = []
    /// Runs while bytes are queued; at most one per connection.
    private var stallCheck: Scheduled<Void>?
    /// Bytes queued at the last check.
    private var queuedAtLastCheck = 0
    /// Whether anything was written since the last check (the queue may then have grown).
    private var wroteSinceCheck = false

    init(stallTimeout: TimeAmount) {
        self.stallTimeout = stallTimeout
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        stallCheck?.cancel()
        stallCheck = nil
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        wroteSinceCheck = true
        context.write(data, promise: promise)
    }

    func flush(context: ChannelHandlerContext) {
        context.flush()
        watch(context)
    }

    func close(context: ChannelHandlerContext, mode: CloseMode, promise: EventLoopPromise<Void>?) {
        if case .input = mode {
            context.close(mode: mode, promise: promise)
            return
        }
        held.append((mode, promise))
        // A drain is already under way; this close follows it.
        guard held.count == 1 else { return }
        // Writes complete in order: this empty one, once everything before it has been
        // written (or has failed with the channel).
        let drained = context.eventLoop.makePromise(of: Void.self)
        drained.futureResult.assumeIsolated().whenComplete { [self] _ in release(context) }
        context.writeAndFlush(wrapOutboundOut(.byteBuffer(ByteBuffer())), promise: drained)
        watch(context)
    }

    private func release(_ context: ChannelHandlerContext) {
        let closes = held
        held = []
        for close in closes {
            context.close(mode: close.mode, promise: close.promise)
        }
    }

    /// Starts checking for a stall if bytes are left queued and no check runs yet.
    private func watch(_ context: ChannelHandlerContext) {
        guard stallCheck == nil else { return }
        let queued = queuedBytes(context)
        guard queued > 0 else { return }
        queuedAtLastCheck = queued
        wroteSinceCheck = false
        scheduleStallCheck(context)
    }

    private func scheduleStallCheck(_ context: ChannelHandlerContext) {
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        stallCheck = context.eventLoop.scheduleTask(in: stallTimeout) {
            let (handler, context) = loopBound.value
            handler.stallCheck = nil
            let queued = handler.queuedBytes(context)
            guard queued > 0 else { return }
            if queued < handler.queuedAtLastCheck || handler.wroteSinceCheck {
                handler.queuedAtLastCheck = queued
                handler.wroteSinceCheck = false
                handler.scheduleStallCheck(context)
            } else {
                // Both sides at once, which drops what is queued (a held half-close would wait
                // for it for ever); the empty write then fails and releases the held closes.
                context.close(mode: .all, promise: nil)
            }
        }
    }

    /// 0 where the channel does not say.
    private func queuedBytes(_ context: ChannelHandlerContext) -> Int {
        (try? context.channel.syncOptions?.getOption(ChannelOptions.bufferedWritableBytes)) ?? 0
    }
}
