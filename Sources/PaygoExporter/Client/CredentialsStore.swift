/// The credentials in force. With a token file, they are re-read on SIGHUP and whenever the
/// file changes (checked before each call), so a rotated token takes effect without a restart;
/// an unreadable or invalid new file keeps the old token and the log says why, never what.
public final class CredentialsStore: Sendable {
    private let file: ReloadableFile<CloudflareCredentials>

    /// - Parameter file: the credentials and where they reload from (a `ReloadableFile` whose
    ///   path is nil when they came from the environment).
    public init(_ file: ReloadableFile<CloudflareCredentials>) {
        self.file = file
    }

    /// Credentials that never reload (from the environment, or in tests).
    public convenience init(fixed credentials: CloudflareCredentials) {
        self.init(ReloadableFile(credentials, path: nil, subject: "API token", logger: .init(label: "credentials")) { _ in credentials })
    }

    /// The credentials to use now; picks up a changed token file first.
    public func current() -> CloudflareCredentials {
        file.currentReloadingIfChanged().value
    }

    /// Re-reads the token file, if there is one.
    public func reload(reason: String) {
        file.reload(reason: reason)
    }

    /// Whether the credentials come from a file (and so reload).
    public var reloads: Bool { file.path != nil }
}
