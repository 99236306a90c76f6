/// The line formats the exporter logs in, as `--log.format` names them.
public enum LogFormat: String, Sendable, CaseIterable {
    case logfmt
    case json
}
