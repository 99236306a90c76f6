import NIOCore
import NIOHTTPTypes

/// Closes a connection that has not delivered a complete request head within the deadline,
/// counted from the connection's start or from the moment every request so far has been
/// answered, to the last byte. An idle timeout alone does not stop a client that trickles one
/// header byte at a time (slowloris), nor one that trickles a request body after its answer
/// was sent. Counted from when an answer was queued, it would cut a large answer to a slow
/// reader.
///
/// It sits nearer the socket than the router and the fast path, so it sees every answer end.
final class RequestHeadDeadlineHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private let timeout: TimeAmount
    /// When the connection is closed unless a request head arrives first; nil while a
    /// request is being read or answered.
    private var deadline: NIODeadline?
    /// Request heads read whose answers have not been written to the socket to the end.
    private var outstanding = OutstandingAnswers()
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
        if case .head = unwrapInboundIn(data) {
            _ = outstanding.requestRead()
            deadline = nil
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        guard case .end = unwrapOutboundIn(data) else {
            context.write(data, promise: promise)
            return
        }
        context.write(data, promise: promise) { [self] in
            if outstanding.answerWritten() { arm(context) }
        }
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
