/// RFC 4180 records: fields separated by commas, optionally in double quotes (a quote in a
/// quoted field is doubled), records ended by CRLF or LF. A malformed record (text after a
/// closing quote, a quote inside an unquoted field, an unterminated quote) is reported for
/// that record, and reading goes on with the next line.
public struct CSVRecords: Sequence {
    public enum Record: Sendable, Equatable {
        case fields([String])
        case malformed(String)
    }

    let text: Substring

    public init(_ text: String) { self.text = Substring(text) }

    public func makeIterator() -> Iterator { Iterator(rest: text) }

    public struct Iterator: IteratorProtocol {
        var rest: Substring

        public mutating func next() -> Record? {
            while rest.hasPrefix("\n") || rest.hasPrefix("\r\n") { rest = rest.drop { $0 == "\r\n" || $0 == "\n" } }
            guard !rest.isEmpty else { return nil }
            var fields: [String] = []
            var field = ""
            var quoted = false
            var afterQuote = false
            var index = rest.startIndex
            while index < rest.endIndex {
                let character = rest[index]
                index = rest.index(after: index)
                if quoted {
                    if character == "\"" {
                        if index < rest.endIndex, rest[index] == "\"" {
                            field.append("\"")
                            index = rest.index(after: index)
                        } else {
                            quoted = false
                            afterQuote = true
                        }
                    } else {
                        field.append(character)
                    }
                    continue
                }
                switch character {
                case ",":
                    fields.append(field)
                    field = ""
                    afterQuote = false
                case "\n", "\r\n":
                    fields.append(field)
                    rest = rest[index...]
                    return .fields(fields)
                case "\"" where field.isEmpty && !afterQuote:
                    quoted = true
                default:
                    guard !afterQuote, character != "\"" else {
                        return skipLine(from: index, "a quote must open a field and be followed by a comma or the end of the line")
                    }
                    field.append(character)
                }
            }
            rest = rest[rest.endIndex...]
            if quoted { return .malformed("a quoted field is not closed") }
            fields.append(field)
            return .fields(fields)
        }

        private mutating func skipLine(from index: Substring.Index, _ reason: String) -> Record {
            let remainder = rest[index...]
            let end = remainder.firstIndex { $0 == "\n" || $0 == "\r\n" } ?? remainder.endIndex
            rest = remainder[end...]
            return .malformed(reason)
        }
    }
}
