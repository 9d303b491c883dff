/// Where the previous page ended: the last row's sort value and id.
///
/// Keyset pagination ("rows after this one") instead of OFFSET keeps page cost flat
/// however deep a client pages, and rows inserted meanwhile cannot shift the window.
public struct KeysetPosition: Sendable, Hashable, Codable {
    /// The last row's sort value as text, exactly as PostgreSQL prints it (select
    /// `ListSQL.sortValueExpression` to get it). `nil` means the row's value was NULL.
    public let sortValue: String?
    /// The last row's id as text.
    public let id: String

    public init(sortValue: String?, id: String) {
        self.sortValue = sortValue
        self.id = id
    }
}
