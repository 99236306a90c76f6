import Logging
import ServiceLifecycle
import UnixSignals

/// Re-reads the token, budget and web config files on SIGHUP, the way Prometheus tools reload their
/// configuration.
struct ReloadOnHangup: Service {
    /// Each called with the trigger's name; they never throw (a bad file keeps the old value).
    let reloads: [@Sendable (String) -> Void]
    let logger: Logger

    func run() async throws {
        let hangups = await UnixSignalsSequence(trapping: [.sighup])
        await cancelWhenGracefulShutdown {
            for await _ in hangups {
                if reloads.isEmpty {
                    logger.info("SIGHUP: nothing to reload (no --cloudflare.api-token-file, --budget.config-file or --web.config.file)")
                }
                for reload in reloads { reload("SIGHUP") }
            }
        }
    }
}
