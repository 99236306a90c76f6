// swift-tools-version:6.0
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
]

let package = Package(
    name: "cloudflare-paygo-exporter",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "cloudflare-paygo-exporter", targets: ["cloudflare-paygo-exporter"]),
        .library(name: "PaygoExporter", targets: ["PaygoExporter"]),
        .executable(name: "paygo-bench", targets: ["paygo-bench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/adam-fowler/compress-nio.git", from: "1.5.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth.git", from: "2.5.0"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        // Already in the graph through Hummingbird and AsyncHTTPClient; named for the products below.
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.35.2"),
        .package(url: "https://github.com/apple/swift-crypto.git", "3.12.3"..<"5.0.0"),
    ],
    targets: [
        // The Prometheus text-format encoder: no dependencies, knows nothing of Cloudflare or HTTP.
        .target(
            name: "PrometheusExposition",
            swiftSettings: swiftSettings
        ),
        // zlib's CRC-32 for joining a precompressed body head with a per-scrape tail.
        .systemLibrary(name: "CZlib", path: "Sources/CZlib"),
        // Client, decoding, snapshot, rendering and the HTTP surface; tests import it.
        .target(
            name: "PaygoExporter",
            dependencies: [
                "PrometheusExposition",
                "CZlib",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "CompressNIO", package: "compress-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        // Parses flags and wires the library together; nothing else.
        .executableTarget(
            name: "cloudflare-paygo-exporter",
            dependencies: [
                "PaygoExporter",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // The in-process half of bench/run: decode, aggregate and render timings and memory.
        .executableTarget(
            name: "paygo-bench",
            dependencies: ["PaygoExporter", .product(name: "NIOCore", package: "swift-nio")],
            path: "bench/Sources/paygo-bench",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "PrometheusExpositionTests",
            dependencies: ["PrometheusExposition"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "PaygoExporterTests",
            dependencies: [
                "PaygoExporter",
                // Listed so `swift test` always builds the binary that the command-line tests run.
                "cloudflare-paygo-exporter",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "CompressNIO", package: "compress-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
            ],
            resources: [.copy("Fixtures")],
            swiftSettings: swiftSettings
        ),
    ]
)
