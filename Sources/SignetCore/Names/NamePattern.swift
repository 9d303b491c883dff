import Foundation

/// Matching of subjectAltName values against a ``NamePolicy``'s patterns.
enum NamePattern {
    /// What the holes of a pattern stand for in one request.
    struct Values: Sendable {
        var deviceID: String?
        var commonName: String?
    }

    private enum Piece: Equatable {
        case literal(String)
        case deviceID, commonName, star
    }

    /// Why a pattern cannot be used, or nil.
    static func problem(_ pattern: String, type: NamePolicy.SANType) -> String? {
        if type == .ip {
            return IPRange(cidr: pattern) == nil ? "'\(pattern)' is not a CIDR range such as 10.0.0.0/8" : nil
        }
        guard let pieces = pieces(pattern) else {
            return "'\(pattern)' has an unknown or unclosed {…}; the holes are {device_id} and {cn}"
        }
        // A pattern must match something well-formed: fill every hole with a plain label.
        let sample = pieces.map { piece -> String in
            if case .literal(let text) = piece { return text }
            return "a"
        }.joined()
        let wellFormed = switch type {
        case .dns: NameSyntax.isDNSName(sample)
        case .email: NameSyntax.isEmailAddress(sample)
        case .uri: NameSyntax.isURI(sample)
        case .ip: true
        }
        return wellFormed ? nil : "'\(pattern)' can never match a valid \(type.rawValue) name"
    }

    /// Whether `name` matches `pattern` with the holes filled from `values`; a hole whose
    /// value is unknown matches nothing.
    static func matches(_ name: String, pattern: String, type: NamePolicy.SANType, values: Values) -> Bool {
        guard let pieces = pieces(pattern) else { return false }
        var expanded: [Piece] = []
        for piece in pieces {
            switch piece {
            case .deviceID:
                guard let id = values.deviceID, !id.isEmpty else { return false }
                expanded.append(.literal(id))
            case .commonName:
                guard let cn = values.commonName, !cn.isEmpty else { return false }
                expanded.append(.literal(cn))
            default:
                expanded.append(piece)
            }
        }
        let caseless = type == .dns
        return match(Array(name.utf8)[...], expanded[...], type: type, caseless: caseless)
    }

    private static func match(_ name: ArraySlice<UInt8>, _ pieces: ArraySlice<Piece>, type: NamePolicy.SANType, caseless: Bool) -> Bool {
        guard let piece = pieces.first else { return name.isEmpty }
        switch piece {
        case .literal(let text):
            let bytes = Array(text.utf8)
            guard name.count >= bytes.count else { return false }
            let head = name.prefix(bytes.count)
            let equal = caseless ? zip(head, bytes).allSatisfy { lower($0) == lower($1) } : head.elementsEqual(bytes)
            return equal && match(name.dropFirst(bytes.count), pieces.dropFirst(), type: type, caseless: caseless)
        case .star:
            var length = 0
            for byte in name {
                guard starAccepts(byte, type: type) else { break }
                length += 1
                if match(name.dropFirst(length), pieces.dropFirst(), type: type, caseless: caseless) { return true }
            }
            return false
        case .deviceID, .commonName:
            return false // filled in before matching
        }
    }

    private static func starAccepts(_ byte: UInt8, type: NamePolicy.SANType) -> Bool {
        if NameSyntax.isAlphanumeric(byte) || byte == UInt8(ascii: "-") { return true }
        return type != .dns && (byte == UInt8(ascii: ".") || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "~"))
    }

    private static func lower(_ byte: UInt8) -> UInt8 {
        (0x41...0x5A).contains(byte) ? byte + 0x20 : byte
    }

    private static func pieces(_ pattern: String) -> [Piece]? {
        var pieces: [Piece] = []
        var literal = ""
        var rest = Substring(pattern)
        func flush() { if !literal.isEmpty { pieces.append(.literal(literal)); literal = "" } }
        while let character = rest.first {
            if character == "*" {
                flush(); pieces.append(.star); rest = rest.dropFirst()
            } else if character == "{" {
                flush()
                if rest.hasPrefix("{device_id}") { pieces.append(.deviceID); rest = rest.dropFirst(11) }
                else if rest.hasPrefix("{cn}") { pieces.append(.commonName); rest = rest.dropFirst(4) }
                else { return nil }
            } else if character == "}" {
                return nil
            } else {
                literal.append(character); rest = rest.dropFirst()
            }
        }
        flush()
        return pieces.isEmpty ? nil : pieces
    }
}
