import Logging
import ServiceLifecycle
import UnixSignals

/// Re-reads the token file on SIGHUP, the way Prometheus tools reload their configuration.
struct ReloadOnHangup: Service {
    let credentials: CredentialsStore

    func run() async throws {
        let hangups = await UnixSignalsSequence(trapping: [.sighup])
        await cancelWhenGracefulShutdown {
            for await _ in hangups {
                credentials.reload(reason: "SIGHUP")
            }
        }
    }
}
