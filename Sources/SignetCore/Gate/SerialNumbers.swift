import Foundation
import X509

/// Certificate serials: 16 bytes from the system CSPRNG, positive, never a leading zero byte.
enum SerialNumbers {
    static func random() -> Certificate.SerialNumber {
        var generator = SystemRandomNumberGenerator()
        var bytes = (0..<16).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        // Clear the sign bit and set the next one: positive, always 16 octets, 126 random bits.
        bytes[0] = (bytes[0] & 0x7F) | 0x40
        return Certificate.SerialNumber(bytes: bytes)
    }

    static func hex(_ serial: Certificate.SerialNumber) -> String {
        serial.bytes.lowercaseHex
    }
}
