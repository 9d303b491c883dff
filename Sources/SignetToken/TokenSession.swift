import CPKCS11

/// One open PKCS#11 session, checked out of the pool for the duration of one operation.
struct TokenSession {
    let module: PKCS11Module
    let handle: CK_SESSION_HANDLE

    private var f: CK_FUNCTION_LIST { module.functions.pointee }

    /// Fails as any call would when the session, the slot or the token is gone.
    func checkState() throws {
        var info = CK_SESSION_INFO()
        try module.check(f.C_GetSessionInfo(handle, &info), "C_GetSessionInfo")
    }

    /// The first object of `objectClass` whose `CKA_ID` is `id`, if any.
    func findObject(class objectClass: CK_OBJECT_CLASS, id: [UInt8]) throws -> CK_OBJECT_HANDLE? {
        let template = AttributeTemplate()
        template.add(CK_ATTRIBUTE_TYPE(CKA_CLASS), ulong: objectClass)
        template.add(CK_ATTRIBUTE_TYPE(CKA_ID), bytes: id)
        try template.withAttributes { try module.check(f.C_FindObjectsInit(handle, $0, $1), "C_FindObjectsInit") }
        defer { _ = f.C_FindObjectsFinal(handle) }
        var object: CK_OBJECT_HANDLE = 0
        var count: CK_ULONG = 0
        try module.check(f.C_FindObjects(handle, &object, 1, &count), "C_FindObjects")
        return count == 0 ? nil : object
    }

    /// Reads one attribute's value (two-call form: size, then value).
    func attribute(_ type: CK_ATTRIBUTE_TYPE, of object: CK_OBJECT_HANDLE) throws -> [UInt8] {
        var attribute = CK_ATTRIBUTE(type: type, pValue: nil, ulValueLen: 0)
        try module.check(f.C_GetAttributeValue(handle, object, &attribute, 1), "C_GetAttributeValue")
        var value = [UInt8](repeating: 0, count: Int(attribute.ulValueLen))
        try value.withUnsafeMutableBytes { buffer in
            attribute.pValue = buffer.baseAddress
            try module.check(f.C_GetAttributeValue(handle, object, &attribute, 1), "C_GetAttributeValue")
        }
        return Array(value.prefix(Int(attribute.ulValueLen)))
    }

    func generateKeyPair(
        mechanism type: CK_MECHANISM_TYPE,
        publicTemplate: AttributeTemplate,
        privateTemplate: AttributeTemplate
    ) throws -> (public: CK_OBJECT_HANDLE, private: CK_OBJECT_HANDLE) {
        var mechanism = CK_MECHANISM(mechanism: type, pParameter: nil, ulParameterLen: 0)
        var publicKey: CK_OBJECT_HANDLE = 0
        var privateKey: CK_OBJECT_HANDLE = 0
        try publicTemplate.withAttributes { pub, pubCount in
            try privateTemplate.withAttributes { priv, privCount in
                try module.check(
                    f.C_GenerateKeyPair(handle, &mechanism, pub, pubCount, priv, privCount, &publicKey, &privateKey),
                    "C_GenerateKeyPair"
                )
            }
        }
        return (publicKey, privateKey)
    }

    /// `C_SignInit` + `C_Sign` with a mechanism that takes no parameters.
    func sign(key: CK_OBJECT_HANDLE, mechanism type: CK_MECHANISM_TYPE, data: [UInt8]) throws -> [UInt8] {
        var mechanism = CK_MECHANISM(mechanism: type, pParameter: nil, ulParameterLen: 0)
        try module.check(f.C_SignInit(handle, &mechanism, key), "C_SignInit")
        var signature = [UInt8](repeating: 0, count: 1024) // fits RSA-4096 and ECDSA P-521
        var length = CK_ULONG(signature.count)
        var input = data
        try input.withUnsafeMutableBufferPointer { message in
            try module.check(
                f.C_Sign(handle, message.baseAddress, CK_ULONG(message.count), &signature, &length),
                "C_Sign"
            )
        }
        return Array(signature.prefix(Int(length)))
    }

    func destroy(_ object: CK_OBJECT_HANDLE) throws {
        try module.check(f.C_DestroyObject(handle, object), "C_DestroyObject")
    }
}
