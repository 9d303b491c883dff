import Hummingbird

extension Request {
    /// Whether this is a call of the REST API (`/api/…`), judged as the router judges paths.
    ///
    /// The router skips empty segments, so `//api/ca/v1/cas` reaches the same handler as
    /// `/api/ca/v1/cas`. Authentication, the audit of calls and the database gate must see
    /// such a path as an API call too: judged by its raw prefix, a valid token was ignored
    /// there (a 401 saying none was sent) and its refusals were neither counted nor sampled.
    var isAPICall: Bool {
        uri.path.split(separator: "/").first == "api"
    }

    /// Whether this is a request of the web console (`/console/…`), judged the same way.
    var isConsoleCall: Bool {
        uri.path.split(separator: "/").first == "console"
    }
}
