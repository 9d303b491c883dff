import CPKCS11

/// The attribute templates for a key pair Signet generates. Every usage flag is set
/// explicitly, because some tokens (SoftHSM among them) turn on decrypt, unwrap and derive
/// unless told otherwise.
struct KeyTemplates {
    let mechanism: CK_MECHANISM_TYPE
    let publicKey = AttributeTemplate()
    let privateKey = AttributeTemplate()

    /// `exportable`: a session object whose private key may be read out once (EST server
    /// key generation); otherwise a token object that never leaves the token.
    init(spec: KeySpec, id: [UInt8], label: String, exportable: Bool = false) {
        switch spec {
        case .ecP256, .ecP384:
            mechanism = CK_MECHANISM_TYPE(CKM_EC_KEY_PAIR_GEN)
            let curve: NamedCurve = spec == .ecP256 ? .p256 : .p384
            publicKey.add(CK_ATTRIBUTE_TYPE(CKA_EC_PARAMS), bytes: curve.derParameters)
        case .rsa(let bits):
            mechanism = CK_MECHANISM_TYPE(CKM_RSA_PKCS_KEY_PAIR_GEN)
            publicKey.add(CK_ATTRIBUTE_TYPE(CKA_MODULUS_BITS), ulong: CK_ULONG(bits))
            publicKey.add(CK_ATTRIBUTE_TYPE(CKA_PUBLIC_EXPONENT), bytes: [0x01, 0x00, 0x01])
        }
        let common: [(CK_ATTRIBUTE_TYPE, Bool)] = [
            (CK_ATTRIBUTE_TYPE(CKA_TOKEN), !exportable),
            (CK_ATTRIBUTE_TYPE(CKA_DERIVE), false),
        ]
        for template in [publicKey, privateKey] {
            template.add(CK_ATTRIBUTE_TYPE(CKA_ID), bytes: id)
            template.add(CK_ATTRIBUTE_TYPE(CKA_LABEL), bytes: Array(label.utf8))
            for (type, value) in common { template.add(type, bool: value) }
        }
        publicKey.add(CK_ATTRIBUTE_TYPE(CKA_PRIVATE), bool: false)
        publicKey.add(CK_ATTRIBUTE_TYPE(CKA_VERIFY), bool: true)
        publicKey.add(CK_ATTRIBUTE_TYPE(CKA_ENCRYPT), bool: false)
        publicKey.add(CK_ATTRIBUTE_TYPE(CKA_WRAP), bool: false)

        privateKey.add(CK_ATTRIBUTE_TYPE(CKA_PRIVATE), bool: true)
        privateKey.add(CK_ATTRIBUTE_TYPE(CKA_SENSITIVE), bool: !exportable)
        privateKey.add(CK_ATTRIBUTE_TYPE(CKA_EXTRACTABLE), bool: exportable)
        privateKey.add(CK_ATTRIBUTE_TYPE(CKA_SIGN), bool: true)
        privateKey.add(CK_ATTRIBUTE_TYPE(CKA_DECRYPT), bool: false)
        privateKey.add(CK_ATTRIBUTE_TYPE(CKA_UNWRAP), bool: false)
    }
}

/// The named curves Signet reads from tokens.
struct NamedCurve: Equatable {
    let oid: String
    let derParameters: [UInt8]
    let pointLength: Int

    static let p256 = NamedCurve(oid: "1.2.840.10045.3.1.7", derParameters: [0x06, 0x08, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x03, 0x01, 0x07], pointLength: 65)
    static let p384 = NamedCurve(oid: "1.3.132.0.34", derParameters: [0x06, 0x05, 0x2B, 0x81, 0x04, 0x00, 0x22], pointLength: 97)
    static let p521 = NamedCurve(oid: "1.3.132.0.35", derParameters: [0x06, 0x05, 0x2B, 0x81, 0x04, 0x00, 0x23], pointLength: 133)

    init(oid: String, derParameters: [UInt8], pointLength: Int) {
        self.oid = oid
        self.derParameters = derParameters
        self.pointLength = pointLength
    }

    init?(derParameters: [UInt8]) {
        guard let curve = [Self.p256, .p384, .p521].first(where: { $0.derParameters == derParameters }) else { return nil }
        self = curve
    }

    /// `CKA_EC_POINT` is usually a DER OCTET STRING around the point; some modules return the bare point.
    func unwrapPoint(_ value: [UInt8]) throws -> [UInt8] {
        if value.count == pointLength, value.first == 0x04 { return value }
        var body = value[...]
        guard body.popFirst() == 0x04, let first = body.popFirst() else {
            throw TokenError.unsupportedKey("CKA_EC_POINT is neither a point nor an OCTET STRING")
        }
        var length = Int(first)
        if first & 0x80 != 0 {
            let octets = Int(first & 0x7F)
            guard octets <= 2, body.count >= octets else { throw TokenError.unsupportedKey("CKA_EC_POINT has a bad length") }
            length = body.prefix(octets).reduce(0) { $0 << 8 | Int($1) }
            body = body.dropFirst(octets)
        }
        guard length == pointLength, body.count == length, body.first == 0x04 else {
            throw TokenError.unsupportedKey("CKA_EC_POINT is not an uncompressed point of \(pointLength) bytes")
        }
        return Array(body)
    }
}
