@testable import HyperLearn
import XCTest

/// ReLU and dropout in place, and a convolution's input gradient written over its activation in row
/// blocks: equal to the unfused operations, and checked by hand.
final class CPUReLUDropoutTests: XCTestCase {
    private let ops = CPUOperations()

    func testInPlaceForwardAndBackwardByHand() throws {
        var x = try Matrix([[-1, 2, 0.5], [-0.25, 3, 0]])
        ops.reluDropout(&x, mask: nil)
        XCTAssertEqual(x.storage, [0, 2, 0.5, 0, 3, 0])
        var gradient = try Matrix([[1, 2, 3], [4, 5, 6]])
        try ops.reluDropoutBackward(output: x, gradient: &gradient, mask: nil)
        XCTAssertEqual(gradient.storage, [0, 2, 3, 0, 5, 0])

        // With a mask: kept elements scaled by 1/(1−p), dropped ones 0, forward and backward alike.
        let mask = DropoutMask(key: 42, rate: 0.5)
        let input = (0..<64).map { Float($0 % 7) - 2 }
        var y = Matrix(rows: 8, columns: 8, uncheckedStorage: input)
        ops.reluDropout(&y, mask: mask)
        var upstream = Matrix(rows: 8, columns: 8, uncheckedStorage: (0..<64).map { Float($0) + 1 })
        try ops.reluDropoutBackward(output: y, gradient: &upstream, mask: mask)
        var kept = 0
        for i in 0..<64 {
            let passes = input[i] > 0 && mask.keeps(i)
            XCTAssertEqual(y.storage[i], passes ? input[i] * 2 : 0, "element \(i)")
            XCTAssertEqual(upstream.storage[i], passes ? (Float(i) + 1) * 2 : 0, "element \(i)")
            if mask.keeps(i) { kept += 1 }
        }
        XCTAssertTrue((16...48).contains(kept), "kept \(kept) of 64 at p = 0.5")
        // The pre-activation gives the same backward as the output.
        var fromInput = Matrix(rows: 8, columns: 8, uncheckedStorage: (0..<64).map { Float($0) + 1 })
        try ops.reluDropoutBackward(output: Matrix(rows: 8, columns: 8, uncheckedStorage: input), gradient: &fromInput, mask: mask)
        XCTAssertEqual(fromInput.storage, upstream.storage)
    }

    /// Blocks of 7 rows over 300 (a remainder block), with and without a root term and a mask: equal to
    /// the protocol's unfused default, which multiplies all rows at once.
    func testRowBlocksEqualTheUnfusedDefault() throws {
        var g = SeededGenerator(seed: 21)
        let rows = 300, width = 16, out = 8
        let dt = randomMatrix(rows, out, using: &g), weight = randomMatrix(width, out, using: &g)
        let dy = randomMatrix(rows, out, using: &g), rootWeight = randomMatrix(width, out, using: &g)
        var pre = randomMatrix(rows, width, using: &g)
        let mask = DropoutMask(key: 7, rate: 0.3)
        ops.reluDropout(&pre, mask: mask)
        let handles = HandleOperations()
        for (root, dropout) in [(false, false), (true, false), (true, true)] {
            let rootPair = root ? (upstream: dy, weight: rootWeight) : nil
            var blocked = pre
            CPUKernels.reluDropoutBackwardProduct(dt, weight: weight, root: rootPair, mask: dropout ? mask : nil,
                                                  activation: &blocked, blockElements: 7 * width)
            var viaDefault = try handles.upload(pre)
            let handleRoot = try rootPair.map { (upstream: try handles.upload($0.upstream), weight: try handles.upload($0.weight)) }
            try handles.reluDropoutBackwardProduct(try handles.upload(dt), weight: try handles.upload(weight), root: handleRoot,
                                                   mask: dropout ? mask : nil, rows: rows, columns: width, activation: &viaDefault)
            let expected = try handles.download(viaDefault)
            for i in 0..<(rows * width) {
                XCTAssertEqual(blocked.storage[i], expected.storage[i], accuracy: 1e-5, "element \(i), root \(root), dropout \(dropout)")
            }
            // By hand, one element of row 151 (inside the 22nd block).
            let r = 151, c = 5, i = r * width + c
            var sum: Float = 0
            for k in 0..<out { sum += dt[r, k] * weight[c, k] + (root ? dy[r, k] * rootWeight[c, k] : 0) }
            let factor: Float = dropout ? mask.keepScale : 1
            XCTAssertEqual(blocked.storage[i], pre.storage[i] > 0 ? sum * factor : 0, accuracy: 1e-5)
        }
        XCTAssertGreaterThan(pre.storage.filter { $0 > 0 }.count, 1_000, "the activation has positive elements to pass")
    }

    func testBadShapesThrowAndLeaveTheActivation() throws {
        var activation = Matrix(rows: 4, columns: 3, uncheckedStorage: Array(repeating: 1, count: 12))
        let dt = Matrix(rows: 4, columns: 2), weight = Matrix(rows: 3, columns: 2)
        assertInvalidArgument(try ops.reluDropoutBackwardProduct(dt, weight: Matrix(rows: 2, columns: 2), root: nil, mask: nil,
                                                                 rows: 4, columns: 3, activation: &activation),
                              mentioning: "reluDropoutBackwardProduct", "(2×2)ᵀ")
        assertInvalidArgument(try ops.reluDropoutBackwardProduct(dt, weight: weight, root: (Matrix(rows: 3, columns: 2), weight),
                                                                 mask: nil, rows: 4, columns: 3, activation: &activation),
                              mentioning: "root 3×2")
        assertInvalidArgument(try ops.reluDropoutBackwardProduct(dt, weight: weight, root: nil, mask: nil,
                                                                 rows: 5, columns: 3, activation: &activation),
                              mentioning: "expected 5×3")
        var gradient = Matrix(rows: 2, columns: 3)
        assertInvalidArgument(try ops.reluDropoutBackward(output: activation, gradient: &gradient, mask: nil),
                              mentioning: "reluDropoutBackward")
        XCTAssertEqual(activation.storage, Array(repeating: 1, count: 12))
    }
}
