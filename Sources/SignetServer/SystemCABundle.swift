import Foundation
import SwiftASN1
import X509

/// The CA certificates an operator distributes beside Signet's own (`system_ca_bundle`): other
/// roots a fleet must trust, e.g. the one that issues the platform's TLS certificates. A DMS
/// with `include_system_ca: true` adds them to `/cacerts`; without a bundle such a DMS is
/// refused when it is written.
public struct SystemCABundle: Sendable {
    /// DER of each certificate, in file order.
    public let certificates: [[UInt8]]

    /// Whether there is anything to distribute (what `include_system_ca` needs to act).
    public var isEmpty: Bool { certificates.isEmpty }

    static let none = SystemCABundle(certificates: [])

    /// Reads a PEM file of CA certificates; start-up stops with a message naming what is wrong.
    public init(file: String) throws {
        guard let data = FileManager.default.contents(atPath: file) else { throw ConfigurationError("cannot read system_ca_bundle \(file)") }
        let documents: [PEMDocument]
        do { documents = try PEMDocument.parseMultiple(pemString: String(decoding: data, as: UTF8.self)) } catch {
            throw ConfigurationError("system_ca_bundle \(file) is not PEM: \(error)")
        }
        guard !documents.isEmpty else { throw ConfigurationError("system_ca_bundle \(file) holds no certificate") }
        var certificates: [[UInt8]] = []
        for (index, document) in documents.enumerated() {
            let position = "certificate \(index + 1) of system_ca_bundle \(file)"
            guard document.discriminator == "CERTIFICATE" else { throw ConfigurationError("\(position) is a \(document.discriminator), not a CERTIFICATE") }
            let certificate: Certificate
            do { certificate = try Certificate(derEncoded: document.derBytes) } catch { throw ConfigurationError("\(position) is not an X.509 certificate: \(error)") }
            guard case .isCertificateAuthority? = try? certificate.extensions.basicConstraints else {
                throw ConfigurationError("\(position) (\(certificate.subject)) is not a CA certificate")
            }
            certificates.append(document.derBytes)
        }
        self.certificates = certificates
    }

    private init(certificates: [[UInt8]]) {
        self.certificates = certificates
    }
}

