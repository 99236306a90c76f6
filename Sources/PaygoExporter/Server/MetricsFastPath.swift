import HTTPTypes

/// Which requests on one connection the event loop answers itself and which go on to the
/// router: a pure state machine, driven by `MetricsFastPathHandler`, returning what to do.
///
/// HTTP/1.1 answers must leave in the order their requests came. A request the router is
/// still answering may be followed by a pipelined scrape; that scrape then goes to the router
/// too, behind it, rather than overtaking it.
struct MetricsFastPath {
    /// Whether a request head is one the fast path may answer (decided by the handler).
    enum Eligibility {
        case eligible
        case notEligible
    }

    enum ReadAction: Equatable {
        /// Pass the part on to the router.
        case forward
        /// Keep the part: it belongs to a request this state machine has taken.
        case hold
        /// The taken request has been read in full: answer it, or hand it back.
        case answer(HTTPRequest)
    }

    /// Requests passed to the router whose answers have not been written completely.
    private(set) var requestsWithRouter = 0
    /// A request taken by the fast path, waiting for its end.
    private var taken: HTTPRequest?
    /// Whether the body and end being read belong to a request that went to the router.
    private var forwardingRequest = false

    mutating func readHead(_ request: HTTPRequest, _ eligibility: Eligibility) -> ReadAction {
        if case .eligible = eligibility, requestsWithRouter == 0, taken == nil {
            taken = request
            forwardingRequest = false
            return .hold
        }
        requestsWithRouter += 1
        forwardingRequest = true
        return .forward
    }

    /// Eligible requests carry no body, so only a forwarded request's body arrives here.
    mutating func readBody() -> ReadAction {
        forwardingRequest || taken == nil ? .forward : .hold
    }

    mutating func readEnd() -> ReadAction {
        if !forwardingRequest, let request = taken {
            taken = nil
            return .answer(request)
        }
        forwardingRequest = false
        return .forward
    }

    /// The fast path could not answer the taken request (nothing fresh to send): its head and
    /// end go to the router after all.
    mutating func handBack() {
        requestsWithRouter += 1
    }

    /// The router finished writing an answer.
    mutating func routerWroteEnd() {
        requestsWithRouter = max(0, requestsWithRouter - 1)
    }
}
