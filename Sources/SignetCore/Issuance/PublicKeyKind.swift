import SwiftASN1

/// What kind of public key a request carries, read straight from its SubjectPublicKeyInfo
/// so that weak or exotic keys are judged by policy instead of failing to parse.
public enum PublicKeyKind: Sendable, Hashable, CustomStringConvertible {
    case rsa(bits: Int)
    case ecdsa(curve: Curve)
    case other(algorithmOID: String)

    public enum Curve: Sendable, Hashable {
        case p256, p384, p521
        case other(oid: String)

        var bits: Int? {
            switch self {
            case .p256: 256
            case .p384: 384
            case .p521: 521
            case .other: nil
            }
        }
    }

    /// `RSA` or `ECDSA`, as stored and filtered.
    public var typeName: String {
        switch self {
        case .rsa: "RSA"
        case .ecdsa: "ECDSA"
        case .other: "OTHER"
        }
    }

    /// Modulus bits for RSA, field size for the named curves, 0 otherwise.
    public var size: Int {
        switch self {
        case .rsa(let bits): bits
        case .ecdsa(let curve): curve.bits ?? 0
        case .other: 0
        }
    }

    public var description: String {
        switch self {
        case .rsa(let bits): "RSA \(bits)"
        case .ecdsa(.other(let oid)): "ECDSA on curve \(oid)"
        case .ecdsa(let curve): "ECDSA P-\(curve.bits!)"
        case .other(let oid): "key algorithm \(oid)"
        }
    }

    static let rsaEncryption: ASN1ObjectIdentifier = [1, 2, 840, 113549, 1, 1, 1]
    static let ecPublicKey: ASN1ObjectIdentifier = [1, 2, 840, 10045, 2, 1]

    /// Reads a DER SubjectPublicKeyInfo.
    public init(spki node: ASN1Node) throws {
        guard case .constructed(let spki) = node.content else { throw ASN1Error.invalidASN1Object(reason: "SPKI is not a SEQUENCE") }
        var members = spki.makeIterator()
        guard let algorithm = members.next(), let key = members.next(), case .constructed(let algorithmMembers) = algorithm.content else {
            throw ASN1Error.invalidASN1Object(reason: "SPKI lacks its algorithm or key")
        }
        var parts = algorithmMembers.makeIterator()
        guard let oidNode = parts.next() else { throw ASN1Error.invalidASN1Object(reason: "algorithm without OID") }
        let oid = try ASN1ObjectIdentifier(derEncoded: oidNode)
        switch oid {
        case Self.rsaEncryption:
            let bits = try ASN1BitString(derEncoded: key)
            self = .rsa(bits: try Self.rsaModulusBits(Array(bits.bytes)))
        case Self.ecPublicKey:
            guard let parameters = parts.next() else { throw ASN1Error.invalidASN1Object(reason: "EC key without curve") }
            let curve = try ASN1ObjectIdentifier(derEncoded: parameters)
            switch curve {
            case [1, 2, 840, 10045, 3, 1, 7]: self = .ecdsa(curve: .p256)
            case [1, 3, 132, 0, 34]: self = .ecdsa(curve: .p384)
            case [1, 3, 132, 0, 35]: self = .ecdsa(curve: .p521)
            default: self = .ecdsa(curve: .other(oid: curve.description))
            }
        default:
            self = .other(algorithmOID: oid.description)
        }
    }

    private static func rsaModulusBits(_ der: [UInt8]) throws -> Int {
        let node = try DER.parse(der)
        guard case .constructed(let members) = node.content, let modulusNode = members.first(where: { _ in true }) else {
            throw ASN1Error.invalidASN1Object(reason: "RSAPublicKey is not a SEQUENCE")
        }
        let modulus = try ArraySlice<UInt8>(derEncoded: modulusNode).drop { $0 == 0 }
        guard let top = modulus.first else { return 0 }
        return (modulus.count - 1) * 8 + (8 - top.leadingZeroBitCount)
    }
}
