import NIOCore
import NIOHTTPTypes

/// Reports its connection to `WebConnections`: when it opens (and closes it when refused),
/// busy from a request head until the last byte of the answers owed has been written, and
/// when it closes.
final class ConnectionCapHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private let connections: WebConnections
    private var id: ConnectionCap.ConnectionID?
    private var admitted = false
    /// Request heads read whose answers have not been written to the end.
    private var outstanding = OutstandingAnswers()

    init(connections: WebConnections) {
        self.connections = connections
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { admit(context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        // A refused connection is closed here: the handlers after this one never see it active.
        if admit(context) { context.fireChannelActive() }
    }

    func channelInactive(context: ChannelHandlerContext) {
        leave()
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        leave()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if case .head = unwrapInboundIn(data) {
            if outstanding.requestRead(), let id { connections.becameBusy(id) }
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        guard case .end = unwrapOutboundIn(data) else {
            context.write(data, promise: promise)
            return
        }
        // Idle only once the answer has left: an evicted connection must have nothing queued.
        context.write(data, promise: promise) { [self] in
            if outstanding.answerWritten(), let id { connections.becameIdle(id) }
        }
    }

    /// False when the connection was refused (and closed).
    @discardableResult
    private func admit(_ context: ChannelHandlerContext) -> Bool {
        guard !admitted else { return id != nil }
        admitted = true
        id = connections.open(context.channel)
        if id == nil { context.close(promise: nil) }
        return id != nil
    }

    private func leave() {
        if let id { connections.closed(id) }
        id = nil
    }
}
