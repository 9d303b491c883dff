import Foundation

/// Why a certificate was revoked: RFC 5280 `CRLReason`, by the names the API accepts.
public enum RevocationReason: Int, Sendable, CaseIterable, Hashable {
    case unspecified = 0
    case keyCompromise = 1
    case caCompromise = 2
    case affiliationChanged = 3
    case superseded = 4
    case cessationOfOperation = 5
    case certificateHold = 6
    // 7 is not used.
    case removeFromCRL = 8
    case privilegeWithdrawn = 9
    case aaCompromise = 10

    /// The name used in the API, the database and logs.
    public var name: String {
        switch self {
        case .unspecified: "Unspecified"
        case .keyCompromise: "KeyCompromise"
        case .caCompromise: "CACompromise"
        case .affiliationChanged: "AffiliationChanged"
        case .superseded: "Superseded"
        case .cessationOfOperation: "CessationOfOperation"
        case .certificateHold: "CertificateHold"
        case .removeFromCRL: "RemoveFromCRL"
        case .privilegeWithdrawn: "PrivilegeWithdrawn"
        case .aaCompromise: "AACompromise"
        }
    }

    /// Reads a reason by its name (case-insensitive).
    public init?(name: String) {
        guard let match = Self.byName[name] ?? Self.byName[name.lowercased()] else { return nil }
        self = match
    }

    private static let byName: [String: RevocationReason] = Dictionary(uniqueKeysWithValues:
        allCases.map { ($0.name, $0) } + allCases.map { ($0.name.lowercased(), $0) })

    /// Every accepted name, for error messages.
    public static var names: String { allCases.map(\.name).joined(separator: ", ") }

    /// Whether a certificate revoked for this reason can become valid again.
    public var isTemporary: Bool { self == .certificateHold }
}
