import FuzzSupport
import Foundation
import HyperLearn

/// The `.npz` reader: the ZIP container (through ZIPFoundation) and every member it lists.
func fuzzNPZ(_ data: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let url = Fuzz.file(Fuzz.bytes(data, count))
    Fuzz.expectHyperLearnError {
        let archive = try NPZArchive(url: url, fileName: "fuzz.npz")
        for name in archive.arrayNames.prefix(8) {
            if let array = try? archive.array(named: name) { _ = try? array.int64Values() }
        }
    }
    return 0
}

/// Seeds (with `HYPERLEARN_FUZZ_SEEDS=DIR`): writes a small archive like the DHNE ones (hyperedges and nums_type).
func initializeNPZ(_ folder: URL) {
    guard let edges = try? NPYArray(shape: [4, 3], int64: [0, 1, 2, 1, 2, 0, 2, 0, 1, 0, 0, 0]),
          let nums = try? NPYArray(shape: [3], int64: [3, 3, 3]) else { return }
    try? NPZWriter.write([("train_data", edges), ("nums_type", nums)], to: folder.appendingPathComponent("small.npz"))
}

Fuzz.main(seeds: initializeNPZ, fuzzNPZ)
