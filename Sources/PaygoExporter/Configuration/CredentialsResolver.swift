import Foundation

/// Finds the credentials: a token file, `CLOUDFLARE_API_TOKEN`, or the legacy
/// `CLOUDFLARE_API_EMAIL` + `CLOUDFLARE_API_KEY`. Secrets never come from a plain flag value,
/// which would show in `ps` and shell history.
public enum CredentialsResolver {
    /// - Parameter flag: where `tokenFile` was named, for the error.
    public static func resolve(
        tokenFile: String?, environment: [String: String], flag: String = "--cloudflare.api-token-file"
    ) throws(ConfigurationError) -> CloudflareCredentials {
        if let tokenFile {
            let token = try readSecret(tokenFile, flag: flag, holding: "the API token")
            try check(token, source: "the token in \(tokenFile) (\(flag))")
            return .apiToken(token)
        }
        if let token = environment["CLOUDFLARE_API_TOKEN"]?.trimmingCharacters(in: .whitespacesAndNewlines), !token.isEmpty {
            try check(token, source: "CLOUDFLARE_API_TOKEN")
            return .apiToken(token)
        }
        let email = environment["CLOUDFLARE_API_EMAIL"]?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        let key = environment["CLOUDFLARE_API_KEY"]?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        if !email.isEmpty || !key.isEmpty {
            guard !email.isEmpty, !key.isEmpty else {
                throw ConfigurationError(
                    "only one of CLOUDFLARE_API_EMAIL and CLOUDFLARE_API_KEY is set",
                    fix: "set both for the legacy global API key, or better, set CLOUDFLARE_API_TOKEN to a token with \"Billing Read\"")
            }
            try check(email, source: "CLOUDFLARE_API_EMAIL")
            try check(key, source: "CLOUDFLARE_API_KEY")
            return .globalKey(email: email, key: key)
        }
        throw ConfigurationError(
            "no Cloudflare credentials",
            fix:
                "set CLOUDFLARE_API_TOKEN or --cloudflare.api-token-file to an API token with the \"Billing Read\" permission, or run with --demo"
        )
    }

    /// The legacy global API key read from `keyFile`, for the account email `email`
    /// (`--config.file`'s api_email_env with api_key_file).
    public static func resolveGlobalKey(email: String, keyFile: String, field: String) throws(ConfigurationError) -> CloudflareCredentials {
        let key = try readSecret(keyFile, flag: field, holding: "the global API key")
        try check(email, source: "the email of \(field)")
        try check(key, source: "the key in \(keyFile) (\(field))")
        return .globalKey(email: email, key: key)
    }

    /// A token taken from the environment variable `source` names (`--config.file`'s
    /// api_token_env), checked as a token file's is.
    static func resolve(token: String, source: String) throws(ConfigurationError) -> CloudflareCredentials {
        try check(token, source: source)
        return .apiToken(token)
    }

    private static func readSecret(_ path: String, flag: String, holding what: String) throws(ConfigurationError) -> String {
        do {
            return try String(contentsOfFile: path, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        } catch {
            throw ConfigurationError(
                "cannot read \(flag) \(path)", fix: "check that the file exists, is readable by this user and holds \(what) as UTF-8 text")
        }
    }

    /// A header value must be one line of visible ASCII; says which source is wrong, not what it holds.
    private static func check(_ secret: String, source: String) throws(ConfigurationError) {
        guard !secret.isEmpty else {
            throw ConfigurationError("\(source) is empty", fix: "put the API token in it")
        }
        guard secret.utf8.allSatisfy({ (0x21...0x7E).contains($0) }) else {
            throw ConfigurationError(
                "\(source) holds spaces, control or non-ASCII characters",
                fix: "it must be the credential alone, on one line, as Cloudflare shows it")
        }
    }
}
