import Foundation
@testable import SignetCore
import Testing
import X509

@Suite struct TimeOrderedIDTests {
    /// Serials are 16 positive octets: a marker, six octets of milliseconds, 72 random bits.
    @Test func serialLayout() {
        let time = Date(timeIntervalSince1970: 1_795_528_279.123)
        let bytes = Array(SerialNumbers.random(at: time).bytes)
        #expect(bytes.count == 16)
        #expect(bytes[0] == 0x40)
        let milliseconds = bytes[1...6].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        #expect(milliseconds == 1_795_528_279_123)
        let others = (0..<64).map { _ in Array(SerialNumbers.random(at: time).bytes[7...]) }
        #expect(Set(others + [Array(bytes[7...])]).count == 65, "the random part repeated")
    }

    /// Serials issued later sort after earlier ones, as hex (how the store keys them) too.
    @Test func serialsSortByIssuanceTime() {
        let start = Date(timeIntervalSince1970: 1_795_528_279)
        let serials = (0..<200).map { SerialNumbers.hex(SerialNumbers.random(at: start.addingTimeInterval(Double($0) * 0.002))) }
        #expect(serials == serials.sorted())
    }

    /// Audit ids are RFC 9562 version 7 UUIDs whose first 48 bits are the time in ms.
    @Test func uuidVersion7() {
        let time = Date(timeIntervalSince1970: 1_795_528_279.5)
        let id = TimeOrdered.uuid(at: time)
        let bytes = withUnsafeBytes(of: id.uuid) { Array($0) }
        #expect(bytes[6] >> 4 == 7)
        #expect(bytes[8] >> 6 == 0b10)
        #expect(bytes[0..<6].reduce(UInt64(0)) { $0 << 8 | UInt64($1) } == 1_795_528_279_500)
        let later = TimeOrdered.uuid(at: time.addingTimeInterval(0.001))
        #expect(id.uuidString.lowercased() < later.uuidString.lowercased())
        #expect(TimeOrdered.uuid(at: time) != TimeOrdered.uuid(at: time))
    }
}
