import Foundation
import SwiftASN1

/// The status one SingleResponse reports.
public enum OCSPCertStatus: Sendable, Hashable {
    case good
    case revoked(at: Date, reason: RevocationReason?)
    case unknown
}

/// OCSPResponse status codes (RFC 6960 4.2.1) for answers without a signature.
public enum OCSPResponseStatus: UInt8, Sendable {
    case malformedRequest = 1
    case internalError = 2
    case tryLater = 3
    case unauthorized = 6
}

/// DER for OCSP responses (RFC 6960 4.2).
enum OCSPEncoding {
    static let basicResponseOID: ASN1ObjectIdentifier = [1, 3, 6, 1, 5, 5, 7, 48, 1, 1]

    /// An OCSPResponse that is only a status.
    static func status(_ status: OCSPResponseStatus) -> [UInt8] {
        DERBytes.sequence(DERBytes.enumerated(status.rawValue))
    }

    static func singleResponse(certID: [UInt8], status: OCSPCertStatus, thisUpdate: Date, nextUpdate: Date) -> [UInt8] {
        let certStatus: [UInt8] = switch status {
        case .good: [0x80, 0x00] // [0] IMPLICIT NULL
        case .unknown: [0x82, 0x00] // [2] IMPLICIT NULL
        case .revoked(let at, let reason):
            // [1] IMPLICIT RevokedInfo { revocationTime, revocationReason [0] EXPLICIT CRLReason OPTIONAL }
            DERBytes.tlv(0xA1, DERBytes.generalizedTime(at) + (reason.flatMap { $0 == .unspecified ? nil : DERBytes.explicit(0, DERBytes.enumerated(UInt8($0.rawValue))) } ?? []))
        }
        return DERBytes.sequence(
            certID,
            certStatus,
            DERBytes.generalizedTime(thisUpdate),
            DERBytes.explicit(0, DERBytes.generalizedTime(nextUpdate))
        )
    }

    /// ResponseData v1 with the responder named by the SHA-1 hash of its key.
    static func responseData(responderKeyHash: [UInt8], producedAt: Date, responses: [[UInt8]], extensions: [[UInt8]]) -> [UInt8] {
        DERBytes.sequence(
            DERBytes.explicit(2, DERBytes.octetString(responderKeyHash)), // ResponderID byKey [2]
            DERBytes.generalizedTime(producedAt),
            DERBytes.sequence(of: responses),
            extensions.isEmpty ? [] : DERBytes.explicit(1, DERBytes.sequence(of: extensions))
        )
    }

    /// A successful OCSPResponse around a BasicOCSPResponse.
    static func successful(responseData: [UInt8], signature: StructureSignature, certificates: [[UInt8]]) -> [UInt8] {
        let basic = DERBytes.sequence(
            responseData,
            signature.algorithmIdentifier,
            DERBytes.bitString(signature.value),
            certificates.isEmpty ? [] : DERBytes.explicit(0, DERBytes.sequence(of: certificates))
        )
        let responseBytes = DERBytes.sequence(DERBytes.oid(basicResponseOID), DERBytes.octetString(basic))
        return DERBytes.sequence(DERBytes.enumerated(0), DERBytes.explicit(0, responseBytes))
    }
}
