import Hummingbird
import SignetMetrics

/// Counts and times every request by route template, method and status
/// (`signet_http_requests_total`, `signet_http_request_duration_seconds`).
///
/// The outermost middleware, so the status is the one the client got, after errors were
/// mapped. The route is the router's template (`/api/ca/v1/cas/:id/sign`), never the raw
/// path; a request no route matched is `unmatched`, and a method outside RFC 9110's set
/// `OTHER`, so neither a path nor a method a client makes up becomes a label.
struct RequestMetricsMiddleware: RouterMiddleware {
    typealias Context = SignetRequestContext

    private static let knownMethods: Set<String> = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "CONNECT", "QUERY"]

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        let method = Self.knownMethods.contains(request.method.rawValue) ? request.method.rawValue : "OTHER"
        do {
            let response = try await next(request, context)
            record(context, method: method, status: response.status.code, since: start)
            return response
        } catch let error as any HTTPResponseError {
            record(context, method: method, status: error.status.code, since: start)
            throw error
        } catch {
            record(context, method: method, status: 500, since: start)
            throw error
        }
    }

    private func record(_ context: Context, method: String, status: Int, since start: ContinuousClock.Instant) {
        let route = MetricLabel.bounded("route", context.routeTemplate)
        SignetMetrics.count(.httpRequests, [("route", route), ("method", method), ("status", String(status))])
        SignetMetrics.time(.httpRequestDuration, [("route", route), ("method", method)], since: start)
    }
}
