import Foundation
import Testing
@testable import SignetQuery

@Suite("RFC 3339 parsing")
struct RFC3339Tests {
    @Test(arguments: [
        ("1970-01-01T00:00:00Z", 0.0),
        ("2024-01-01T00:00:00Z", 1_704_067_200),
        ("2024-02-29T12:30:15z", 1_709_209_815),
        ("2024-01-01T02:00:00+02:00", 1_704_067_200),
        ("2023-12-31T19:00:00-05:00", 1_704_067_200),
        ("2000-03-01t00:00:00.25Z", 951_868_800.25),
        ("1969-12-31T23:59:59Z", -1),
        ("2016-12-31T23:59:60Z", 1_483_228_800),
    ])
    func parsesToTheRightInstant(text: String, seconds: Double) {
        #expect(RFC3339.parse(text) == Date(timeIntervalSince1970: seconds))
    }

    @Test(arguments: ["2023-02-29T00:00:00Z", "2024-04-31T00:00:00Z", "2024-00-10T00:00:00Z",
                      "2024-01-01T00:60:00Z", "2024-01-01T00:00:00+24:00", "2024-01-01T00:00:00+0100",
                      "24-01-01T00:00:00Z", "2024-01-01T00:00:00Zjunk", "２０２４-01-01T00:00:00Z"])
    func rejectsInvalidText(text: String) {
        #expect(RFC3339.parse(text) == nil)
    }

    @Test func agreesWithFoundationOnValidDates() throws {
        let text = "2031-07-15T08:09:10Z"
        #expect(RFC3339.parse(text) == (try Date(text, strategy: .iso8601)))
    }
}
