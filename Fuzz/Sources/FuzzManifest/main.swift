import FuzzSupport
import Foundation
import HyperLearn

/// The manifest parser: YAML syntax, schema checks, names and limits.
func fuzzManifest(_ data: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let text = String(decoding: Fuzz.bytes(data, count), as: UTF8.self)
    Fuzz.expectHyperLearnError {
        let manifest = try Manifest.parse(text, url: URL(fileURLWithPath: "/fuzz/manifest.yaml"))
        _ = manifest.resolvedFiles()
    }
    return 0
}

Fuzz.main(fuzzManifest)
