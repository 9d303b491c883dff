import Crypto

/// Keys of the fuzzer's own, fixed so that committed seeds stay valid from run to run. They
/// sign only fuzz inputs; nothing outside this folder trusts them.
enum FixedKeys {
    /// Signs the CSRs the `csr` target re-signs, and the seeds' JWTs.
    static let p256 = try! P256.Signing.PrivateKey(rawRepresentation: bytes("3c1f4b2a9d8e7f6051423324150617f8e9dacbbcad9e8f70615243342516f708"))

    /// The `kid` of `p256` in the JWT key set.
    static let jwtKeyID = "fuzz-es256"

    private static func bytes(_ hex: String) -> [UInt8] {
        var out: [UInt8] = []
        var index = hex.startIndex
        while index < hex.endIndex {
            let next = hex.index(index, offsetBy: 2)
            out.append(UInt8(hex[index..<next], radix: 16)!)
            index = next
        }
        return out
    }
}
