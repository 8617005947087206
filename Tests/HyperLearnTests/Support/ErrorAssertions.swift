@testable import HyperLearn
import XCTest

/// Asserts that `expression` throws ``HyperLearnError/invalidArgument(_:)`` whose message contains
/// every string of `fragments` (the function's name, the bad index or shape).
func assertInvalidArgument<T>(_ expression: @autoclosure () throws -> T, mentioning fragments: String...,
                              file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertThrowsError(try expression(), file: file, line: line) { error in
        guard case let HyperLearnError.invalidArgument(message) = error else {
            return XCTFail("expected invalidArgument, got \(error)", file: file, line: line)
        }
        for fragment in fragments where !message.contains(fragment) {
            XCTFail("message '\(message)' does not mention '\(fragment)'", file: file, line: line)
        }
    }
}
