import AsyncHTTPClient
import Foundation
import Hummingbird
import HummingbirdTLS
import Logging
import NIOSSL
import ServiceLifecycle
import SignetAuth
import SignetCore
import SignetDMS
import SignetEST
import SignetStore
import SignetToken

/// `signet serve`: the CA service over HTTPS.
public enum SignetServer {
    /// What the routes work with.
    struct Services: Sendable {
        let core: SigningCore
        let database: Database
        let token: Token
        let catalog: Catalog
        let audit: any AuditTrail
        let registry: Registry
        let lifecycle: DeviceLifecycle
        let est: ESTService
        /// Refusals of unauthenticated requests, counted and sampled into the audit trail.
        let refusals: RefusalSampler
        /// The audit lag `/ready` and the audit status judge.
        var auditSettings = AuditSettings()

        /// What `include_system_ca` adds to a DMS's `/cacerts`.
        let systemCAs: SystemCABundle
        /// What `/metrics` serves, and to whom.
        var metrics = MetricsExport.standalone()
        var metricsAccess = MetricsAccess(allowed: [], verifier: nil)
        /// The console's templates; without them (in-process tests) no console is served.
        var console: ConsoleRenderer?
        /// Console sign-in through an OpenID Connect provider, when one is configured.
        var oidc: ConsoleOIDC?

        init(core: SigningCore, database: Database, token: Token, estDefaultDMS: String? = nil, webhookClient: HTTPClient = .shared,
             systemCAs: SystemCABundle = .none, keyEncryptionKeys: ESTKeyEncryptionKeys = .none) {
            self.core = core
            self.systemCAs = systemCAs
            self.database = database
            self.token = token
            catalog = Catalog(database: database)
            audit = database.auditTrail
            refusals = RefusalSampler(trail: database.auditTrail)
            registry = Registry(database: database)
            lifecycle = DeviceLifecycle(core: core, registry: registry, catalog: catalog)
            est = ESTService(core: core, registry: registry, stores: database.stores, defaultDMS: estDefaultDMS, webhook: ESTWebhook(client: webhookClient),
                             systemCAs: systemCAs.certificates, keyEncryptionKeys: keyEncryptionKeys)
        }
    }

