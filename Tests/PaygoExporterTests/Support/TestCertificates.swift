import Foundation

/// A throwaway CA with a server certificate for 127.0.0.1/localhost and a client certificate,
/// made with the openssl command line (Debian's `openssl` package).
struct TestCertificates {
    let directory: URL
    var caCert: String { directory.appendingPathComponent("ca.crt").path }
    var serverCert: String { directory.appendingPathComponent("server.crt").path }
    var serverKey: String { directory.appendingPathComponent("server.key").path }
    var clientCert: String { directory.appendingPathComponent("client.crt").path }
    var clientKey: String { directory.appendingPathComponent("client.key").path }

    static var openssl: String? {
        ["/usr/bin/openssl", "/usr/local/bin/openssl"].first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// The server's key: EC P-256, or RSA for tests of suites with RSA authentication or key exchange.
    enum ServerKey { case ec, rsa }

    static func make(serverKey: ServerKey = .ec) throws -> TestCertificates {
        guard let openssl else { throw TestFailure("openssl is needed for TLS tests (apt-get install openssl)") }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("paygo-tls-\(UInt64.random(in: 0...UInt64.max))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let certificates = TestCertificates(directory: directory)
        let extensions = directory.appendingPathComponent("server.ext").path
        try "subjectAltName=IP:127.0.0.1,DNS:localhost\n".write(toFile: extensions, atomically: true, encoding: .utf8)
        func run(_ arguments: [String]) throws {
            let result = try ProcessRunner.run(openssl, arguments)
            guard result.status == 0 else { throw TestFailure("openssl \(arguments.first ?? ""): \(result.stderr)") }
        }
        try run([
            "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2",
            "-subj", "/CN=paygo test CA", "-keyout", directory.appendingPathComponent("ca.key").path, "-out", certificates.caCert,
        ])
        for (name, extra) in [("server", ["-extfile", extensions]), ("client", [])] {
            let key = directory.appendingPathComponent("\(name).key").path
            let request = directory.appendingPathComponent("\(name).csr").path
            let keyOptions =
                name == "server" && serverKey == .rsa
                ? ["-newkey", "rsa:2048"] : ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1"]
            try run(["req"] + keyOptions + ["-nodes", "-subj", "/CN=\(name)", "-keyout", key, "-out", request])
            try run(
                [
                    "x509", "-req", "-in", request, "-CA", certificates.caCert, "-CAkey", directory.appendingPathComponent("ca.key").path,
                    "-CAcreateserial", "-days", "2", "-out", directory.appendingPathComponent("\(name).crt").path,
                ] + extra)
        }
        return certificates
    }

    func remove() {
        try? FileManager.default.removeItem(at: directory)
    }
}
