@testable import HyperLearnCLI
import XCTest

final class CLIParsingTests: XCTestCase {
    func testRootParses() throws {
        XCTAssertNoThrow(try HyperLearnCommand.parseAsRoot([]))
    }
}
