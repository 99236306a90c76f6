/// Requests read on a connection whose answers have not been written to the end: what tells a
/// busy connection from an idle one, for the handlers that act on that (the request-head
/// deadline, the connection cap).
struct OutstandingAnswers {
    private(set) var count = 0

    /// A request head was read; true when the connection was idle until now.
    mutating func requestRead() -> Bool {
        count += 1
        return count == 1
    }

    /// An answer's end has been written; true when no answer is outstanding any more.
    mutating func answerWritten() -> Bool {
        count = max(0, count - 1)
        return count == 0
    }
}
