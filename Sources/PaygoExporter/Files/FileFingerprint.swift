#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// What a set of files looks like from outside: for each, its modification time, size, device
/// and inode, or nothing when it cannot be found. Reading these every few seconds notices a file
/// rewritten in place or swapped for another (cert-manager and Kubernetes secret volumes swap a
/// symlink), without reading any contents.
struct FileFingerprint: Equatable, Sendable {
    private struct Entry: Equatable, Sendable {
        var seconds = 0
        var nanoseconds = 0
        var size: Int64 = -1
        var device: UInt64 = 0
        var inode: UInt64 = 0
    }

    private let entries: [Entry?]

    init(_ paths: [String]) {
        entries = paths.map { path in
            // stat, not lstat: a swapped symlink shows as its new target.
            var status = stat()
            guard stat(path, &status) == 0 else { return nil }
            #if canImport(Darwin)
            let modified = status.st_mtimespec
            #else
            let modified = status.st_mtim
            #endif
            return Entry(
                seconds: Int(modified.tv_sec), nanoseconds: Int(modified.tv_nsec), size: Int64(status.st_size),
                device: UInt64(status.st_dev), inode: UInt64(status.st_ino))
        }
    }
}
