import NIOCore
import NIOHTTPTypes

/// Closes a connection that has not delivered a complete request head within the deadline,
/// counted from the connection's start or the end of its previous request. An idle timeout
/// alone does not stop a client that trickles one header byte at a time (slowloris).
final class RequestHeadDeadlineHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart

    private let timeout: TimeAmount
    /// When the connection is closed unless a request head arrives first; nil while a
    /// request is being read or answered.
    private var deadline: NIODeadline?
    /// At most one timer per connection, left running across requests: cancelling and
    /// scheduling one for every request cost more than the rest of a cached scrape.
    private var timer: Scheduled<Void>?

    init(deadline: TimeAmount) {
        timeout = deadline
    }

    func handlerAdded(context: ChannelHandlerContext) {
        arm(context)
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        timer?.cancel()
        timer = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head:
            deadline = nil
        case .end:
            arm(context)
        case .body:
            break
        }
        context.fireChannelRead(data)
    }

    private func arm(_ context: ChannelHandlerContext) {
        deadline = .now() + timeout
        if timer == nil { schedule(context) }
    }

    private func schedule(_ context: ChannelHandlerContext) {
        guard let deadline else { return }
        let channel = context.channel
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        timer = context.eventLoop.scheduleTask(deadline: deadline) {
            let (handler, context) = loopBound.value
            handler.timer = nil
            guard let deadline = handler.deadline else { return }
            if deadline <= .now() {
                channel.close(promise: nil)
            } else {
                handler.schedule(context)
            }
        }
    }
}
