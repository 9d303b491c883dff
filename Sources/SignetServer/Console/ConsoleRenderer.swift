import Foundation
import HTTPTypes
import Hummingbird
import Logging
import Mustache

/// Renders console pages from the Mustache templates shipped in `Console/Templates`: each
/// page's template, then the layout around it (navigation, the signed-in user, sign-out).
struct ConsoleRenderer: Sendable {
    let library: MustacheLibrary
    /// Whether the signed-out page offers single sign-on (an OpenID Connect provider is set).
    var singleSignOn = false

    static func load() async throws -> ConsoleRenderer {
        guard let directory = Bundle.module.url(forResource: "Templates", withExtension: nil) else {
            throw ConfigurationError("the console templates are missing from this build")
        }
        return ConsoleRenderer(library: try await MustacheLibrary(directory: directory.path))
    }

    /// The console's stylesheet, served from memory.
    static let stylesheet: [UInt8] = {
        guard let url = Bundle.module.url(forResource: "Static/console", withExtension: "css"), let data = try? Data(contentsOf: url) else { return [] }
        return Array(data)
    }()

    /// A whole page. `values` are what the page's template reads; `user` adds navigation and
    /// the sign-out form (nil on the pages shown before sign-in).
    func page(_ template: String, title: String, user: ConsoleUser?, section: String = "", _ values: [String: Any] = [:],
              status: HTTPResponse.Status = .ok, refresh: String? = nil) -> Response {
        let content = library.render(ConsoleValue.present(values), withTemplate: template) ?? "template \(template) is missing"
        var layout: [String: Any] = ["title": title, "content": content, "section_" + section: true]
        if let refresh { layout["refresh"] = refresh }
        if let user {
            layout["user"] = ["subject": user.session.subject, "roles": user.session.roles.sorted().joined(separator: ", "), "csrf": user.session.csrfToken]
        }
        let html = library.render(layout, withTemplate: "layout") ?? content
        return Self.html(html, status: status)
    }

    func refusal(_ refusal: ConsoleRefusal, user: ConsoleUser?) -> Response {
        var values: [String: Any] = ["message": refusal.message, "status": "\(refusal.status.code) \(refusal.status.reasonPhrase)"]
        if let rule = refusal.rule { values["rule"] = rule }
        if refusal.status == .unauthorized { values["signed_out"] = true }
        if singleSignOn { values["single_sign_on"] = true }
        return page("error", title: refusal.status == .unauthorized ? "Sign in" : "Not done", user: refusal.status == .unauthorized ? nil : user, values, status: refusal.status)
    }

    /// What every console response carries: nothing cached, nothing framed, nothing loaded or
    /// submitted from elsewhere, no scripts at all.
    static func securityHeaders(_ headers: inout HTTPFields) {
        headers[.contentSecurityPolicy] = "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
        headers[.cacheControl] = "no-store"
        headers[.xContentTypeOptions] = "nosniff"
        headers[.referrerPolicy] = "same-origin"
    }

    static func html(_ text: String, status: HTTPResponse.Status = .ok) -> Response {
        var headers: HTTPFields = [.contentType: "text/html; charset=utf-8"]
        securityHeaders(&headers)
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    static func redirect(_ location: String) -> Response {
        var headers: HTTPFields = [.location: location]
        securityHeaders(&headers)
        return Response(status: .seeOther, headers: headers)
    }
}

/// Turns a resource the API encodes into what a template reads, so a page shows exactly the
/// fields the API returns.
enum ConsoleValue {
    /// `values` without the entries that hold an absent optional, so a template's section
    /// over them renders nothing.
    static func present(_ values: [String: Any]) -> [String: Any] {
        values.filter { _, value in
            let mirror = Mirror(reflecting: value)
            return !(mirror.displayStyle == .optional && mirror.children.isEmpty)
        }
    }

    static func of<T: Encodable>(_ value: T) -> Any {
        guard let data = try? JSONEncoder.api.encode(value), let object = try? JSONSerialization.jsonObject(with: data) else { return [:] }
        return object
    }
}

extension HTTPField.Name {
    static let referrerPolicy = HTTPField.Name("Referrer-Policy")!
}
