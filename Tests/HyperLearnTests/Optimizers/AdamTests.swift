@testable import HyperLearn
import XCTest

/// Adam and AdamW against values computed by hand (in double precision from the update rule written
/// out: `g += λw` when coupled; `m = β₁m + (1−β₁)g`; `v = β₂v + (1−β₂)g²`; `w = w·(1 − lr·λ when
/// decoupled) − lr·(m/(1−β₁ᵗ)) / (√(v/(1−β₂ᵗ)) + ε)`), over two steps so that the bias correction of
/// step 1 and of step 2 are both checked. `lr = 0.1`, `λ = 0.1`, `w₀ = (1, −2)`, gradients `(0.5, 0.1)`
/// then `(−1, 0.3)`.
final class AdamTests: XCTestCase {
    let gradients: [[Float]] = [[0.5, 0.1], [-1, 0.3]]

    /// The parameter's value and moments after each step.
    func run(_ optimizer: Adam) -> [(value: [Float], first: [Float], second: [Float])] {
        var optimizer = optimizer
        let parameter = Parameter(name: "w", value: Matrix(rows: 1, columns: 2, uncheckedStorage: [1, -2]))
        var states = [(value: [Float], first: [Float], second: [Float])]()
        for gradient in gradients {
            parameter.gradient = Matrix(rows: 1, columns: 2, uncheckedStorage: gradient)
            optimizer.advance()
            try! optimizer.update(parameter)
            let moments = optimizer.moments(of: parameter)
            states.append((parameter.value.storage, moments.first.storage, moments.second.storage))
        }
        XCTAssertEqual(optimizer.step, 2)
        return states
    }

    func testFirstStepMovesEachWeightByTheLearningRate() {
        // Without decay, step 1's bias correction makes m̂/√v̂ = g/|g|: every weight moves by lr against its gradient.
        let states = run(Adam(learningRate: 0.1))
        assertClose(states[0].value, [0.9, -2.1], rtol: 1e-6, atol: 1e-6)
        assertClose(states[0].first, [0.05, 0.01], rtol: 1e-6)
        assertClose(states[0].second, [0.00025, 0.00001], rtol: 1e-6)
    }

    func testAdamWithCoupledWeightDecay() {
        let states = run(Adam(learningRate: 0.1, weightDecay: 0.1, decoupled: false))
        // Step 1: g = (0.5 + 0.1·1, 0.1 + 0.1·(−2)) = (0.6, −0.1), so w moves by lr against sign(g).
        assertClose(states[0].first, [0.06, -0.01], rtol: 1e-6)
        assertClose(states[0].second, [0.00036, 0.00001], rtol: 1e-6)
        assertClose(states[0].value, [0.9, -1.9], rtol: 1e-6, atol: 1e-6)
        // Step 2: corrections 1 − 0.9² = 0.19 and 1 − 0.999² = 0.001999.
        assertClose(states[1].first, [-0.037, 0.002], rtol: 1e-5)
        assertClose(states[1].second, [0.00118774, 0.0000220899998], rtol: 1e-5)
        assertClose(states[1].value, [0.925263519, -1.910013486], rtol: 1e-6)
    }

    func testAdamWDecoupledWeightDecay() {
        let states = run(Adam(learningRate: 0.1, weightDecay: 0.1, decoupled: true))
        // Step 1: the raw gradient feeds the moments; w is first shrunk by 1 − lr·λ = 0.99.
        assertClose(states[0].first, [0.05, 0.01], rtol: 1e-6)
        assertClose(states[0].value, [0.99 * 1 - 0.1, 0.99 * -2 - 0.1], rtol: 1e-6, atol: 1e-6)
        assertClose(states[1].first, [-0.055, 0.039], rtol: 1e-5)
        assertClose(states[1].second, [0.00124975, 0.00009999], rtol: 1e-5)
        assertClose(states[1].value, [0.917710354, -2.150978098], rtol: 1e-6)
    }

