@testable import HyperLearn
import XCTest

final class CRC32Tests: XCTestCase {
    func testTheFastPathAgreesWithTheTableInPieces() {
        var generator = SeededGenerator(seed: 7)
        let bytes = (0..<100_003).map { _ in UInt8.random(in: 0...255, using: &generator) }
        let whole = bytes.withUnsafeBytes { CRC32.tableUpdate(0, $0) }
        let pieces = bytes.withUnsafeBytes { raw in
            [0..<1, 1..<4_097, 4_097..<100_003].reduce(UInt32(0)) { crc, range in
                CRC32.update(crc, UnsafeRawBufferPointer(rebasing: raw[range]))
            }
        }
        XCTAssertEqual(pieces, whole)
        XCTAssertEqual(CRC32.checksum(bytes), whole)
        XCTAssertEqual(Array("123456789".utf8).withUnsafeBytes { CRC32.update(0, $0) }, 0xCBF4_3926)
        XCTAssertEqual([UInt8]().withUnsafeBytes { CRC32.update(0x1234, $0) }, 0x1234, "no bytes: unchanged")
    }
}
