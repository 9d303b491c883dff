/// One value of a profile's subject template: literal text with holes filled per request.
///
/// - `{device_id}`: the device that enrollment authenticated (known on device enrollment only);
/// - `{csr.common_name}`: the common name of the request itself.
///
/// Text around a hole stays: `"{device_id}.plant-7"`. A brace outside a hole is refused, so a
/// typo such as `{deviceid}` fails when the profile is written, not in a certificate.
public struct SubjectTemplateText: Sendable, Hashable {
    enum Piece: Sendable, Hashable {
        case literal(String)
        case deviceID
        case csrCommonName
    }

    static let holes: [(String, Piece)] = [("{device_id}", .deviceID), ("{csr.common_name}", .csrCommonName)]

    let pieces: [Piece]

    /// The values holes take for one request.
    public struct Values: Sendable {
        public var deviceID: String?
        public var csrCommonName: String?

        public init(deviceID: String? = nil, csrCommonName: String? = nil) {
            self.deviceID = deviceID
            self.csrCommonName = csrCommonName
        }
    }

    /// Parses `text`; the error says which brace is not a hole.
    public init(_ text: String) throws(SubjectTemplateError) {
        var pieces: [Piece] = []
        var literal = ""
        var rest = Substring(text)
        while let first = rest.first {
            if first == "{", let (name, piece) = Self.holes.first(where: { rest.hasPrefix($0.0) }) {
                if !literal.isEmpty { pieces.append(.literal(literal)); literal = "" }
                pieces.append(piece)
                rest = rest.dropFirst(name.count)
            } else if first == "{" || first == "}" {
                throw .unknownHole("'\(text)' has \(first == "{" ? "an unknown or unclosed {…}" : "a '}' without its '{'"); the holes are {device_id} and {csr.common_name}")
            } else {
                literal.append(first)
                rest = rest.dropFirst()
            }
        }
        if !literal.isEmpty { pieces.append(.literal(literal)) }
        self.pieces = pieces
    }

    public var hasHoles: Bool { pieces.contains { if case .literal = $0 { false } else { true } } }

    /// The text with its holes filled; the error names the hole this request cannot fill.
    public func filled(_ values: Values) throws(SubjectTemplateError) -> String {
        var text = ""
        for piece in pieces {
            switch piece {
            case .literal(let literal):
                text += literal
            case .deviceID:
                guard let id = values.deviceID, !id.isEmpty else { throw .unfilled("{device_id} is known on device enrollment only, and this request names no device") }
                text += id
            case .csrCommonName:
                guard let name = values.csrCommonName, !name.isEmpty else { throw .unfilled("{csr.common_name} takes the request's common name, and the request has none") }
                text += name
            }
        }
        return text
    }
}

/// Why a subject template value cannot be used.
public enum SubjectTemplateError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Found when the profile is written.
    case unknownHole(String)
    /// Found for one request.
    case unfilled(String)

    public var description: String {
        switch self {
        case .unknownHole(let text), .unfilled(let text): text
        }
    }
}
