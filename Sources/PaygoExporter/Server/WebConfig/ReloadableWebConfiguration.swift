import Foundation
import Logging
import NIOSSL
import Synchronization

/// The `--web.config.file` in force, re-read on SIGHUP and when it or a file it names changes
/// (`WebConfigurationWatcher`), so that rotated certificates and changed users or headers take
/// effect without a restart.
///
/// A reload is all or nothing: a file that cannot be read or is wrong keeps everything as it was,
/// is logged, and shows as `cloudflare_paygo_web_config_last_reload_successful 0`. What reloads:
/// everything under `tls_server_config` (certificate, key, client CA, client auth, versions,
/// cipher suites, curves; for new connections), `basic_auth_users` and
/// `http_server_config.headers`. Turning TLS on or off needs a restart: it is logged and the
/// server keeps serving as it did.
final class ReloadableWebConfiguration: Sendable {
    /// nil when the settings did not come from a file: nothing to reload.
    let path: String?
    /// nil while basic auth cannot be in force: no users and no file to add them from.
    let authenticator: BasicAuthenticator?
    let extraHeaders: ExtraHeaders
    /// nil when the server speaks plain HTTP.
    let tls: ReloadableTLSContext?

    private struct State {
        /// The files that were current at the last load, and what they looked like just before it.
        var watched: [String]
        var fingerprint: FileFingerprint
        var lastReloadSuccessful = true
        var lastSuccess: Date
        var generation: UInt64 = 0
    }

    private let state: Mutex<State>
    /// Held for a whole reload: SIGHUP and the watcher may both ask at once.
    private let reloading = Mutex(())
    private let logger: Logger

    /// - Throws: when `settings.tls` cannot be turned into a context (settings from a file are
    ///   checked as they are loaded; this catches ones made in code).
    init(settings: WebServerSettings, logger: Logger) throws(ConfigurationError) {
        self.logger = logger
        path = settings.webConfigFile
        authenticator =
            settings.webConfigFile != nil || !settings.basicAuthUsers.isEmpty
            ? BasicAuthenticator(users: settings.basicAuthUsers) : nil
        extraHeaders = ExtraHeaders(settings.extraHeaders)
        if let configuration = settings.tls {
            do {
                tls = ReloadableTLSContext(try NIOSSLContext(configuration: configuration))
            } catch {
                throw ConfigurationError(
                    "the TLS settings could not be applied: \(error)", fix: "check tls_server_config in --web.config.file")
            }
        } else {
            tls = nil
        }
        let watched = Self.files(path: settings.webConfigFile, settings.webConfiguration)
        state = Mutex(State(watched: watched, fingerprint: FileFingerprint(watched), lastSuccess: Date()))
        for note in settings.webConfiguration?.notes ?? [] {
            logger.warning("web config setting has no effect", metadata: ["file": "\(settings.webConfigFile ?? "")", "note": "\(note)"])
        }
    }

    /// Re-reads the file and what it names, whether or not they changed.
    func reload(reason: String) {
        guard let path else { return }
        reloading.withLock { _ in reload(path: path, reason: reason) }
    }

    private func reload(path: String, reason: String) {
        // Taken before reading, so a change while reading is noticed at the next check.
        let (watched, fingerprint) = state.withLock { ($0.watched, FileFingerprint($0.watched)) }
        do {
            let configuration = try WebConfiguration.load(path: path)
            var restartNeeded: String?
            var context: NIOSSLContext?
            switch (configuration.tls, tls) {
            case (let settings?, _?): context = try settings.serverContext()
            case (_?, nil): restartNeeded = "tls_server_config was added, but the server listens in plain HTTP"
            case (nil, _?): restartNeeded = "tls_server_config was removed, but the server listens with TLS"
            case (nil, nil): break
            }
            // Applied only once everything is known to be good.
            if let context { tls?.replace(with: context) }
            authenticator?.update(users: configuration.basicAuthUsers)
            extraHeaders.replace(with: configuration.headers)
            let newWatched = Self.files(path: path, configuration)
            state.withLock { state in
                state.watched = newWatched
                state.fingerprint = newWatched == watched ? fingerprint : FileFingerprint(newWatched)
                state.lastReloadSuccessful = true
                state.lastSuccess = Date()
                state.generation += 1
            }
            logger.info(
                "reloaded web configuration",
                metadata: [
                    "file": "\(path)", "trigger": "\(reason)", "tls": "\(context != nil)",
                    "basic_auth_users": "\(configuration.basicAuthUsers.count)", "headers": "\(configuration.headers.count)",
                ])
            if let restartNeeded {
                logger.warning(
                    "web configuration change needs a restart; serving as before",
                    metadata: [
                        "file": "\(path)", "change": "\(restartNeeded)",
                    ])
            }
            for note in configuration.notes {
                logger.warning("web config setting has no effect", metadata: ["file": "\(path)", "note": "\(note)"])
            }
        } catch {
            state.withLock { state in
                state.fingerprint = fingerprint
                state.lastReloadSuccessful = false
                state.generation += 1
            }
            logger.error("kept the previous web configuration", metadata: ["file": "\(path)", "trigger": "\(reason)", "error": "\(error)"])
        }
    }

    /// Reloads when the file or one it names looks different from the last load (or the last
    /// failed try); true when it did.
    @discardableResult
    func reloadIfChanged() -> Bool {
        guard path != nil else { return false }
        let changed = state.withLock { FileFingerprint($0.watched) != $0.fingerprint }
        if changed { reload(reason: "file changed") }
        return changed
    }

    /// The outcome of the last load, for the metrics.
    var reloadState: (generation: UInt64, successful: Bool, lastSuccess: Date) {
        state.withLock { ($0.generation, $0.lastReloadSuccessful, $0.lastSuccess) }
    }

    /// The standalone metric sources: the reload gauges (when there is a file) and the
    /// authenticator's counts (when basic auth can be in force).
    var metricSources: [any MetricSource] {
        (path == nil ? [] : [self]) + (authenticator.map { [$0] } ?? [])
    }

    private static func files(path: String?, _ configuration: WebConfiguration?) -> [String] {
        guard let path else { return [] }
        return [path] + (configuration?.tls?.files ?? [])
    }
}
