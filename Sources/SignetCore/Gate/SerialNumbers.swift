import Foundation
import X509

/// Certificate serials: 16 octets, positive, never a leading zero byte; a marker octet, the
/// issuance time in milliseconds (6 octets), then 9 octets (72 bits) from the system CSPRNG.
///
/// The time prefix is there for the database, not for relying parties: serials issued close
/// together sort together, so every index keyed by serial grows at its right edge instead
/// of touching a random page of a large tree per certificate. The random part alone is
/// above the 64 bits of CSPRNG output the CA/Browser Forum requires, and issuance time is
/// no secret (notBefore carries it).
enum SerialNumbers {
    static func random(at time: Date = Date()) -> Certificate.SerialNumber {
        var bytes = [UInt8](repeating: 0, count: 16)
        bytes[0] = 0x40
        TimeOrdered.writeMilliseconds(time, into: &bytes, at: 1)
        TimeOrdered.fillRandom(&bytes, from: 7)
        return Certificate.SerialNumber(bytes: bytes)
    }

    static func hex(_ serial: Certificate.SerialNumber) -> String {
        serial.bytes.lowercaseHex
    }
}

/// Identifiers that begin with the time they were made, so that rows written together are
/// neighbours in their B-tree indexes.
public enum TimeOrdered {
    /// A version 7 UUID (RFC 9562): 48 bits of Unix milliseconds, then 74 random bits.
    public static func uuid(at time: Date = Date()) -> UUID {
        var bytes = [UInt8](repeating: 0, count: 16)
        writeMilliseconds(time, into: &bytes, at: 0)
        fillRandom(&bytes, from: 6)
        bytes[6] = (bytes[6] & 0x0F) | 0x70
        bytes[8] = (bytes[8] & 0x3F) | 0x80
        return UUID(uuid: (bytes[0], bytes[1], bytes[2], bytes[3], bytes[4], bytes[5], bytes[6], bytes[7],
                           bytes[8], bytes[9], bytes[10], bytes[11], bytes[12], bytes[13], bytes[14], bytes[15]))
    }

    static func writeMilliseconds(_ time: Date, into bytes: inout [UInt8], at offset: Int) {
        let milliseconds = UInt64(max(0, (time.timeIntervalSince1970 * 1000).rounded(.down)))
        for index in 0..<6 {
            bytes[offset + index] = UInt8(truncatingIfNeeded: milliseconds >> (8 * UInt64(5 - index)))
        }
    }

    static func fillRandom(_ bytes: inout [UInt8], from offset: Int) {
        var generator = SystemRandomNumberGenerator()
        for index in offset..<bytes.count { bytes[index] = .random(in: .min ... .max, using: &generator) }
    }
}
