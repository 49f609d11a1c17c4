// swift-tools-version:6.0
import PackageDescription

// Dependencies point one way: aepg (CLI) -> AEPG (pipelines) -> {Learn, PGClient} -> system libraries.
let package = Package(
    name: "aepg",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "aepg", targets: ["aepg"]),
        .library(name: "Learn", targets: ["Learn"]),
        .library(name: "PGClient", targets: ["PGClient"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
    ],
    targets: [
        .systemLibrary(name: "CLibPQ", pkgConfig: "libpq", providers: [.apt(["libpq-dev"])]),
        .systemLibrary(name: "CBLAS", pkgConfig: "openblas", providers: [.apt(["libopenblas-dev"])]),
        .target(name: "Learn", dependencies: ["CBLAS"]),
        .target(name: "PGClient", dependencies: ["CLibPQ"]),
        .target(name: "AEPG", dependencies: [
            "Learn", "PGClient",
            .product(name: "Logging", package: "swift-log"),
        ], plugins: ["EmbedSQL"]),
        // sql/ compiled into AEPG, so the binary carries its schema.
        .executableTarget(name: "embed-sql"),
        .plugin(name: "EmbedSQL", capability: .buildTool(), dependencies: ["embed-sql"]),
        .executableTarget(name: "aepg", dependencies: [
            "AEPG", "Learn", "PGClient",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        // Helpers shared by the test targets: the throwaway database, CSV loading, running the CLI.
        .target(name: "TestSupport", dependencies: ["PGClient"], path: "Tests/TestSupport"),
        // In-memory training and scoring throughput (benchmarks/compare.sh runs it beside PyTorch).
        .executableTarget(name: "aepg-bench", dependencies: ["Learn"]),
        // Unit tests: no database, no server binaries.
        .testTarget(name: "LearnTests", dependencies: ["Learn"]),
        .testTarget(name: "PGClientTests", dependencies: ["PGClient"]),
        .testTarget(name: "AEPGTests", dependencies: ["AEPG", "Learn", "PGClient"]),
        // Against the real PostgreSQL that scripts/test.sh starts (AEPG_TEST_DB), and the built binary.
        .testTarget(name: "IntegrationTests", dependencies: ["AEPG", "Learn", "PGClient", "TestSupport"]),
    ],
    swiftLanguageModes: [.v6]
)
