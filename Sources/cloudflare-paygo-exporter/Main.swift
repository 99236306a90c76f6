import ArgumentParser
import Foundation
import PaygoExporter

/// Usage and configuration errors exit with 2 and one line naming the problem and the fix,
/// before anything listens; --help and --version exit 0 as usual.
@main
enum Main {
    static func main() async {
        do {
            var command = try ExporterCommand.parseAsRoot()
            if var command = command as? any AsyncParsableCommand {
                try await command.run()
            } else {
                try command.run()
            }
        } catch let error as ConfigurationError {
            fail(error.description)
        } catch let error as ListenError {
            fail(error.description)
        } catch let error as ExitCode {
            exit(error.rawValue)
        } catch {
            if ExporterCommand.exitCode(for: error) == .success {
                ExporterCommand.exit(withError: error)
            }
            let message = ExporterCommand.message(for: error).split(separator: "\n").first.map(String.init) ?? "invalid arguments"
            fail("\(message); see --help")
        }
    }

    private static func fail(_ message: String) -> Never {
        FileHandle.standardError.write(Data("cloudflare-paygo-exporter: \(message)\n".utf8))
        exit(2)
    }
}
