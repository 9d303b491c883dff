import Foundation

/// A certificate's revocation facts, as read under the lock that guards changing them.
public struct RevocationState: Sendable, Hashable {
    public let serialNumber: String
    public let issuerCAID: String
    public var isRevoked: Bool
    public var reason: RevocationReason?
    public var revokedAt: Date?
    public var invalidityDate: Date?
    /// The CA whose own certificate this is, if it is a CA certificate.
    public let certifiesCA: String?

    public init(serialNumber: String, issuerCAID: String, isRevoked: Bool, reason: RevocationReason?, revokedAt: Date?, invalidityDate: Date?, certifiesCA: String?) {
        self.serialNumber = serialNumber
        self.issuerCAID = issuerCAID
        self.isRevoked = isRevoked
        self.reason = reason
        self.revokedAt = revokedAt
        self.invalidityDate = invalidityDate
        self.certifiesCA = certifiesCA
    }
}

/// What revoking a CA changed.
public struct CARevocationOutcome: Sendable, Hashable {
    /// The CA and its subordinates, now REVOKED.
    public let revokedCAs: [String]
    /// Certificates revoked with them (their own and everything they issued).
    public let revokedCertificates: Int

    public init(revokedCAs: [String], revokedCertificates: Int) {
        self.revokedCAs = revokedCAs
        self.revokedCertificates = revokedCertificates
    }
}

/// Where revocation state lives. Changes are made under a row lock on the certificate and
/// on its issuer's CRL state, so a CRL or OCSP response built at the same time sees either
/// all of a change or none of it.
public protocol RevocationStore: Sendable {
    /// Reads the certificate's state under lock, lets `decide` return the new state (or throw
    /// to change nothing), and commits it. Nil when there is no such certificate.
    func changeRevocation(
        serialNumber: String,
        _ decide: @escaping @Sendable (RevocationState) throws -> RevocationState
    ) async throws -> RevocationState?

    /// Marks the CA and every CA below it REVOKED and revokes their certificates (the CA's
    /// own with `reason`, the rest with CessationOfOperation), in one transaction.
    /// `check` sees the CA's current status first and may throw to change nothing.
    func revokeCA(
        id: String,
        reason: RevocationReason,
        at time: Date,
        check: @escaping @Sendable (CARecord.Status) throws -> Void
    ) async throws -> CARevocationOutcome?
}
