// swift-tools-version: 6.1
// libFuzzer targets for HyperLearn's readers; a package of their own, so that the library's build
// never links them. Build and run them with `make fuzz SECONDS=N` (scripts/fuzz.sh).
import Foundation
import PackageDescription

// A local package's identity is its folder's name, which differs between clones and worktrees.
let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
let hyperlearn = root.lastPathComponent

let fuzzers = ["FuzzManifest", "FuzzDelimitedText", "FuzzNPY", "FuzzNPZ", "FuzzCheckpoint", "FuzzModelArchive", "FuzzDatasetLoad"]

let package = Package(
    name: "HyperLearnFuzz",
    platforms: [.macOS(.v13)],
    dependencies: [.package(path: "..")],
    targets: [
        .target(name: "CFuzzer", path: "Sources/CFuzzer"),
        .target(name: "FuzzSupport", dependencies: ["CFuzzer", .product(name: "HyperLearn", package: hyperlearn)],
                path: "Sources/FuzzSupport"),
    ] + fuzzers.map { name in
        .executableTarget(name: name, dependencies: ["FuzzSupport", .product(name: "HyperLearn", package: hyperlearn)],
                          path: "Sources/\(name)")
    },
    swiftLanguageModes: [.v5]
)
