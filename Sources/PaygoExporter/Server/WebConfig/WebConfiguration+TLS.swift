import HummingbirdTLS
import NIOSSL

extension WebConfiguration.TLS {
    /// The server TLS settings, with certificate, key and CA loaded now so a bad file is a
    /// startup error, not a failed handshake later.
    func serverConfiguration() throws(ConfigurationError) -> TLSConfiguration {
        let chain: [NIOSSLCertificate]
        let key: NIOSSLPrivateKey
        do {
            chain = try NIOSSLCertificate.fromPEMFile(certFile)
        } catch {
            throw ConfigurationError("tls_server_config.cert_file \(certFile) holds no PEM certificate", fix: "point it at the server certificate (PEM)")
        }
        do {
            key = try NIOSSLPrivateKey(file: keyFile, format: .pem)
        } catch {
            throw ConfigurationError("tls_server_config.key_file \(keyFile) holds no PEM private key", fix: "point it at the certificate's unencrypted private key (PEM)")
        }
        guard !chain.isEmpty else {
            throw ConfigurationError("tls_server_config.cert_file \(certFile) holds no certificate", fix: "point it at the server certificate (PEM)")
        }
        var configuration = TLSConfiguration.makeServerConfiguration(certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(key))
        configuration.minimumTLSVersion = minVersion.nioVersion
        configuration.maximumTLSVersion = maxVersion?.nioVersion
        if let clientCAFile {
            do {
                let roots = try NIOSSLCertificate.fromPEMFile(clientCAFile)
                guard !roots.isEmpty else { throw NIOSSLError.failedToLoadCertificate }
                configuration.trustRoots = .certificates(roots)
            } catch {
                throw ConfigurationError("tls_server_config.client_ca_file \(clientCAFile) holds no PEM certificate", fix: "point it at the CA that signs client certificates")
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
        return configuration
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
