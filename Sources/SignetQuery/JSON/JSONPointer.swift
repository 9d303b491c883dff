/// A JSON Pointer (RFC 6901): the address of one value inside a document.
///
/// Pointers are parsed once into unescaped reference tokens so the patch engine works
/// with plain member names and never has to think about `~0` / `~1` again.
public struct JSONPointer: Sendable, Hashable, CustomStringConvertible {
    /// The unescaped reference tokens; empty for the whole document.
    public let tokens: [String]

    /// Parses pointer text: `""` is the whole document, otherwise it must start with
    /// `/`. `~1` stands for `/` and `~0` for `~`; any other `~` sequence is rejected
    /// rather than guessed at, because a typo in a path should not edit another member.
    public init(_ text: String) throws(JSONPatchError) {
        guard !text.isEmpty else {
            tokens = []
            return
        }
        guard text.hasPrefix("/") else {
            throw .invalidPointer(pointer: text, reason: "must be empty or start with \"/\"")
        }
        var parsed: [String] = []
        for raw in text.dropFirst().split(separator: "/", omittingEmptySubsequences: false) {
            parsed.append(try Self.unescape(raw, in: text))
        }
        tokens = parsed
    }

    /// Builds a pointer from already-unescaped tokens.
    public init(tokens: [String]) {
        self.tokens = tokens
    }

    /// The pointer in its escaped text form, e.g. `/a~1b/0`.
    public var description: String {
        tokens.map { "/" + $0.replacingOccurrences(of: "~", with: "~0").replacingOccurrences(of: "/", with: "~1") }
            .joined()
    }

    /// True when `other` lies strictly inside the value this pointer names; used to
    /// refuse moving a value into its own descendant, which would destroy it.
    func isProperPrefix(of other: JSONPointer) -> Bool {
        tokens.count < other.tokens.count && Array(other.tokens.prefix(tokens.count)) == tokens
    }

    private static func unescape(_ raw: Substring, in text: String) throws(JSONPatchError) -> String {
        var result = String.UnicodeScalarView()
        var scalars = raw.unicodeScalars.makeIterator()
        while let scalar = scalars.next() {
            guard scalar == "~" else {
                result.append(scalar)
                continue
            }
            switch scalars.next() {
            case "0": result.append("~")
            case "1": result.append("/")
            default:
                throw .invalidPointer(pointer: text, reason: "\"~\" must be followed by 0 or 1")
            }
        }
        return String(result)
    }
}
