/// The `result` of `GET /accounts/{account_id}`: one account object, read as a listing's
/// element is (its id and name); nil when it is null or its id is not an account tag.
struct AccountResult: EnvelopeResultReader {
    private var fields = ListedAccountFields()

    static var empty: ListedAccount? { nil }

    mutating func read(
        _ scanner: inout JSONScanner, key: String
    ) throws(AnswerDecodingError) -> Result<ListedAccount?, AnswerDecodingError>? {
        .success(try fields.readElement(&scanner, path: ElementPath(list: key, index: 0)))
    }
}
