import NIOCore
import NIOHTTP1

/// Keeps or closes a connection after each answer as its request and the answer ask, and
/// answers HTTP/1.0 requests in HTTP/1.0 (see `HTTP1KeepAlive`).
///
/// It sits on the HTTP/1 side of `HTTP1ToHTTPServerCodec`, which drops the request's version
/// and writes every answer as HTTP/1.1, so it applies to the router's answers and the fast
/// path's alike. Hummingbird itself only closes after a request whose `Connection` field is
/// exactly `close`.
final class HTTP1KeepAliveHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    private var state = HTTP1KeepAlive()

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let action =
            switch unwrapInboundIn(data) {
            case .head(let head): state.readHead(version: head.version, keepAlive: head.isKeepAlive)
            case .body: state.readBody()
            case .end: state.readEnd()
            }
        if action == .forward { context.fireChannelRead(data) }
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        // Such as Hummingbird's 400 for pipelined bytes after a request that asked to close.
        guard !state.isClosed else {
            promise?.fail(ChannelError.outputClosed)
            return
        }
        switch unwrapOutboundIn(data) {
        case .head(var head):
            let code = head.status.code
            // Most answers have no Connection field; only those pay for splitting it.
            let closes =
                head.headers.contains(name: "connection")
                && head.headers[canonicalForm: "connection"].contains { $0.lowercased() == "close" }
            let decision = state.writeHead(
                informational: (100..<200).contains(code) && code != 101, closes: closes,
                delimited: code == 204 || code == 304 || head.headers.contains(name: "content-length"))
            head.version = decision.version
            if let connection = decision.connection { head.headers.replaceOrAdd(name: "connection", value: connection) }
            context.write(wrapOutboundOut(.head(head)), promise: promise)
        case .body:
            context.write(data, promise: promise)
        case .end:
            let action = state.writeEnd()
            context.write(data, promise: promise)
            if action == .writeThenClose {
                context.flush()
                // The output side only: NIO shuts it once the answer has been written, and
                // anything the client still sends is read and dropped until it closes too
                // (or the head deadline runs out). Closing both sides at once would make the
                // kernel answer that data with a reset, which can destroy the answer in the
                // client's receive buffer.
                context.close(mode: .output, promise: nil)
            }
        }
    }
}
