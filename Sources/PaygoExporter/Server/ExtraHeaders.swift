import Synchronization

/// The web config's `http_server_config.headers`, added to every answer and replaced whole when
/// the web config is reloaded.
final class ExtraHeaders: Sendable, ExpressibleByArrayLiteral {
    private let headers: Mutex<[(name: String, value: String)]>

    init(_ headers: [(name: String, value: String)]) {
        self.headers = Mutex(headers)
    }

    convenience init(arrayLiteral elements: (name: String, value: String)...) {
        self.init(elements)
    }

    var current: [(name: String, value: String)] {
        headers.withLock { $0 }
    }

    func replace(with headers: [(name: String, value: String)]) {
        self.headers.withLock { $0 = headers }
    }
}
