import Logging

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The process's limit on open files, and the room it leaves for connections.
enum DescriptorLimit {
    /// Descriptors kept from connections for API calls, the budget and token files, /proc
    /// reads and accepts in flight; half of what is left when that is less.
    static let reserve = 64

    /// The soft limit before and after it was raised to the hard one, as Go programs do at
    /// start: the soft limit stays at 1,024 on most systems, far below what the hard limit
    /// allows. Nil when the limit cannot be read; `after` is `before` when it cannot be raised.
    static func raiseSoftLimit() -> (before: Int, after: Int)? {
        var limit = rlimit()
        guard getrlimit(resource, &limit) == 0 else { return nil }
        let before = clamped(limit.rlim_cur)
        var target = limit.rlim_max
        #if canImport(Darwin)
        // macOS refuses a soft limit above OPEN_MAX, whatever the hard one says.
        target = min(target, rlim_t(OPEN_MAX))
        #endif
        guard target > limit.rlim_cur else { return (before, before) }
        var raised = limit
        raised.rlim_cur = target
        guard setrlimit(resource, &raised) == 0 else { return (before, before) }
        return (before, clamped(target))
    }

    /// Raises the soft limit (logged at debug) and answers the connection cap that fits what
    /// it allows, logged when it is below `asked`.
    static func connectionCapAtStart(asked: Int, logger: Logger) -> Int {
        guard let limits = raiseSoftLimit() else { return asked }
        if limits.after != limits.before {
            logger.debug(
                "raised the soft limit on open files to the hard limit", metadata: ["from": "\(limits.before)", "to": "\(limits.after)"])
        }
        let open = ProcessMetrics.countOpenFileDescriptors() ?? 0
        let cap = connectionCap(asked: asked, limit: limits.after, open: open)
        if cap < asked {
            logger.warning(
                "--web.max-connections lowered to fit the limit on open files",
                metadata: [
                    "asked": "\(asked)", "max_connections": "\(cap)", "open_files_limit": "\(limits.after)", "open_files": "\(open)",
                ])
        }
        return cap
    }

    /// How many connections to allow: `asked`, or fewer when `limit` less the descriptors
    /// `open` now and the reserve leaves less room; at least 1.
    static func connectionCap(asked: Int, limit: Int, open: Int) -> Int {
        let room = max(0, limit - open)
        return max(1, min(asked, room - min(reserve, room / 2)))
    }

    #if canImport(Glibc)
    private static let resource = __rlimit_resource_t(RLIMIT_NOFILE.rawValue)
    #else
    private static let resource = RLIMIT_NOFILE
    #endif

    private static func clamped(_ value: rlim_t) -> Int {
        value >= rlim_t(Int.max) ? Int.max : Int(value)
    }
}
