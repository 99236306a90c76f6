import Foundation

extension ProxySettings {
    /// The proxy for calls to `apiURL`: `HTTPS_PROXY` (https) or `HTTP_PROXY` (http), either
    /// case, unless `NO_PROXY` lists the host, a parent domain, or `*`.
    public static func from(environment: [String: String], apiURL: URL) throws(ConfigurationError) -> ProxySettings? {
        func variable(_ name: String) -> String? {
            let value = environment[name] ?? environment[name.lowercased()]
            return value?.isEmpty == false ? value : nil
        }
        guard let host = apiURL.host?.lowercased() else { return nil }
        let name = apiURL.scheme?.lowercased() == "https" ? "HTTPS_PROXY" : "HTTP_PROXY"
        guard let proxyText = variable(name) else { return nil }
        if let noProxy = variable("NO_PROXY") {
            for entry in noProxy.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces).lowercased() }) where !entry.isEmpty {
                let domain = entry.hasPrefix(".") ? String(entry.dropFirst()) : entry
                let bare = domain.split(separator: ":").first.map(String.init) ?? domain
                if entry == "*" || host == bare || host.hasSuffix("." + bare) { return nil }
            }
        }
        let withScheme = proxyText.contains("://") ? proxyText : "http://" + proxyText
        guard let url = URL(string: withScheme), let proxyHost = url.host, !proxyHost.isEmpty,
            ["http", "https"].contains(url.scheme?.lowercased() ?? "")
        else {
            throw ConfigurationError("\(name) is not a proxy URL", fix: "use e.g. http://proxy.example.com:3128")
        }
        // AsyncHTTPClient speaks to every proxy in plain HTTP (CONNECT, then TLS to the API
        // inside the tunnel): accepting https:// would promise a TLS hop that does not exist and
        // send a proxy password in clear.
        guard url.scheme?.lowercased() == "http" else {
            throw ConfigurationError(
                "\(name) asks for TLS to the proxy (https://), which the exporter cannot speak: it would talk to the proxy in "
                    + "plain HTTP and send any proxy password in clear",
                fix: "use an http:// proxy URL (calls to the API stay TLS inside the proxy's tunnel), or run without the proxy")
        }
        return ProxySettings(
            host: proxyHost, port: url.port ?? 80,
            user: url.user?.removingPercentEncoding, password: url.password?.removingPercentEncoding)
    }
}
