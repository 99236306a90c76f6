import NIOCore

extension TimeAmount {
    /// NIO's time type from Swift's, to the nanosecond; saturates at NIO's range (292 years)
    /// rather than trapping.
    init(_ duration: Duration) {
        let (seconds, attoseconds) = duration.components
        let (nanoseconds, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        if overflow {
            self = .nanoseconds(seconds < 0 ? .min : .max)
        } else {
            let (total, overflowAdding) = nanoseconds.addingReportingOverflow(attoseconds / 1_000_000_000)
            self = .nanoseconds(overflowAdding ? (seconds < 0 ? .min : .max) : total)
        }
    }
}
