/// One account of `GET /accounts`: what discovery needs of it.
public struct ListedAccount: Sendable, Hashable {
    public var id: AccountID
    /// The account's name; nil where the list gives none.
    public var name: String?

    public init(id: AccountID, name: String?) {
        self.id = id
        self.name = name
    }
}
