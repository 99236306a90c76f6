/// Turns a response body into an `APIAnswer`: the envelope every v4 endpoint shares, with the
/// endpoint's `result` read by its `Reader`.
///
/// Accepts both key spellings (lower case on the wire, capitalised from some proxies; lower
/// case wins when both are set), ignores unknown keys, reads a null as absent, lets the last of
/// a repeated key count, and rejects a malformed answer as a whole rather than half-using it.
///
/// One pass over the bytes with `JSONScanner`, converting only what the reader keeps: answers
/// run to megabytes, and a tree-building decoder spent most of a refresh allocating values it
/// then dropped (see docs/performance.md).
struct EnvelopeDecoder<Reader: EnvelopeResultReader>: Sendable {
    private let reader: Reader

    init(_ reader: Reader) {
        self.reader = reader
    }

    func decode(_ body: some Collection<UInt8>) throws(AnswerDecodingError) -> APIAnswer<Reader.Value> {
        let result =
            body.withContiguousStorageIfAvailable { decode(UnsafeRawBufferPointer($0)) }
            ?? Array(body).withUnsafeBytes { decode($0) }
        return try result.get()
    }

    private func decode(_ bytes: UnsafeRawBufferPointer) -> Result<APIAnswer<Reader.Value>, AnswerDecodingError> {
        var scanner = JSONScanner(bytes)
        var reader = reader
        return Result { () throws(AnswerDecodingError) in
            let top = try scanner.value()
            guard case .object = top else {
                try scanner.skipContents(of: top)
                try scanner.expectEnd()
                throw .notJSON("the top level is not an object")
            }
            var envelope = Envelope<Reader>()
            try envelope.read(&scanner, reader: &reader)
            try scanner.expectEnd()
            return try envelope.answer()
        }
    }
}

/// Where a list element sits; spelled out only when an error names it, as building the text
/// for every element would cost more than reading it.
struct ElementPath {
    let list: String
    let index: Int

    func text(field: String? = nil) -> String {
        "$.\(list)[\(index)]" + (field.map { "." + $0 } ?? "")
    }
}

/// The envelope's keys as read, both spellings kept until the end decides which one counts.
private struct Envelope<Reader: EnvelopeResultReader> {
    /// Non-null values by spelling; nulls are not kept, as a null reads as absent.
    private var success: [String: JSONScanner.Value] = [:]
    private var errors: [String: Result<[APIMessage], AnswerDecodingError>] = [:]
    private var results: [String: Result<Reader.Value, AnswerDecodingError>] = [:]
    private var resultInfo: ResultInfo?

    mutating func read(_ scanner: inout JSONScanner, reader: inout Reader) throws(AnswerDecodingError) {
        var first = true
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
                errors[key] = try EnvelopeList.read(&scanner, key: key, element: Self.readMessage)
            case "result", "Result":
                results[key] = try reader.read(&scanner, key: key)
            case "result_info":
                resultInfo = try Self.readResultInfo(&scanner)
            default:
                try scanner.skipValue()
            }
        }
    }

    func answer() throws(AnswerDecodingError) -> APIAnswer<Reader.Value> {
        guard let (successKey, successValue) = Self.firstSet(["success", "Success"], in: success) else { throw Self.missing("success") }
        guard case .bool(let isSuccess) = successValue else {
            throw .invalidField(path: "$." + successKey, problem: "is not a Bool")
        }
        let messages = try Self.firstSet(["errors", "Errors"], in: errors)?.value.get() ?? []
        let result: Reader.Value
        if let found = Self.firstSet(["result", "Result"], in: results) {
            result = try found.value.get()
        } else if isSuccess {
            throw Self.missing("result")
        } else {
            result = Reader.empty
        }
        return APIAnswer(success: isSuccess, errors: messages, result: result, resultInfo: resultInfo)
    }

    /// `result_info`, leniently: it only steers paging, which is bounded on its own.
    private static func readResultInfo(_ scanner: inout JSONScanner) throws(AnswerDecodingError) -> ResultInfo? {
        let value = try scanner.value()
        guard case .object = value else {
            try scanner.skipContents(of: value)
            return nil
        }
        var numbers: [String: Int] = [:]
        var first = true
        while try scanner.hasNextElement(closing: UInt8(ascii: "}"), first: first) {
            first = false
            let (keyRange, escaped) = try scanner.key()
            let key = scanner.string(keyRange, escaped: escaped) ?? ""
            let field = try scanner.value()
            try scanner.skipContents(of: field)
            if case .number(let range) = field, let number = scanner.double(range), number >= 0, number < 1e9,
                let whole = Int(exactly: number)
            {
                numbers[key] = whole
            }
        }
        return ResultInfo(page: numbers["page"], totalPages: numbers["total_pages"])
    }

    /// The first spelling present with a non-null value.
    private static func firstSet<Value>(_ spellings: [String], in values: [String: Value]) -> (key: String, value: Value)? {
        for spelling in spellings {
            if let value = values[spelling] { return (spelling, value) }
        }
        return nil
    }

    private static func missing(_ key: String) -> AnswerDecodingError {
        .invalidField(path: "$." + key, problem: "is missing or null")
    }

    /// One entry of `errors`: lenient, as it only ever explains a failure.
    private static func readMessage(_ scanner: inout JSONScanner, path: ElementPath) throws(AnswerDecodingError) -> APIMessage {
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

/// Lists in an envelope, element by element: `errors`, and `result` where it is a list.
enum EnvelopeList {
    /// A list under `key`: nil for null, the elements, or the first field error in it. A field
    /// error does not end the scan: the rest of the list is still checked as JSON, and the
    /// other spelling of the key may yet be the one that counts.
    static func read<Element>(
        _ scanner: inout JSONScanner, key: String,
        element: (inout JSONScanner, ElementPath) throws(AnswerDecodingError) -> Element
    ) throws(AnswerDecodingError) -> Result<[Element], AnswerDecodingError>? {
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
                elements.append(try element(&scanner, ElementPath(list: key, index: elements.count)))
            }
            return .success(elements)
        } catch  where error.isInvalidField {
            scanner.rewind(to: start)
            try scanner.skipValue()
            return .failure(error)
        }
    }
}
