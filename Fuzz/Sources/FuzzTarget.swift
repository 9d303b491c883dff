/// The parsers a hostile client reaches, one target each. A target returns normally for any
/// input a parser refuses; it traps (and libFuzzer reports a crash) only on a crash of
/// Signet's own or a broken invariant: what a parser accepted must read back the same.
enum FuzzTarget: String, CaseIterable {
    /// A CSR in any accepted encoding, through the gate's CSR rules and each reviewed
    /// profile's policy (what REST sign and explain run before the token is asked).
    case csr
    /// An EST simpleenroll / simplereenroll / serverkeygen body.
    case estBody = "est-body"
    /// An OCSP request, as POSTed (DER) and as the GET path (percent-encoded base64).
    case ocspRequest = "ocsp-request"
    /// The JSON bodies of the REST API: sign, explain, new/imported/external CA, status,
    /// OCSP signer, allowed profiles, DMS passcode and bind, profiles and DMS documents.
    case restBody = "rest-body"
    /// A list request's query string, bookmarks among it, over every list schema, down to SQL.
    case listQuery = "list-query"
    /// A JSON Patch document applied to a metadata object.
    case jsonPatch = "json-patch"
    /// A device import CSV.
    case csvImport = "csv-import"
    /// A bearer token, verified against a fixed key set.
    case jwt

    /// Work done once before fuzzing (fixtures, keys), so that it is not counted per input.
    func prepare() {
        switch self {
        case .csr: _ = CSRTarget.profiles
        case .jwt: _ = JWTTarget.verifier
        default: break
        }
    }

    func run(_ bytes: [UInt8]) {
        switch self {
        case .csr: CSRTarget.run(bytes)
        case .estBody: ESTBodyTarget.run(bytes)
        case .ocspRequest: OCSPRequestTarget.run(bytes)
        case .restBody: RESTBodyTarget.run(bytes)
        case .listQuery: ListQueryTarget.run(bytes)
        case .jsonPatch: JSONPatchTarget.run(bytes)
        case .csvImport: CSVImportTarget.run(bytes)
        case .jwt: JWTTarget.run(bytes)
        }
    }
}

/// Stops the run with a message libFuzzer records beside the input that caused it.
func broken(_ invariant: String, _ file: StaticString = #file, line: UInt = #line) -> Never {
    fatalError("invariant broken: \(invariant)", file: file, line: line)
}
