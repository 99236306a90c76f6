/// A decoded Cloudflare v4 envelope around a PayGo usage answer.
public struct PaygoAnswer: Sendable, Hashable {
    /// One entry of the envelope's `errors` or `messages` list.
    public struct APIMessage: Sendable, Hashable {
        public var code: Int?
        public var message: String

        public init(code: Int?, message: String) {
            self.code = code
            self.message = message
        }
    }

    public var success: Bool
    public var errors: [APIMessage]
    /// Empty both for a valid answer with no usage yet and for a failed one; check `success`.
    public var records: [UsageRecord]

    public init(success: Bool, errors: [APIMessage], records: [UsageRecord]) {
        self.success = success
        self.errors = errors
        self.records = records
    }
}
