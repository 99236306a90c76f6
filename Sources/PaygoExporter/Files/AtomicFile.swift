import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Replaces a file in one step: written beside it under a temporary name, then renamed over
/// it, so a reader (node_exporter's textfile collector, promtool) sees the old file or the new
/// one, never half of one.
enum AtomicFile {
    /// Why the file could not be written, for the operator.
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    /// Writes the file through `write`, which may be called with chunks as they are made; on any
    /// failure the temporary file is removed and `path` is left as it was.
    static func replace(_ path: String, writing write: (FileHandle) throws -> Void) throws(Failure) {
        let url = URL(fileURLWithPath: path)
        let temporary = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).\(getpid()).tmp")
        guard FileManager.default.createFile(atPath: temporary.path, contents: nil),
            let handle = FileHandle(forWritingAtPath: temporary.path)
        else {
            throw Failure(description: "cannot write \(path); check that its folder exists and is writable by this user")
        }
        do {
            try write(handle)
            try handle.close()
            try rename(temporary.path, over: url.path)
        } catch {
            try? handle.close()
            try? FileManager.default.removeItem(at: temporary)
            throw Failure(
                description: "cannot write \(path) (\(error.localizedDescription)); check that its folder is writable and has room")
        }
    }

    private struct RenameFailed: Error, LocalizedError {
        let code: Int32
        var errorDescription: String? { "rename failed: \(String(cString: strerror(code)))" }
    }

    private static func rename(_ source: String, over destination: String) throws {
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