    /// Builds everything from the configuration and serves until SIGTERM or SIGINT; in-flight
    /// requests finish before the process exits.
    public static func run(_ configuration: ServerConfiguration, logger: Logger) async throws {
        let token = try Token(TokenConfiguration(
            modulePath: try configuration.required(configuration.pkcs11Module, .pkcs11Module),
            label: try configuration.required(configuration.tokenLabel, .tokenLabel),
            pin: .file(try configuration.required(configuration.pinFile, .pinFile)),
            maxSessions: configuration.tokenSessions
        ))
        let webhookClient = httpClient(trusting: configuration.estWebhookCAFile)
        let oidcClient = configuration.oidcIssuer == nil ? nil : httpClient(trusting: configuration.oidcCAFile)
        func shutdown() async {
            try? await webhookClient.shutdown()
            try? await oidcClient?.shutdown()
            await token.shutdown()
        }
        let app: any ApplicationProtocol
        do {
            app = try await makeApplication(configuration, token: token, webhookClient: webhookClient, oidcClient: oidcClient, metrics: MetricsExport.bootstrap(), logger: logger)
        } catch {
            await shutdown()
            throw error
        }
        let group = ServiceGroup(configuration: .init(services: [app], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        do {
            try await group.run()
        } catch {
            await shutdown()
            throw error
        }
        await shutdown()
    }

    /// A client for services outside Signet (DMS webhooks, the OpenID Connect provider): the
    /// system's trust roots, plus the certificates of `file` when there is one; no redirects.
    static func httpClient(trusting file: String?) -> HTTPClient {
        var tls = TLSConfiguration.makeClientConfiguration()
        if let file {
            tls.additionalTrustRoots = [.file(file)]
        }
        var settings = HTTPClient.Configuration(tlsConfiguration: tls, redirectConfiguration: .disallow)
        settings.decompression = .disabled
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: settings)
    }

    static func makeApplication(_ configuration: ServerConfiguration, token: Token, webhookClient: HTTPClient, oidcClient: HTTPClient?,
                                metrics: MetricsExport, logger: Logger) async throws -> some ApplicationProtocol {
        let database = try Database(
            url: try configuration.required(configuration.databaseURL, .databaseURL),
            auditKey: try AuditKey(file: try configuration.required(configuration.auditKeyFile, .auditKeyFile)),
            maximumConnections: configuration.databaseConnections,
            logger: logger
        )
        let core = SigningCore(
            token: token, stores: database.stores, publicBaseURL: configuration.publicURL,
            revocationSettings: try configuration.revocationSettings(), logger: logger
        )
        let systemCAs = try configuration.systemCABundle.map(SystemCABundle.init(file:)) ?? .none
        let keyEncryptionKeys: ESTKeyEncryptionKeys
        do { keyEncryptionKeys = try configuration.estKeyEncryptionKeysFile.map(ESTKeyEncryptionKeys.init(file:)) ?? .none } catch {
            throw ConfigurationError("est_key_encryption_keys_file: \(error)")
        }
        var services = Services(
            core: core, database: database, token: token, estDefaultDMS: configuration.estDefaultDMS, webhookClient: webhookClient,
            systemCAs: systemCAs, keyEncryptionKeys: keyEncryptionKeys
        )
        services.auditSettings = try configuration.auditSettings()

        let jwks = try configuration.required(configuration.jwksFile, .jwksFile)
        guard let jwksData = FileManager.default.contents(atPath: jwks) else { throw ConfigurationError("cannot read the JWKS file \(jwks)") }
        let verifier = JWTVerifier(
            keys: try JWKSet(json: jwksData),
            issuer: configuration.jwtIssuer,
            audience: configuration.jwtAudience,
            roleClaimPath: configuration.roleClaim.split(separator: ".").map(String.init)
        )
        let cachingVerifier = CachingVerifier(verifier)
        services.metrics = metrics
        services.metricsAccess = MetricsAccess(allowed: try configuration.metricsAllowedNetworks(), verifier: cachingVerifier)
        let metricsRefresh = try configuration.metricsRefresh()
        services.console = try await ConsoleRenderer.load()
        if let settings = try configuration.oidcSettings(), let oidcClient {
            services.oidc = ConsoleOIDC(settings: settings, client: oidcClient)
            services.console?.singleSignOn = true
        }
        let health = DatabaseHealth(client: database.client, logger: logger)
        let router = Router(context: SignetRequestContext.self)
        router.add(middleware: RequestMetricsMiddleware())
        router.add(middleware: RequestLogMiddleware())
        router.add(middleware: ErrorMiddleware())
        router.add(middleware: DatabaseGateMiddleware(health: health))
        router.add(middleware: AuthenticationMiddleware(verifier: cachingVerifier, refusals: services.refusals))
        router.add(middleware: AuditMiddleware(trail: services.audit))
        let routes = RouteTable(router: router)
        register(routes, services: services)

        let tls = try tlsConfiguration(configuration)
        var app = Application(
            router: router,
            // Client certificates are requested, never required, and not judged by TLS: an EST
            // handler sees the certificate even when it has expired or comes from a manufacturer's
            // CA, and the DMS policy decides. Every other route ignores it.
            server: try .tls(.http1(), configuration: TLSChannelConfiguration(
                tlsConfiguration: tls,
                customVerificationCallback: { _, promise in promise.succeed(.certificateVerified) }
            )),
            configuration: .init(address: .hostname(configuration.listenHost, port: configuration.listenPort), serverName: "signet"),
            services: [
                DatabaseService(database: database), health, AuditSealerService(
                    chain: database.auditChain, checkpoints: database.auditCheckpoints, core: core, settings: services.auditSettings, logger: logger
                ),
                RevocationPublisherService(core: core, database: database, presignOCSP: configuration.ocspPresign, logger: logger),
                ImportJobService(registry: services.registry, logger: logger),
                MetricsRefreshService(token: token, database: database, registry: services.registry, interval: metricsRefresh,
                                      revocationSettings: core.revocationSettings, logger: logger),
            ],
            logger: logger
        )
        app.beforeServerStarts { try await database.migrate() }
        return app
    }

    /// Every route, in one place (the OpenAPI test reads the same table).
    static func register(_ routes: RouteTable, services: Services) {
        HealthRoutes.register(routes, services: services)
        MetricsRoutes.register(routes, services: services)
        CARoutes.register(routes, services: services)
        ProfileRoutes.register(routes, services: services)
        CertificateRoutes.register(routes, services: services)
        AuditRoutes.register(routes, services: services)
        PublicationRoutes.register(routes, services: services)
        DMSRoutes.register(routes, services: services)
        DeviceRoutes.register(routes, services: services)
        DeviceGroupRoutes.register(routes, services: services)
        JobRoutes.register(routes, services: services)
        ESTRoutes.register(routes, services: services)
        routes.refuseOtherMethods()
        // HTML for people, not the API: outside the route table, the OpenAPI document and the
        // JWT authentication; its own sessions and checks are in ConsoleRoutes.
        if let console = services.console { ConsoleRoutes.register(routes.router, services: services, renderer: console) }
    }

    static func tlsConfiguration(_ configuration: ServerConfiguration) throws -> TLSConfiguration {
        let certificateFile = try configuration.required(configuration.tlsCertificateFile, .tlsCertificateFile)
        let keyFile = try configuration.required(configuration.tlsKeyFile, .tlsKeyFile)
        let chain = try NIOSSLCertificate.fromPEMFile(certificateFile).map { NIOSSLCertificateSource.certificate($0) }
        let key = try NIOSSLPrivateKey(file: keyFile, format: .pem)
        var tls = TLSConfiguration.makeServerConfiguration(certificateChain: chain, privateKey: .privateKey(key))
        tls.minimumTLSVersion = .tlsv12
        tls.certificateVerification = .optionalVerification
        return tls
    }
}

/// Runs the PostgreSQL pool for as long as the application runs.
struct DatabaseService: Service {
    let database: Database
    func run() async throws {
        await cancelWhenGracefulShutdown { await database.run() }
    }
}
