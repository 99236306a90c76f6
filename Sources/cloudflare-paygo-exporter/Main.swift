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
            try refuseServerFlags(for: command)
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

    /// ArgumentParser accepts the server's options anywhere on the line, so `once --web.listen-address=...`
    /// would parse and then be ignored; a flag that silently does nothing is refused instead.
    private static func refuseServerFlags(for command: any ParsableCommand) throws {
        guard !(command is ExporterCommand) else { return }
        let arguments = CommandLine.arguments.dropFirst().prefix { $0 != "--" }
        guard let flag = arguments.first(where: { $0.hasPrefix("--web.") }) else { return }
        let name = type(of: command).configuration.commandName ?? "this command"
        let option = flag.split(separator: "=", maxSplits: 1).first.map(String.init) ?? flag
        fail("\(option) only applies when serving; `\(name)` serves nothing, so drop it")
    }

    private static func fail(_ message: String) -> Never {
        FileHandle.standardError.write(Data("cloudflare-paygo-exporter: \(message)\n".utf8))
        exit(2)
    }
}
