import Logging
import Synchronization

/// The credentials in force. With a token file, they are re-read on SIGHUP and whenever the
/// file changes (checked before each call), so a rotated token takes effect without a restart;
/// an unreadable or invalid new file keeps the old token and the log says why, never what. A
/// reloaded `--config.file` may name another source: `replace(with:)`.
public final class CredentialsStore: Sendable {
    private let file: Mutex<ReloadableFile<CloudflareCredentials>>

    /// - Parameter file: the credentials and where they reload from (a `ReloadableFile` whose
    ///   path is nil when they came from the environment).
    public init(_ file: ReloadableFile<CloudflareCredentials>) {
        self.file = Mutex(file)
    }

    /// Credentials that never reload (from the environment, or in tests).
    public convenience init(fixed credentials: CloudflareCredentials) {
        self.init(ReloadableFile(credentials, path: nil, subject: "API token", logger: .init(label: "credentials")) { _ in credentials })
    }

    /// The credentials `configuration` was loaded with, reloading from its token or key file.
    public convenience init(for configuration: CloudflareAPIConfiguration, logger: Logger) {
        self.init(Self.file(for: configuration, logger: logger))
    }

    /// The credentials to use now; picks up a changed token file first.
    public func current() -> CloudflareCredentials {
        file.withLock { $0 }.currentReloadingIfChanged().value
    }

    /// Re-reads the token file, if there is one.
    public func reload(reason: String) {
        file.withLock { $0 }.reload(reason: reason)
    }

    /// Another source for the credentials (a reloaded `--config.file` names another token file
    /// or variable): the next call uses it.
    public func replace(with configuration: CloudflareAPIConfiguration, logger: Logger) {
        let replacement = Self.file(for: configuration, logger: logger)
        file.withLock { $0 = replacement }
    }

    private static func file(for configuration: CloudflareAPIConfiguration, logger: Logger) -> ReloadableFile<CloudflareCredentials> {
        ReloadableFile(
            configuration.credentials, path: configuration.tokenFile,
            subject: configuration.globalKeyEmail == nil ? "API token" : "global API key", logger: logger
        ) { path in
            if let email = configuration.globalKeyEmail {
                return try CredentialsResolver.resolveGlobalKey(email: email, keyFile: path, field: "api_key_file")
            }
            return try CredentialsResolver.resolve(tokenFile: path, environment: [:])
        }
    }
}
