import HTTPTypes

extension HTTPFields {
    /// Sets the web config's `http_server_config.headers`, replacing a field of the same name.
    /// A header configured with an empty value is left out rather than sent empty.
    mutating func setExtraHeaders(_ extraHeaders: [(name: String, value: String)]) {
        for (name, value) in extraHeaders where !value.isEmpty {
            if let field = HTTPField.Name(name) { self[field] = value }
        }
    }

    /// Sets the extra headers in force now.
    mutating func setExtraHeaders(_ extraHeaders: ExtraHeaders) {
        setExtraHeaders(extraHeaders.current)
    }
}
