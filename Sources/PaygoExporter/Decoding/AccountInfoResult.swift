/// Reads the info endpoint's `result`: `{"covered": bool, "subscriptions": [{"id",
/// "billing_cycle_anchor_timestamp", "start_timestamp", "end_timestamp"?}]}`.
///
/// `covered` and each subscription's anchor are required, as they decide what is polled and
/// how periods are cut; unknown keys are ignored and nulls read as absent, as everywhere.
struct AccountInfoResult: EnvelopeResultReader {
    static var empty: AccountInfo { AccountInfo(covered: true, subscriptions: []) }

    mutating func read(_ scanner: inout JSONScanner, key: String) throws(AnswerDecodingError) -> Result<AccountInfo, AnswerDecodingError>? {
        let value = try scanner.value()
        switch value {
        case .null:
            return nil
        case .object:
            break
        default:
            try scanner.skipContents(of: value)
            return .failure(.invalidField(path: "$." + key, problem: "is not an object"))
        }
        var covered: Bool?
        // The object is read to its end before an error is returned, so the scanner is past it.
        var problem: AnswerDecodingError?
        var subscriptions: Result<[AccountInfo.Subscription], AnswerDecodingError>?
        var first = true
        while try scanner.hasNextElement(closing: UInt8(ascii: "}"), first: first) {
            first = false
            let (keyRange, escaped) = try scanner.key()
            switch scanner.string(keyRange, escaped: escaped) ?? "" {
            case "covered":
                let field = try scanner.value()
                try scanner.skipContents(of: field)
                switch field {
                case .bool(let flag): covered = flag
                case .null: covered = nil
                default: problem = .invalidField(path: "$.\(key).covered", problem: "is not a Bool")
                }
            case "subscriptions":
                subscriptions = try EnvelopeList.read(&scanner, key: "\(key).subscriptions", element: Self.readSubscription)
            default:
                try scanner.skipValue()
            }
        }
        if let problem { return .failure(problem) }
        guard let covered else { return .failure(.invalidField(path: "$.\(key).covered", problem: "is missing or null")) }
        switch subscriptions {
        case .failure(let error)?: return .failure(error)
        case .success(let list)?: return .success(AccountInfo(covered: covered, subscriptions: list))
        case nil: return .success(AccountInfo(covered: covered, subscriptions: []))
        }
    }

    private static let timeKeys: Set<String> = ["billing_cycle_anchor_timestamp", "start_timestamp", "end_timestamp"]

    private static func readSubscription(
        _ scanner: inout JSONScanner, path: ElementPath
    ) throws(AnswerDecodingError) -> AccountInfo.Subscription {
        let value = try scanner.value()
        guard case .object = value else {
            try scanner.skipContents(of: value)
            throw .invalidField(path: path.text(), problem: "is not an object")
        }
        var id = ""
        var times: [String: Double] = [:]
        var first = true
        while try scanner.hasNextElement(closing: UInt8(ascii: "}"), first: first) {
            first = false
            let (keyRange, escaped) = try scanner.key()
            let key = scanner.string(keyRange, escaped: escaped) ?? ""
            let field = try scanner.value()
            try scanner.skipContents(of: field)
            if key == "id", case .string(let range, let escaped) = field {
                id = scanner.string(range, escaped: escaped) ?? ""
                continue
            }
            guard Self.timeKeys.contains(key) else { continue }
            switch field {
            case .null:
                continue
            case .string(let range, let escaped):
                guard let time = scanner.string(range, escaped: escaped).flatMap(RFC3339Timestamp.parse) else {
                    throw .invalidField(path: path.text(field: key), problem: "is not an RFC 3339 time")
                }
                times[key] = time
            default:
                throw .invalidField(path: path.text(field: key), problem: "is not a String")
            }
        }
        guard let anchor = times["billing_cycle_anchor_timestamp"] else {
            throw .invalidField(path: path.text(field: "billing_cycle_anchor_timestamp"), problem: "is missing or null")
        }
        return AccountInfo.Subscription(id: id, billingCycleAnchor: anchor, start: times["start_timestamp"], end: times["end_timestamp"])
    }
}
