#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// rename(2): replaces `destination` in one step, so readers see the old file or the new one,
/// never a half-written one.
enum AtomicFile {
    struct RenameFailed: Error {
        let code: Int32
    }

    static func rename(_ source: String, over destination: String) throws {
        #if canImport(Glibc)
        let result = Glibc.rename(source, destination)
        #elseif canImport(Musl)
        let result = Musl.rename(source, destination)
        #else
        let result = Darwin.rename(source, destination)
        #endif
        guard result == 0 else { throw RenameFailed(code: errno) }
    }
}
