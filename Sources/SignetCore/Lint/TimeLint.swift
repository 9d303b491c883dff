import SwiftASN1

/// RFC 5280 4.1.2.5 / 5.1.2.4: a Time is UTCTime `YYMMDDHHMMSSZ` for years 1950 through 2049
/// and GeneralizedTime `YYYYMMDDHHMMSSZ` (no fraction) from 2050; RFC 6960 uses
/// GeneralizedTime throughout.
enum TimeLint {
    /// The instant as the number YYYYMMDDHHMMSS, which orders as the time does.
    typealias Instant = Int

    /// Lints an RFC 5280 Time. Findings are named `<name>` (e.g. `lint.cert.validity_encoding`).
    static func time(_ node: ASN1Node, name: String, what: @autoclosure () -> String, report: inout LintReport) -> Instant? {
        let bytes = node.bytes
        if node.identifier == .utcTime {
            guard let instant = instant(bytes, yearDigits: 2) else {
                report.error(name, "\(what()) is UTCTime '\(text(bytes))', not YYMMDDHHMMSSZ")
                return nil
            }
            return instant
        }
        if node.identifier == .generalizedTime {
            guard let instant = instant(bytes, yearDigits: 4) else {
                report.error(name, "\(what()) is GeneralizedTime '\(text(bytes))', not YYYYMMDDHHMMSSZ")
                return nil
            }
            if instant < 2050_00_00_00_00_00 {
                report.error(name, "\(what()) is GeneralizedTime for year \(instant / 10_000_000_000); years before 2050 must be UTCTime")
            }
            return instant
        }
        report.error(name, "\(what()) is neither UTCTime nor GeneralizedTime")
        return nil
    }

    /// Lints a GeneralizedTime (OCSP, invalidity dates): Z-terminated, whole seconds.
    static func generalizedTime(_ node: ASN1Node, name: String, what: @autoclosure () -> String, report: inout LintReport) -> Instant? {
        guard node.identifier == .generalizedTime, let instant = instant(node.bytes, yearDigits: 4) else {
            report.error(name, "\(what()) must be GeneralizedTime YYYYMMDDHHMMSSZ, found '\(text(node.bytes))'")
            return nil
        }
        return instant
    }

    private static func text(_ bytes: ArraySlice<UInt8>) -> String { String(decoding: bytes, as: UTF8.self) }

    /// The digits and a final `Z`, with a plausible month, day, hour, minute and second, as
    /// the number YYYYMMDDHHMMSS (two-digit years: 50–99 are 19xx).
    private static func instant(_ bytes: ArraySlice<UInt8>, yearDigits: Int) -> Instant? {
        guard bytes.count == yearDigits + 11, bytes.last == UInt8(ascii: "Z") else { return nil }
        var fields: [Int] = []
        fields.reserveCapacity(6)
        var index = bytes.startIndex
        for width in [yearDigits, 2, 2, 2, 2, 2] {
            var value = 0
            for _ in 0..<width {
                let digit = bytes[index] &- UInt8(ascii: "0")
                guard digit < 10 else { return nil }
                value = value * 10 + Int(digit)
                index += 1
            }
            fields.append(value)
        }
        guard (1...12).contains(fields[1]), (1...31).contains(fields[2]), fields[3] < 24, fields[4] < 60, fields[5] < 60 else { return nil }
        let year = yearDigits == 2 ? (fields[0] >= 50 ? 1900 : 2000) + fields[0] : fields[0]
        return ((((year * 100 + fields[1]) * 100 + fields[2]) * 100 + fields[3]) * 100 + fields[4]) * 100 + fields[5]
    }
}
