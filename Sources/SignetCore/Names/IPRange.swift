import Foundation

/// An IPv4 or IPv6 network (`10.0.0.0/8`, `fd00::/8`), as profiles name them and as
/// nameConstraints encode them (address followed by mask, 8 or 32 octets).
public struct IPRange: Hashable, Sendable {
    public let address: [UInt8]
    public let prefixLength: Int

    public init?(cidr: String) {
        let parts = cidr.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let address = Self.address(String(parts[0])), let length = Int(parts[1]),
              (0...(address.count * 8)).contains(length) else { return nil }
        self.address = address
        self.prefixLength = length
        // The host bits must be zero: `10.1.2.3/8` is more likely a typo than a network.
        guard Self.masked(address, length) == address else { return nil }
    }

    /// The mask as nameConstraints encode it.
    var mask: [UInt8] {
        (0..<address.count).map { index in
            let bits = min(max(prefixLength - index * 8, 0), 8)
            return bits == 0 ? 0 : UInt8(0xFF << (8 - bits) & 0xFF)
        }
    }

    /// `address ‖ mask`, the iPAddress form of a GeneralSubtree base.
    var constraintBytes: [UInt8] { address + mask }

    public func contains(_ candidate: [UInt8]) -> Bool {
        candidate.count == address.count && Self.masked(candidate, prefixLength) == address
    }

    /// A constraint's `address ‖ mask` octets, read back.
    init?(constraintBytes bytes: [UInt8]) {
        guard bytes.count == 8 || bytes.count == 32 else { return nil }
        let half = bytes.count / 2
        address = Array(bytes[..<half])
        prefixLength = bytes[half...].reduce(0) { $0 + $1.nonzeroBitCount }
    }

    private static func masked(_ bytes: [UInt8], _ length: Int) -> [UInt8] {
        bytes.enumerated().map { index, byte in
            let bits = min(max(length - index * 8, 0), 8)
            return bits == 0 ? 0 : byte & UInt8(0xFF << (8 - bits) & 0xFF)
        }
    }

    /// The octets of a textual IPv4 or IPv6 address, or nil.
    public static func address(_ text: String) -> [UInt8]? {
        var text = text
        if text.hasPrefix("[") && text.hasSuffix("]") { text = String(text.dropFirst().dropLast()) }
        var v4 = in_addr()
        if inet_pton(AF_INET, text, &v4) == 1 { return withUnsafeBytes(of: &v4) { Array($0) } }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, text, &v6) == 1 { return withUnsafeBytes(of: &v6) { Array($0) } }
        return nil
    }
}
