import FuzzSupport
import Foundation
import HyperLearn

/// One small trainer, built once: every input is read as its checkpoint.
let trainer: Trainer = {
    var data = Dataset(name: "fuzz")
    for m in 0..<3 { try! data.addModality(Modality(name: "m\(m)", count: 6)) }
    var members = [Int32]()
    for e in 0..<30 { members += [Int32(e % 6), Int32((e / 6) % 6), Int32((e + 3) % 6)] }
    try! data.addRelation(Relation(name: "r", members: [0, 1, 2], task: .link, train: HyperedgeSet(order: 3, members: members)))
    var configuration = TrainingConfiguration()
    configuration.dimensions = 4
    configuration.hiddenDimensions = 4
    configuration.tableDimensions = 4
    configuration.epochs = 2
    configuration.threads = 1
    return try! Trainer(dataset: data, configuration: configuration)
}()

/// The checkpoint reader: framing, checksum, header JSON and validation. Each input is read twice:
/// as it is, and with its checksum field corrected, so mutations also reach the checks behind the CRC.
func fuzzCheckpoint(_ data: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let bytes = Fuzz.bytes(data, count)
    Fuzz.expectHyperLearnError { try trainer.loadCheckpoint(from: Fuzz.file(bytes)) }
    if let corrected = withCorrectedChecksum(bytes) {
        Fuzz.expectHyperLearnError { try trainer.loadCheckpoint(from: Fuzz.file(corrected)) }
    }
    return 0
}

/// `bytes` with the header's payload length and CRC-32 rewritten to match its payload, or nil when
/// the header is not a JSON object.
func withCorrectedChecksum(_ bytes: [UInt8]) -> [UInt8]? {
    guard bytes.count >= 16 else { return nil }
    let length = bytes[8..<16].withUnsafeBytes { Int(truncatingIfNeeded: UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self))) }
    guard length >= 0, length <= bytes.count - 16,
          var header = (try? JSONSerialization.jsonObject(with: Data(bytes[16..<(16 + length)]))) as? [String: Any] else { return nil }
    let payload = bytes[(16 + length)...]
    header["payloadBytes"] = payload.count
    header["payloadCRC32"] = CRC32.checksum(payload)
    guard let json = try? JSONSerialization.data(withJSONObject: header) else { return nil }
    var out = Array(bytes[0..<8])
    withUnsafeBytes(of: UInt64(json.count).littleEndian) { out += $0 }
    return out + json + payload
}

/// Seeds (with `HYPERLEARN_FUZZ_SEEDS=DIR`): writes this trainer's checkpoints after 0 and 2 epochs.
func initializeCheckpoint(_ folder: URL) {
    let seed = trainer
    try? seed.saveCheckpoint(to: folder.appendingPathComponent("epoch0.bin"))
    try? seed.fit()
    try? seed.saveCheckpoint(to: folder.appendingPathComponent("epoch2.bin"))
}

Fuzz.main(seeds: initializeCheckpoint, fuzzCheckpoint)
