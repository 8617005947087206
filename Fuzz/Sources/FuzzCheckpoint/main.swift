import FuzzSupport
import Foundation
import HyperLearn

/// One small trainer, built once: every input is read as its checkpoint.
let trainer = Fuzz.smallTrainer(epochs: 2)

/// The checkpoint reader: framing, checksum, header JSON and validation. Each input is read twice:
/// as it is, and with its checksum field corrected, so mutations also reach the checks behind the CRC.
func fuzzCheckpoint(_ data: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    var bytes = Fuzz.bytes(data, count)
    Fuzz.expectHyperLearnError { try trainer.loadCheckpoint(from: Fuzz.file(bytes)) }
    if bytes.count >= 28, bytes.starts(with: Array("HLCKPT02".utf8)) {
        withUnsafeBytes(of: CRC32.checksum(bytes[28...]).littleEndian) { bytes.replaceSubrange(24..<28, with: $0) }
        Fuzz.expectHyperLearnError { try trainer.loadCheckpoint(from: Fuzz.file(bytes)) }
    }
    return 0
}

/// Seeds (with `HYPERLEARN_FUZZ_SEEDS=DIR`): writes this trainer's checkpoints after 0 and 2 epochs.
func initializeCheckpoint(_ folder: URL) {
    let seed = trainer
    try? seed.saveCheckpoint(to: folder.appendingPathComponent("epoch0.bin"))
    try? seed.fit()
    try? seed.saveCheckpoint(to: folder.appendingPathComponent("epoch2.bin"))
}

Fuzz.main(seeds: initializeCheckpoint, fuzzCheckpoint)
