import SignetCore

/// Input: an OCSP request as DER (POST), and the same bytes as the GET form's path segment.
enum OCSPRequestTarget {
    static func run(_ bytes: [UInt8]) {
        _ = try? OCSPRequestReader.read(bytes)
        if let text = String(bytes: bytes, encoding: .utf8), let der = OCSPRequestReader.der(getPath: text[...]) {
            _ = try? OCSPRequestReader.read(der)
        }
    }
}
