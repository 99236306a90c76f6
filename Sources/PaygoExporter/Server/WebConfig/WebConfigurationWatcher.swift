import ServiceLifecycle

/// Looks at `--web.config.file` and the certificate files it names every `interval`, and reloads
/// when one changed: cert-manager and Kubernetes secret volumes replace certificates in place
/// and send no signal.
struct WebConfigurationWatcher: Service {
    let configuration: ReloadableWebConfiguration
    let interval: Duration
    let clock: any ExporterClock

    func run() async throws {
        await cancelWhenGracefulShutdown {
            while true {
                do {
                    try await clock.sleep(for: interval)
                } catch {
                    return  // cancelled: shutting down
                }
                configuration.reloadIfChanged()
            }
        }
    }
}
