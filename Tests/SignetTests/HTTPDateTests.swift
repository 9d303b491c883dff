import Foundation
@testable import SignetServer
import Testing

@Suite struct HTTPDateTests {
    /// The hand-rolled IMF-fixdate agrees with Foundation's formatter across leap days,
    /// century rules and the epoch.
    @Test func matchesFoundation() {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
        var samples: [TimeInterval] = [0, 59, 86_399, 86_400, 951_782_400, 951_868_799, 4_107_542_399, 1_795_505_824.75]
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<2000 { samples.append(TimeInterval(Int.random(in: 0..<5_000_000_000, using: &generator))) }
        for seconds in samples {
            let date = Date(timeIntervalSince1970: seconds)
            #expect(HTTPDate.string(date) == formatter.string(from: date), "\(seconds)")
        }
    }
}
