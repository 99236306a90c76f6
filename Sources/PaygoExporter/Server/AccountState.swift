/// How an account stands, in the words the landing page uses, ordered as the summary sorts
/// by state: what needs attention first.
enum AccountState: Int, Sendable, Comparable, CaseIterable {
    /// The last refresh failed.
    case down
    /// No refresh has finished yet.
    case pending
    /// The last refresh succeeded.
    case up
    /// Not a PayGo account this API reports on: nothing to fix, and never counted as an error.
    case notCovered

    init(_ snapshot: AccountSnapshot) {
        if snapshot.covered == false {
            self = .notCovered
            return
        }
        switch snapshot.health.up {
        case nil: self = .pending
        case true?: self = .up
        case false?: self = .down
        }
    }

    /// The word shown, also the CSS class of its badge (with spaces as dashes).
    var label: String {
        switch self {
        case .down: "down"
        case .pending: "pending"
        case .up: "up"
        case .notCovered: "not covered"
        }
    }

    var cssClass: String {
        self == .notCovered ? "not-covered" : label
    }

    static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }
}
