import Foundation

/// Durations as profiles write them: a sequence of number+unit, units `d` (24 h), `h`, `m`, `s`.
/// `8760h`, `90d`, `1h30m`. No years or months: their length would surprise someone.
public enum DurationText {
    public static func seconds(_ text: String) throws -> TimeInterval {
        var total: Double = 0
        var number = ""
        var sawUnit = false
        for character in text {
            if character.isNumber {
                number.append(character)
                continue
            }
            let unit: Double = switch character {
            case "d": 86_400
            case "h": 3_600
            case "m": 60
            case "s": 1
            default: throw DurationError(text: text, reason: "'\(character)' is not a number or a unit (d, h, m, s)")
            }
            guard let value = Double(number) else { throw DurationError(text: text, reason: "a unit without a number") }
            total += value * unit
            number = ""
            sawUnit = true
        }
        guard number.isEmpty else { throw DurationError(text: text, reason: "'\(number)' has no unit (d, h, m, s)") }
        guard sawUnit, total > 0 else { throw DurationError(text: text, reason: "must be longer than zero") }
        guard total <= 100 * 366 * 86_400 else { throw DurationError(text: text, reason: "longer than 100 years") }
        return total
    }
}

/// A duration string that could not be read.
public struct DurationError: Error, Sendable, CustomStringConvertible {
    public let text: String
    public let reason: String
    public var description: String { "duration '\(text)': \(reason)" }
}
