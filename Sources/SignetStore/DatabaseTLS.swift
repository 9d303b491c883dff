import Foundation
import PostgresNIO

/// The `sslmode` of a database URL, read strictly and with libpq's meanings: a misspelt
/// mode is a start-up error naming it, never a silent fallback to plaintext.
public enum DatabaseSSLMode: String, Sendable, CaseIterable {
    /// Plaintext only.
    case disable
    /// TLS when the server offers it, without checking its certificate (libpq tries
    /// plaintext first; postgres-nio has one "prefer" behaviour for both).
    case allow, prefer
    /// TLS always; the certificate is checked only when `sslrootcert` names the roots
    /// (then as `verify-ca`), as libpq does.
    case require
    /// TLS, and the server certificate must chain to the roots (`sslrootcert`, or the
    /// system's).
    case verifyCA = "verify-ca"
    /// As `verify-ca`, and the certificate must name the URL's host.
    case verifyFull = "verify-full"

    /// The mode and root file a URL's query names (`disable` when it names none).
    public static func read(_ url: URLComponents) throws -> (mode: DatabaseSSLMode, rootCertificate: String?) {
        let items = url.queryItems ?? []
        let modes = items.filter { $0.name == "sslmode" }
        guard modes.count <= 1 else { throw StoreError.invalidDatabaseURL("sslmode is given \(modes.count) times") }
        let root = items.first { $0.name == "sslrootcert" }?.value.flatMap { $0.isEmpty ? nil : $0 }
        guard let text = modes.first?.value else { return (.disable, root) }
        guard let mode = DatabaseSSLMode(rawValue: text) else {
            throw StoreError.invalidDatabaseURL("sslmode '\(text)' is not one of \(allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return (mode, root)
    }

    /// What postgres-nio is told. Hostname checking follows `verify-full` only.
    public func tls(rootCertificate: String?) throws -> PostgresClient.Configuration.TLS {
        var configuration = TLSConfiguration.makeClientConfiguration()
        if let rootCertificate {
            guard FileManager.default.isReadableFile(atPath: rootCertificate) else {
                throw StoreError.invalidDatabaseURL("sslrootcert '\(rootCertificate)' cannot be read")
            }
            configuration.trustRoots = .file(rootCertificate)
        }
        switch self {
        case .disable:
            return .disable
        case .allow, .prefer:
            configuration.certificateVerification = .none
            return .prefer(configuration)
        case .require:
            configuration.certificateVerification = rootCertificate == nil ? .none : .noHostnameVerification
            return .require(configuration)
        case .verifyCA:
            configuration.certificateVerification = .noHostnameVerification
            return .require(configuration)
        case .verifyFull:
            configuration.certificateVerification = .fullVerification
            return .require(configuration)
        }
    }
}
