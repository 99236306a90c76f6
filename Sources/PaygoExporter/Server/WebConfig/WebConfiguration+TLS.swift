import HummingbirdTLS
import NIOSSL

extension WebConfiguration.TLS {
    /// The server TLS settings, checked by building a context from them.
    func serverConfiguration() throws(ConfigurationError) -> TLSConfiguration {
        try serverContext().configuration
    }

    /// A server context with the certificate, key and CA read now, so that a bad file is a
    /// startup (or reload) error naming the file, not a failed handshake later.
    func serverContext() throws(ConfigurationError) -> NIOSSLContext {
        let chain: [NIOSSLCertificate]
        let key: NIOSSLPrivateKey
        do {
            chain = try NIOSSLCertificate.fromPEMFile(certFile)
        } catch {
            throw ConfigurationError(
                "tls_server_config.cert_file \(certFile) holds no PEM certificate", fix: "point it at the server certificate (PEM)")
        }
        do {
            key = try NIOSSLPrivateKey(file: keyFile, format: .pem)
        } catch {
            throw ConfigurationError(
                "tls_server_config.key_file \(keyFile) holds no PEM private key",
                fix: "point it at the certificate's unencrypted private key (PEM)")
        }
        guard !chain.isEmpty else {
            throw ConfigurationError(
                "tls_server_config.cert_file \(certFile) holds no certificate", fix: "point it at the server certificate (PEM)")
        }
        var configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(key))
        // BoringSSL refuses a key that is not the certificate's when it is loaded; with nothing
        // else configured yet, that is the only way this context can fail.
        do {
            _ = try NIOSSLContext(configuration: configuration)
        } catch {
            throw ConfigurationError(
                "tls_server_config.key_file \(keyFile) is not the private key of the certificate in cert_file \(certFile)",
                fix: "point key_file and cert_file at a certificate and its own key (cert-manager: the tls.key and tls.crt of one secret)")
        }
        configuration.minimumTLSVersion = minVersion.nioVersion
        configuration.maximumTLSVersion = maxVersion?.nioVersion
        // Never empty: parsing refuses a list of TLS 1.3 suites only where TLS 1.2 is allowed,
        // and with TLS 1.3 only the TLS 1.2 list is never used.
        let suites = (cipherSuites ?? TLSCipherSuite.defaults).compactMap(\.cipher)
        configuration.cipherSuiteValues = suites.isEmpty ? TLSCipherSuite.defaults.compactMap(\.cipher) : suites
        configuration.curves = curves?.map(\.curve)
        if let clientCAFile {
            do {
                let roots = try NIOSSLCertificate.fromPEMFile(clientCAFile)
                guard !roots.isEmpty else { throw NIOSSLError.failedToLoadCertificate }
                configuration.trustRoots = .certificates(roots)
            } catch {
                throw ConfigurationError(
                    "tls_server_config.client_ca_file \(clientCAFile) holds no PEM certificate",
                    fix: "point it at the CA that signs client certificates")
            }
        }
        switch clientAuth {
        case .noClientCert, .requestClientCert:
            configuration.certificateVerification = .none
        case .verifyClientCertIfGiven:
            configuration.certificateVerification = .optionalVerification
        case .requireAndVerifyClientCert:
            configuration.certificateVerification = .noHostnameVerification
        }
        do {
            return try NIOSSLContext(configuration: configuration)
        } catch {
            throw ConfigurationError(
                "tls_server_config (cert_file \(certFile)) could not be applied: \(error)", fix: "check the TLS settings against README.md")
        }
    }

    /// The files whose contents the server context is built from.
    var files: [String] {
        [certFile, keyFile] + (clientCAFile.map { [$0] } ?? [])
    }
}

extension WebConfiguration.TLS.Version {
    var nioVersion: TLSVersion {
        switch self {
        case .tls10: .tlsv1
        case .tls11: .tlsv11
        case .tls12: .tlsv12
        case .tls13: .tlsv13
        }
    }
}
