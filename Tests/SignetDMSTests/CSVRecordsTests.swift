import SignetDMS
import Testing

@Suite struct CSVRecordsTests {
    @Test func quotedFieldsAndLineEndings() {
        let records = Array(CSVRecords("a,\"b,c\",\"say \"\"hi\"\"\"\r\n\nx,,\"multi\nline\"\nlast"))
        #expect(records == [.fields(["a", "b,c", "say \"hi\""]), .fields(["x", "", "multi\nline"]), .fields(["last"])])
    }

    @Test func aMalformedRecordIsReportedAndReadingGoesOn() {
        let records = Array(CSVRecords("a\"b,c\n\"ok\"x,y\ngood,row\n\"open"))
        #expect(records.count == 4)
        if case .malformed = records[0] {} else { Issue.record("quote inside a field: \(records[0])") }
        if case .malformed = records[1] {} else { Issue.record("text after a closing quote: \(records[1])") }
        #expect(records[2] == .fields(["good", "row"]))
        #expect(records[3] == .malformed("a quoted field is not closed"))
    }
}
