import FuzzSupport
import Foundation
import HyperLearn

/// The `.npy` parser and its conversions.
func fuzzNPY(_ data: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let bytes = Fuzz.bytes(data, count)
    Fuzz.expectHyperLearnError {
        let array = try NPYArray(npyBytes: bytes, file: "fuzz.npy")
        // Conversions allocate `count` elements: bounded by the bytes present, so this is safe.
        _ = try? array.int64Values()
        _ = try? array.doubleValues()
    }
    return 0
}

/// Seeds (with `HYPERLEARN_FUZZ_SEEDS=DIR`): writes small arrays of each dtype as seeds.
func initializeNPY(_ folder: URL) {
    let arrays: [(String, NPYArray?)] = [
        ("int64", try? NPYArray(shape: [3, 2], int64: [0, 1, 1, 2, 2, 0])),
        ("float32", try? NPYArray(shape: [2, 2], float32: [0.5, -1, 3, 4])),
        ("float64", try? NPYArray(shape: [4], float64: [1, 2, 3, 4])),
        ("scalar", try? NPYArray(shape: [], float64: [7])),
    ]
    for (name, array) in arrays {
        if let array { try? NPYWriter.write(array, to: folder.appendingPathComponent("\(name).npy")) }
    }
}

Fuzz.main(seeds: initializeNPY, fuzzNPY)
