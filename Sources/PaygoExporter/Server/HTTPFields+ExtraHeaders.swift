import HTTPTypes

extension HTTPFields {
    /// Sets the web config's `http_server_config.headers`, replacing a field of the same name.
    mutating func setExtraHeaders(_ extraHeaders: [(name: String, value: String)]) {
        for (name, value) in extraHeaders {
            if let field = HTTPField.Name(name) { self[field] = value }
        }
    }

    /// Sets the extra headers in force now.
    mutating func setExtraHeaders(_ extraHeaders: ExtraHeaders) {
        setExtraHeaders(extraHeaders.current)
    }
}
