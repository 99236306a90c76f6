// swift-tools-version:6.0
import PackageDescription

#if os(Linux)
import Glibc
#endif

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny")
]

/// How release binaries are linked on Linux. Most of a static binary's resident memory is its own
/// file pages, and two of the toolchain's defaults fill them with what the exporter never uses:
/// a dynamic symbol table of every Swift symbol (`-export-dynamic`; nothing loads plugins into
/// the exporter) and 3 MB of relative relocations that the loader reads at every start. lld,
/// which ships with the toolchain, packs those relocations (DT_RELR) and leaves the symbols in the
/// file's ordinary symbol table, where debuggers and crash backtraces read them. Together that is
/// about 7 MiB less RSS; see docs/performance.md. DT_RELR needs glibc 2.36 where the binary runs,
/// so it is only asked for when the building machine has it (build and run on the same release,
/// as deploy/docker does).
let releaseLinkerSettings: [LinkerSetting] = {
    var flags = ["-use-ld=lld", "-Xlinker", "--no-export-dynamic"]
    if glibcLoadsPackedRelocations {
        flags += ["-Xlinker", "-z", "-Xlinker", "pack-relative-relocs"]
    }
    return [.unsafeFlags(flags, .when(platforms: [.linux], configuration: .release))]
}()

/// The exporter's release link also places the code a running exporter executes first and side
/// by side, so that fewer of the binary's code pages are resident (docs/performance.md, "The code
/// that runs is placed together"). `ReleaseLink/symbol-order.txt` lists those functions
/// (bench/symbol-order writes it from a callgrind profile) and `ReleaseLink/private-functions.ld`
/// gathers the helpers that have no symbol to list. Both work per function when the code is
/// compiled with `-function-sections`, which deploy/build-release adds for every package; built
/// without it (e.g. plain `swift build -c release`), the link still succeeds and moves whole
/// objects, with less of the gain.
let releaseLinkFolder = "\(Context.packageDirectory)/Sources/cloudflare-paygo-exporter/ReleaseLink"
let exporterLinkerSettings: [LinkerSetting] =
    releaseLinkerSettings + [
        .unsafeFlags(
            [
                "-Xlinker", "--symbol-ordering-file=\(releaseLinkFolder)/symbol-order.txt",
                // Names that changed since the list was written are expected, and cost only memory.
                "-Xlinker", "--no-warn-symbol-ordering",
                "-Xlinker", "--script=\(releaseLinkFolder)/private-functions.ld",
            ], .when(platforms: [.linux], configuration: .release))
    ]

/// Whether this machine's glibc applies DT_RELR relocations (2.36 and later).
var glibcLoadsPackedRelocations: Bool {
    #if os(Linux) && canImport(Glibc)
    // confstr answers "glibc 2.36".
    var text = [CChar](repeating: 0, count: 64)
    guard confstr(Int32(_CS_GNU_LIBC_VERSION), &text, text.count) > 0 else { return false }
    let answer = String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    let version = answer.split(separator: " ").last ?? ""
    let parts = version.split(separator: ".").compactMap { Int($0) }
    return parts.count >= 2 && (parts[0], parts[1]) >= (2, 36)
    #else
    return false
    #endif
}

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
        // The remote-write WriteRequest; its Swift code is generated once and committed
        // (Sources/PaygoExporter/RemoteWrite/Protobuf/), so no build plugin runs.
        .package(url: "https://github.com/apple/swift-protobuf.git", from: "1.39.0"),
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
                .product(name: "NIOHTTPTypesHTTP1", package: "swift-nio-extras"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "CompressNIO", package: "compress-nio"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ],
            // What the committed remote.pb.swift and types.pb.swift are generated from, and how.
            exclude: ["RemoteWrite/Protobuf/remote.proto", "RemoteWrite/Protobuf/types.proto", "RemoteWrite/Protobuf/generate.sh"],
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
            exclude: ["ReleaseLink"],
            swiftSettings: swiftSettings,
            linkerSettings: exporterLinkerSettings
        ),
        // The in-process half of bench/run: decode, aggregate and render timings and memory.
        .executableTarget(
            name: "paygo-bench",
            dependencies: ["PaygoExporter", .product(name: "NIOCore", package: "swift-nio")],
            path: "bench/Sources/paygo-bench",
            swiftSettings: swiftSettings,
            linkerSettings: releaseLinkerSettings
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
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "CompressNIO", package: "compress-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ],
            resources: [.copy("Fixtures")],
            swiftSettings: swiftSettings
        ),
    ]
)
