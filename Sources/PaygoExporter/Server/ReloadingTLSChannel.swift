import HummingbirdCore
import Logging
import NIOCore
import NIOSSL

/// Hummingbird's `TLSChannel`, but each connection takes the TLS context in force when it is
/// accepted, so that a reloaded certificate (or any other TLS setting) applies to the next
/// handshake without a restart. `TLSChannel` fixes one context for the life of the server.
struct ReloadingTLSChannel<BaseChannel: ServerChildChannel>: ServerChildChannel {
    typealias Value = BaseChannel.Value

    let base: BaseChannel
    let context: ReloadableTLSContext

    /// A TLS server over the channel `base` builds for each responder.
    static func builder(
        context: ReloadableTLSContext, base: @escaping @Sendable (@escaping HTTPChannelHandler.Responder) -> BaseChannel
    ) -> HTTPServerBuilder {
        HTTPServerBuilder { responder in
            ReloadingTLSChannel(base: base(responder), context: context)
        }
    }

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        let context = context.current
        return channel.eventLoop.makeCompletedFuture {
            try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: context))
        }.flatMap {
            base.setup(channel: channel, logger: logger)
        }
    }

    func handle(value: BaseChannel.Value, logger: Logger) async {
        await base.handle(value: value, logger: logger)
    }
}

extension ReloadingTLSChannel: HTTPChannelHandler where BaseChannel: HTTPChannelHandler {
    var responder: HTTPChannelHandler.Responder {
        base.responder
    }
}
