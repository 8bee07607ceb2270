// swift-tools-version:6.0
import PackageDescription

// The compiler keeps the layers: a file sees only the members of the modules it imports, and existentials are
// spelled `any P`.
let upcoming: [SwiftSetting] = [
    .enableUpcomingFeature("MemberImportVisibility"),
    .enableUpcomingFeature("ExistentialAny"),
]

let package = Package(
    name: "Vigie",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "vigie", targets: ["vigie"])
    ],
    dependencies: [
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.1.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth", from: "2.5.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
    ],
    targets: [
        // C libraries behind shims: C types never leave VigieMail.
        .systemLibrary(
            name: "CEtpan", path: "Sources/CEtpan",
            providers: [.apt(["libetpan-dev"])]),
        .systemLibrary(
            name: "CCurl", path: "Sources/CCurl",
            providers: [.apt(["libcurl4-gnutls-dev"])]),

        // The domain: pure, synchronous, Foundation only.
        .target(name: "VigieCore", swiftSettings: upcoming),
        // Adapters to libetpan and libcurl.
        .target(
            name: "VigieMail",
            dependencies: [
                "CEtpan", "CCurl", "VigieCore",
                .product(name: "Logging", package: "swift-log"),
            ], swiftSettings: upcoming),
        // SQLite through GRDB.
        .target(
            name: "VigieStore",
            dependencies: [
                "VigieCore",
                .product(name: "GRDB", package: "GRDB.swift"),
            ], swiftSettings: upcoming),
        // Use cases wiring the rest.
        .target(
            name: "VigieApp",
            dependencies: [
                "VigieCore", "VigieMail", "VigieStore",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Mustache", package: "swift-mustache"),
            ], swiftSettings: upcoming),
        // The HTTP side of `serve` (Hummingbird 2): routes call the use cases of VigieApp, pages are its templates.
        .target(
            name: "VigieWeb",
            dependencies: [
                "VigieApp", "VigieCore",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ], swiftSettings: upcoming),
        // Parsing and printing only: the use cases of VigieApp and the domain's values, never the store.
        .executableTarget(
            name: "vigie",
            dependencies: [
                "VigieApp", "VigieWeb", "VigieCore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ], swiftSettings: upcoming),

        .testTarget(
            name: "VigieCoreTests", dependencies: ["VigieCore"], resources: [.copy("Golden")],
            swiftSettings: upcoming),
        .testTarget(
            name: "VigieMailTests", dependencies: ["VigieMail", "VigieCore"],
            resources: [.copy("Fixtures")], swiftSettings: upcoming),
        .testTarget(
            name: "VigieStoreTests",
            dependencies: [
                "VigieStore", "VigieCore", .product(name: "GRDB", package: "GRDB.swift"),
            ], swiftSettings: upcoming),
        // Use cases against in-memory transports and mailboxes (orchestration only; the wire is integration's).
        .testTarget(
            name: "VigieAppTests",
            dependencies: [
                "VigieApp", "VigieStore", "VigieCore",
                .product(name: "Logging", package: "swift-log"), .product(name: "Crypto", package: "swift-crypto"),
            ], swiftSettings: upcoming),
        .testTarget(
            name: "VigieIntegrationTests",
            dependencies: [
                "VigieApp", "VigieWeb", "VigieMail", "VigieStore", "VigieCore",
                .product(name: "GRDB", package: "GRDB.swift"), .product(name: "Logging", package: "swift-log"),
            ], swiftSettings: upcoming),
    ]
)
