import NIOCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The server could not listen on `--web.listen-address`: a startup problem the operator fixes
/// by choosing another address, reported in one line like a bad flag.
public struct ListenError: Error, Sendable, CustomStringConvertible {
    public let description: String

    /// Recognises bind and address errors; nil for anything else.
    init?(_ error: any Error, address: ListenAddress) {
        let problem: String
        if let error = error as? IOError {
            problem =
                switch error.errnoCode {
                case EADDRINUSE: "the address is already in use"
                case EACCES: "permission denied (ports below 1024 need privileges)"
                case EADDRNOTAVAIL: "the address is not one of this machine's"
                case EAFNOSUPPORT: "this machine does not support that address family"
                default: String(cString: strerror(error.errnoCode))
                }
        } else if error is SocketAddressError || error is SocketAddressError.UnknownHost {
            problem = "the host name does not resolve"
        } else {
            return nil
        }
        description = "cannot listen on --web.listen-address \(address): \(problem); choose another address or stop what holds it"
    }
}
