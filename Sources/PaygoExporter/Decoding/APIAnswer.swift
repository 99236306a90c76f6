/// A decoded Cloudflare v4 envelope: `success`, `errors` and the endpoint's `result`.
public struct APIAnswer<Value: Sendable>: Sendable {
    public var success: Bool
    public var errors: [APIMessage]
    /// The endpoint's result; its empty value for a failed answer that carried none.
    public var result: Value
    /// Paged answers' `result_info`; nil where the answer has none.
    public var resultInfo: ResultInfo?

    public init(success: Bool, errors: [APIMessage], result: Value, resultInfo: ResultInfo? = nil) {
        self.success = success
        self.errors = errors
        self.result = result
        self.resultInfo = resultInfo
    }
}

/// A paged answer's `result_info`: which page this is and how many there are. Numbers that
/// are not whole or out of range read as absent.
public struct ResultInfo: Sendable, Hashable {
    public var page: Int?
    public var totalPages: Int?

    public init(page: Int?, totalPages: Int?) {
        self.page = page
        self.totalPages = totalPages
    }
}

extension APIAnswer: Equatable where Value: Equatable {}
extension APIAnswer: Hashable where Value: Hashable {}

/// One entry of an envelope's `errors` or `messages` list.
public struct APIMessage: Sendable, Hashable {
    public var code: Int?
    public var message: String

    public init(code: Int?, message: String) {
        self.code = code
        self.message = message
    }
}

/// The usage endpoint's answer.
public typealias PaygoAnswer = APIAnswer<[UsageRecord]>

extension APIAnswer where Value == [UsageRecord] {
    /// Empty both for a valid answer with no usage yet and for a failed one; check `success`.
    public var records: [UsageRecord] { result }

    public init(success: Bool, errors: [APIMessage], records: [UsageRecord]) {
        self.init(success: success, errors: errors, result: records)
    }
}
