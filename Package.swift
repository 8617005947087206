// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "HyperLearn",
    platforms: [.macOS(.v13)],
    products: [
        .library(name: "HyperLearn", targets: ["HyperLearn"]),
        .executable(name: "hyperlearn", targets: ["HyperLearnCLI"]),
    ],
    traits: [
        // Opt-in: `swift build --traits MPI` (needs Open MPI: apt install libopenmpi-dev) adds
        // MPIExchange and `hyperlearn train --distributed mpi`; the default build needs no MPI.
        .trait(name: "MPI", description: "Multi-process sharding over MPI (Open MPI, pkg-config ompi-c)."),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/weichsel/ZIPFoundation", from: "0.9.20"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
    ],
    targets: [
        .systemLibrary(
            name: "CBLAS", path: "Sources/CBLAS", pkgConfig: "openblas",
            providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(
            name: "CLAPACKE", path: "Sources/CLAPACKE", pkgConfig: "lapacke",
            providers: [.apt(["liblapacke-dev"])]),
        .target(name: "CCUDA", path: "Sources/CCUDA"),
        .systemLibrary(name: "CMalloc", path: "Sources/CMalloc"),
        .systemLibrary(
            name: "CMPI", path: "Sources/CMPI", pkgConfig: "ompi-c",
            providers: [.apt(["libopenmpi-dev"])]),
        .target(
            name: "HyperLearn",
            dependencies: [
                "CBLAS", "CLAPACKE", "CCUDA", "CMalloc", "Yams",
                .target(name: "CMPI", condition: .when(traits: ["MPI"])),
                .product(name: "ZIPFoundation", package: "ZIPFoundation"),
                .product(name: "GRDB", package: "GRDB.swift"),
            ],
            path: "Sources/HyperLearn",
            resources: [.copy("Resources/drug")],
            linkerSettings: [.linkedLibrary("dl")]),
        .executableTarget(
            name: "HyperLearnCLI",
            dependencies: [
                "HyperLearn", "Yams", "CBLAS",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Sources/HyperLearnCLI"),
        .executableTarget(
            name: "HyperLearnBench", dependencies: ["HyperLearn", "Yams"], path: "Benchmarks/HyperLearnBench"),
        .executableTarget(name: "QuickStart", dependencies: ["HyperLearn"], path: "Examples/QuickStart"),
        .testTarget(name: "CBLASTests", dependencies: ["CBLAS", "CLAPACKE"], path: "Tests/CBLASTests"),
        .testTarget(
            name: "HyperLearnTests",
            dependencies: ["HyperLearn", .product(name: "GRDB", package: "GRDB.swift")],
            path: "Tests/HyperLearnTests"),
        .testTarget(
            name: "HyperLearnCLITests",
            dependencies: ["HyperLearnCLI", "HyperLearn", .product(name: "GRDB", package: "GRDB.swift")],
            path: "Tests/HyperLearnCLITests", resources: [.copy("Fixtures")]),
    ],
    swiftLanguageModes: [.v5]
)
