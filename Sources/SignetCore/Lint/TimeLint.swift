import SwiftASN1

/// RFC 5280 4.1.2.5 / 5.1.2.4: a Time is UTCTime `YYMMDDHHMMSSZ` for years 1950 through 2049
/// and GeneralizedTime `YYYYMMDDHHMMSSZ` (no fraction) from 2050; RFC 6960 uses
/// GeneralizedTime throughout.
enum TimeLint {
    /// The instant as `YYYYMMDDHHMMSS`, which orders as the time does; nil when malformed.
    typealias Instant = String

    /// Lints an RFC 5280 Time. Findings are named `<name>` (e.g. `lint.cert.validity_encoding`).
    static func time(_ node: ASN1Node, name: String, what: String, report: inout LintReport) -> Instant? {
        let text = String(decoding: node.bytes, as: UTF8.self)
        if node.identifier == .utcTime {
            guard let instant = digits(text, count: 12) else {
                report.error(name, "\(what) is UTCTime '\(text)', not YYMMDDHHMMSSZ")
                return nil
            }
            let century = Int(instant.prefix(2))! >= 50 ? "19" : "20"
            return century + instant
        }
        if node.identifier == .generalizedTime {
            guard let instant = digits(text, count: 14) else {
                report.error(name, "\(what) is GeneralizedTime '\(text)', not YYYYMMDDHHMMSSZ")
                return nil
            }
            if Int(instant.prefix(4))! < 2050 {
                report.error(name, "\(what) is GeneralizedTime for year \(instant.prefix(4)); years before 2050 must be UTCTime")
            }
            return instant
        }
        report.error(name, "\(what) is neither UTCTime nor GeneralizedTime")
        return nil
    }

    /// Lints a GeneralizedTime (OCSP, invalidity dates): Z-terminated, whole seconds.
    static func generalizedTime(_ node: ASN1Node, name: String, what: String, report: inout LintReport) -> Instant? {
        let text = String(decoding: node.bytes, as: UTF8.self)
        guard node.identifier == .generalizedTime, let instant = digits(text, count: 14) else {
            report.error(name, "\(what) must be GeneralizedTime YYYYMMDDHHMMSSZ, found '\(text)'")
            return nil
        }
        return instant
    }

    /// `count` digits and a final `Z`, with a plausible month, day, hour, minute and second.
    private static func digits(_ text: String, count: Int) -> String? {
        let utf8 = Array(text.utf8)
        guard utf8.count == count + 1, utf8.last == UInt8(ascii: "Z"),
              utf8.dropLast().allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }) else { return nil }
        let body = String(text.dropLast())
        let fields = Array(body.suffix(10))
        func field(_ at: Int) -> Int { Int(String(fields[at..<at + 2]))! }
        guard (1...12).contains(field(0)), (1...31).contains(field(2)), field(4) < 24, field(6) < 60, field(8) < 60 else { return nil }
        return body
    }
}
