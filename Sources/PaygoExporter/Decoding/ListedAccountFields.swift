/// Reads one element of `GET /accounts`: its `id` (kept only when it is a valid account tag)
/// and `name`; everything else (`type`, `created_on`, `managed_by`) is skipped.
///
/// An element whose id is not a 32-character hex tag reads as nil rather than failing the
/// page: one odd entry should not hide every other account.
struct ListedAccountFields: EnvelopeElementReader {
    mutating func readElement(_ scanner: inout JSONScanner, path: ElementPath) throws(AnswerDecodingError) -> ListedAccount? {
        let value = try scanner.value()
        guard case .object = value else {
            try scanner.skipContents(of: value)
            return nil
        }
        var id: String?
        var name: String?
        var first = true
        while try scanner.hasNextElement(closing: UInt8(ascii: "}"), first: first) {
            first = false
            let (keyRange, escaped) = try scanner.key()
            let key = scanner.string(keyRange, escaped: escaped) ?? ""
            let field = try scanner.value()
            try scanner.skipContents(of: field)
            guard case .string(let range, let escaped) = field else { continue }
            switch key {
            case "id": id = scanner.string(range, escaped: escaped)
            case "name": name = scanner.string(range, escaped: escaped)
            default: break
            }
        }
        return id.flatMap(AccountID.init).map { ListedAccount(id: $0, name: name) }
    }
}
