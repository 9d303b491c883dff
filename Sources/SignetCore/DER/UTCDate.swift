import Foundation

/// A UTC calendar date and time of day from a `Date`, by arithmetic (Howard Hinnant's
/// days-to-civil algorithm): CRLs and OCSP responses encode thousands of times, for which
/// Foundation's Calendar is far too slow.
public struct UTCDate: Sendable, Hashable {
    public let year: Int
    public let month: Int
    public let day: Int
    public let hour: Int
    public let minute: Int
    public let second: Int
    /// 0 = Sunday.
    public let weekday: Int

    public init(_ date: Date) {
        let seconds = Int(date.timeIntervalSince1970.rounded(.down))
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let secondOfDay = seconds - days * 86_400
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        day = dayOfYear - (153 * mp + 2) / 5 + 1
        month = mp < 10 ? mp + 3 : mp - 9
        year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        hour = secondOfDay / 3600
        minute = secondOfDay / 60 % 60
        second = secondOfDay % 60
        weekday = ((days % 7) + 7 + 4) % 7 // 1970-01-01 was a Thursday
    }

    /// ASCII digits `YYMMDDHHMMSSZ` (two-digit year) or `YYYYMMDDHHMMSSZ`.
    func asn1Time(fourDigitYear: Bool) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(15)
        func append(_ value: Int, digits: Int) {
            var divisor = 1
            for _ in 1..<digits { divisor *= 10 }
            while divisor > 0 {
                bytes.append(UInt8(ascii: "0") + UInt8(value / divisor % 10))
                divisor /= 10
            }
        }
        append(fourDigitYear ? year : year % 100, digits: fourDigitYear ? 4 : 2)
        for part in [month, day, hour, minute, second] { append(part, digits: 2) }
        bytes.append(UInt8(ascii: "Z"))
        return bytes
    }
}
