/// Turns a response body into a `PaygoAnswer`.
///
/// Accepts both key spellings (PascalCase on the wire, snake_case from SDKs and some proxies;
/// PascalCase wins when both are set), ignores unknown keys, reads null or missing optional
/// columns as absent, and checks dates and periods so a malformed answer is rejected as a whole
/// rather than half-used.
///
/// One pass over the bytes with `JSONScanner`, converting only the columns it keeps: answers
/// run to megabytes, and a tree-building decoder spent most of a refresh allocating values it
/// then dropped (see docs/performance.md).
public struct PaygoAnswerDecoder: Sendable {
    public init() {}

    public func decode(_ body: some Collection<UInt8>) throws(PaygoDecodingError) -> PaygoAnswer {
        let result = body.withContiguousStorageIfAvailable { Self.decode(UnsafeRawBufferPointer($0)) }
            ?? Array(body).withUnsafeBytes { Self.decode($0) }
        return try result.get()
    }

    private static func decode(_ bytes: UnsafeRawBufferPointer) -> Result<PaygoAnswer, PaygoDecodingError> {
        var scanner = JSONScanner(bytes)
        return Result { () throws(PaygoDecodingError) in
            let top = try scanner.value()
            guard case .object = top else {
                try scanner.skipContents(of: top)
                try scanner.expectEnd()
                throw .notJSON("the top level is not an object")
            }
            var envelope = Envelope()
            try envelope.read(&scanner)
            try scanner.expectEnd()
            return try envelope.answer()
        }
    }

    /// Where a list element sits; spelled out only when an error names it, as building the
    /// text for every record would cost more than reading it.
    struct ElementPath {
        let list: String
        let index: Int

        func text(field: String? = nil) -> String {
            "$.\(list)[\(index)]" + (field.map { "." + $0 } ?? "")
        }
    }
}

/// The envelope's keys as read, both spellings kept until the end decides which one counts.
private struct Envelope {
    /// Non-null values by spelling; nulls are not kept, as a null reads as absent.
    private var success: [String: JSONScanner.Value] = [:]
    private var errors: [String: Result<[PaygoAnswer.APIMessage], PaygoDecodingError>] = [:]
    private var results: [String: Result<[UsageRecord], PaygoDecodingError>] = [:]

    mutating func read(_ scanner: inout JSONScanner) throws(PaygoDecodingError) {
        var first = true
        var fields = UsageRecordFields()
        while try scanner.hasNextElement(closing: UInt8(ascii: "}"), first: first) {
            first = false
            let (keyRange, escaped) = try scanner.key()
            let key = scanner.string(keyRange, escaped: escaped) ?? ""
            switch key {
            case "success", "Success":
                let value = try scanner.value()
                try scanner.skipContents(of: value)
                // A repeated key counts at its last occurrence, a null one included (as in the lists).
                if case .null = value { success[key] = nil } else { success[key] = value }
            case "errors", "Errors":
                errors[key] = try Self.readList(&scanner, key: key, element: Self.readMessage)
            case "result", "Result":
                results[key] = try Self.readList(&scanner, key: key) { (scanner: inout JSONScanner, path: PaygoAnswerDecoder.ElementPath) throws(PaygoDecodingError) in
                    try fields.readRecord(&scanner, path: path)
                }
            default:
                try scanner.skipValue()
            }
        }
    }

    func answer() throws(PaygoDecodingError) -> PaygoAnswer {
        guard let (successKey, successValue) = Self.firstSet(["success", "Success"], in: success) else { throw Self.missing("success") }
        guard case .bool(let isSuccess) = successValue else {
            throw .invalidField(path: "$." + successKey, problem: "is not a Bool")
        }
        let messages = try Self.firstSet(["errors", "Errors"], in: errors)?.value.get() ?? []
        let records: [UsageRecord]
        if let list = Self.firstSet(["result", "Result"], in: results) {
            records = try list.value.get()
        } else if isSuccess {
            throw Self.missing("result")
        } else {
            records = []
        }
        return PaygoAnswer(success: isSuccess, errors: messages, records: records)
    }

    /// The first spelling present with a non-null value.
    private static func firstSet<Value>(_ spellings: [String], in values: [String: Value]) -> (key: String, value: Value)? {
        for spelling in spellings {
            if let value = values[spelling] { return (spelling, value) }
        }
        return nil
    }

    private static func missing(_ key: String) -> PaygoDecodingError {
        .invalidField(path: "$." + key, problem: "is missing or null")
    }

    /// A list under `key`: nil for null, the elements, or the first field error in it. A field
    /// error does not end the scan: the rest of the list is still checked as JSON, and the
    /// other spelling of the key may yet be the one that counts.
    private static func readList<Element>(
        _ scanner: inout JSONScanner, key: String,
        element: (inout JSONScanner, PaygoAnswerDecoder.ElementPath) throws(PaygoDecodingError) -> Element
    ) throws(PaygoDecodingError) -> Result<[Element], PaygoDecodingError>? {
        let start = scanner.position
        let value = try scanner.value()
        switch value {
        case .null:
            return nil
        case .array:
            break
        default:
            try scanner.skipContents(of: value)
            return .failure(.invalidField(path: "$." + key, problem: "is not a list"))
        }
        var elements: [Element] = []
        var first = true
        do {
            while try scanner.hasNextElement(closing: UInt8(ascii: "]"), first: first) {
                first = false
                elements.append(try element(&scanner, PaygoAnswerDecoder.ElementPath(list: key, index: elements.count)))
            }
            return .success(elements)
        } catch where error.isInvalidField {
            scanner.rewind(to: start)
            try scanner.skipValue()
            return .failure(error)
        }
    }

    /// One entry of `errors`: lenient, as it only ever explains a failure.
    private static func readMessage(_ scanner: inout JSONScanner, path: PaygoAnswerDecoder.ElementPath) throws(PaygoDecodingError) -> PaygoAnswer.APIMessage {
        let value = try scanner.value()
        guard case .object = value else {
            try scanner.skipContents(of: value)
            if case .null = value { return .init(code: nil, message: "") }
            throw .invalidField(path: path.text(), problem: "is not an object")
        }
        var code: [String: Int] = [:]
        var message: [String: String] = [:]
        var first = true
        while try scanner.hasNextElement(closing: UInt8(ascii: "}"), first: first) {
            first = false
            let (keyRange, escaped) = try scanner.key()
            let key = scanner.string(keyRange, escaped: escaped) ?? ""
            let field = try scanner.value()
            try scanner.skipContents(of: field)
            switch (key, field) {
            case ("code", .number(let range)), ("Code", .number(let range)):
                if let number = scanner.double(range), let integer = Int(exactly: number) { code[key] = integer }
            case ("message", .string(let range, let escaped)), ("Message", .string(let range, let escaped)):
                message[key] = scanner.string(range, escaped: escaped)
            default:
                break
            }
        }
        return .init(code: code["code"] ?? code["Code"], message: message["message"] ?? message["Message"] ?? "")
    }
}