    /// Lazy Adam on some rows equals dense Adam on those rows, and leaves the others and their moments.
    func testAdamOnRowsEqualsDenseAdamOnThoseRows() throws {
        var g = SeededGenerator(seed: 4)
        var optimizer = Adam(learningRate: 0.01, weightDecay: 0.1)
        optimizer.advance()
        optimizer.advance()
        let rule = AdamRule(optimizer)
        let ops = CPUOperations()
        let start = randomMatrix(5, 3, using: &g), m0 = randomMatrix(5, 3, scale: 0.1, using: &g)
        var v0 = randomMatrix(5, 3, scale: 0.1, using: &g)
        v0.storage = v0.storage.map { $0 * $0 }
        let rowGradient = randomMatrix(2, 3, using: &g)
        let rows: [Int32] = [3, 0]
        var dense = start, denseM = m0, denseV = v0
        var full = Matrix(rows: 5, columns: 3)
        for (r, row) in rows.enumerated() { for k in 0..<3 { full[Int(row), k] = rowGradient[r, k] } }
        try ops.adamStep(parameter: &dense, gradient: full, firstMoment: &denseM, secondMoment: &denseV, rule: rule)
        var lazy = start, lazyM = m0, lazyV = v0
        try ops.adamStepRows(parameter: &lazy, gradient: rowGradient, rows: rows, firstMoment: &lazyM, secondMoment: &lazyV, rule: rule)
        for r in 0..<5 {
            for k in 0..<3 {
                let touched = rows.contains(Int32(r))
                XCTAssertEqual(lazy[r, k], touched ? dense[r, k] : start[r, k])
                XCTAssertEqual(lazyM[r, k], touched ? denseM[r, k] : m0[r, k])
                XCTAssertEqual(lazyV[r, k], touched ? denseV[r, k] : v0[r, k])
            }
        }
        XCTAssertNotEqual(dense[1, 0], start[1, 0], "dense Adam moves an untouched row (weight decay, momentum)")
        XCTAssertThrowsError(try ops.adamStepRows(parameter: &lazy, gradient: rowGradient, rows: [1, 1], firstMoment: &lazyM,
                                                  secondMoment: &lazyV, rule: rule))
        XCTAssertThrowsError(try ops.adamStepRows(parameter: &lazy, gradient: rowGradient, rows: [1, 5], firstMoment: &lazyM,
                                                  secondMoment: &lazyV, rule: rule))
        XCTAssertThrowsError(try ops.adamStepRows(parameter: &lazy, gradient: rowGradient, rows: [1], firstMoment: &lazyM,
                                                  secondMoment: &lazyV, rule: rule))
    }
}

extension AdamTests {
    func testRestoredStepCountsOnAndAStepOutsideTheRangeIsRefused() throws {
        var optimizer = Adam()
        try optimizer.restore(step: 41)
        optimizer.advance()
        XCTAssertEqual(optimizer.step, 42)
        try optimizer.restore(step: Adam.maximumStep)
        XCTAssertEqual(optimizer.step, Adam.maximumStep)
        assertInvalidArgument(try optimizer.restore(step: -1), mentioning: "Adam.restore(step:)", "-1")
        assertInvalidArgument(try optimizer.restore(step: Adam.maximumStep + 1), mentioning: "Adam.restore(step:)", "\(Adam.maximumStep + 1)")
        XCTAssertEqual(optimizer.step, Adam.maximumStep, "a refused step leaves the counter as it was")
    }

    func testZeroMomentsRefuseANegativeOrOverflowingShape() throws {
        let moments = try Adam.Moments(rows: 2, columns: 3)
        XCTAssertEqual(moments.first, Matrix(rows: 2, columns: 3))
        XCTAssertEqual(moments.second, Matrix(rows: 2, columns: 3))
        assertInvalidArgument(try Adam.Moments(rows: -1, columns: 3), mentioning: "Adam.Moments(rows:columns:)", "-1×3")
        assertInvalidArgument(try Adam.Moments(rows: Int.max, columns: 2), mentioning: "Adam.Moments(rows:columns:)")
    }
}
