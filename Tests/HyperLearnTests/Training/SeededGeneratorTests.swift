@testable import HyperLearn
import XCTest

final class SeededGeneratorTests: XCTestCase {
    func testARestoredStateContinuesTheStream() throws {
        var original = SeededGenerator(seed: 7)
        _ = original.next()
        var restored = try SeededGenerator(state: original.state)
        XCTAssertEqual((0..<5).map { _ in restored.next() }, (0..<5).map { _ in original.next() })
        let decoded = try JSONDecoder().decode(SeededGenerator.self, from: JSONEncoder().encode(original))
        XCTAssertEqual(decoded, original)
    }

    func testAStateThatCannotDriveTheGeneratorIsRefused() {
        assertInvalidArgument(try SeededGenerator(state: [1, 2, 3]), mentioning: "SeededGenerator(state:)", "4 words")
        assertInvalidArgument(try SeededGenerator(state: [0, 0, 0, 0]), mentioning: "SeededGenerator(state:)", "not all zero")
        // Decoding checks the state too: three words would read past the state's end at the first draw.
        let json = Data(#"{"state":[1,2,3]}"#.utf8)
        assertInvalidArgument(try JSONDecoder().decode(SeededGenerator.self, from: json), mentioning: "SeededGenerator(state:)")
    }
}
