// swift-tools-version:6.0
import Foundation
import PackageDescription

let package = Package(
    name: "Signet",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "signet", targets: ["signet"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-certificates.git", from: "1.21.1"),
        .package(url: "https://github.com/apple/swift-asn1.git", from: "1.7.4"),
        .package(url: "https://github.com/apple/swift-crypto.git", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache.git", from: "2.1.1"),
    ],
    targets: [
        // p11-kit's pkcs11.h; modules are loaded at run time with dlopen, so nothing is linked.
        .systemLibrary(name: "CPKCS11", path: "Sources/CPKCS11"),
        // Metric names and recording, over swift-metrics; `signet serve` bootstraps Prometheus.
        .target(name: "SignetMetrics", dependencies: [.product(name: "CoreMetrics", package: "swift-metrics")]),
        .target(
            name: "SignetToken",
            dependencies: [
                "CPKCS11", "SignetMetrics",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
        .target(
            name: "SignetCore",
            dependencies: [
                "SignetToken", "SignetMetrics",
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Leaves shared by the store and the server: the list query language, JSON Patch, JWT.
        .target(name: "SignetQuery"),
        .target(
            name: "SignetAuth",
            dependencies: [
                "SignetQuery",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
            ]
        ),
        .target(
            name: "SignetStore",
            dependencies: [
                "SignetCore", "SignetQuery", "SignetMetrics",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            resources: [.copy("Migrations")]
        ),
        .target(
            name: "SignetDMS",
            dependencies: [
                "SignetCore", "SignetStore", "SignetQuery",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "SignetEST",
            dependencies: [
                "SignetCore", "SignetStore", "SignetDMS", "SignetQuery",
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ]
        ),
        .target(
            name: "SignetServer",
            dependencies: [
                "SignetToken", "SignetCore", "SignetStore", "SignetQuery", "SignetAuth", "SignetDMS", "SignetEST", "SignetMetrics",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ],
            resources: [.copy("openapi.json"), .copy("Console/Templates"), .copy("Console/Static")]
        ),
        .executableTarget(
            name: "signet",
            dependencies: [
                "SignetToken", "SignetCore", "SignetStore", "SignetServer", "SignetAuth", "SignetDMS", "SignetQuery",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(name: "SignetQueryTests", dependencies: ["SignetQuery"]),
        .testTarget(name: "SignetDMSTests", dependencies: ["SignetDMS", "SignetQuery"]),
        .testTarget(
            name: "SignetAuthTests",
            dependencies: [
                "SignetAuth",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
            ]
        ),
        .testTarget(
            name: "SignetTests",
            dependencies: [
                "SignetToken", "SignetCore", "SignetStore", "SignetServer", "SignetQuery", "SignetAuth", "SignetDMS", "SignetEST", "SignetMetrics",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)

// The libFuzzer targets (Fuzz/, run by deploy/fuzz) exist only when SIGNET_FUZZ is set: they
// link only with -sanitize=fuzzer, so normal builds never see them.
if ProcessInfo.processInfo.environment["SIGNET_FUZZ"] != nil {
    package.targets.append(
        .executableTarget(
            name: "signet-fuzz",
            dependencies: [
                "SignetCore", "SignetQuery", "SignetAuth", "SignetStore", "SignetDMS", "SignetEST", "SignetServer",
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
            ],
            path: "Fuzz/Sources"
        )
    )
}
