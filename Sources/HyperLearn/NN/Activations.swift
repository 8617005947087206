/// ReLU followed by inverted dropout, fused: `y = max(x, 0) ⊙ mask`, where `mask` holds `1/(1-p)` for
/// kept elements and 0 for dropped ones (Srivastava et al., JMLR 2014). Without a mask it is plain ReLU.
///
/// Backward needs only the output `y`: the gradient passes exactly where `y > 0`. So a layer keeps
/// `y` alone for its backward pass, not its pre-activation too.
public enum ReLUDropout {
    /// `max(x, 0) ⊙ mask`.
    public static func forward(_ x: Matrix, mask: DropoutMask?) -> Matrix {
        var y = x
        CPUKernels.reluDropout(&y, mask: mask)
        return y
    }

    /// `∂x = ∂y ⊙ mask ⊙ [y > 0]`, from the forward's output `y` (its input gives the same result).
    /// - Throws: ``HyperLearnError/invalidArgument(_:)`` when `y` and `dy` differ in shape.
    public static func backward(output y: Matrix, outputGradient dy: Matrix, mask: DropoutMask?) throws -> Matrix {
        guard y.rows == dy.rows, y.columns == dy.columns else {
            throw HyperLearnError.invalidArgument("ReLUDropout.backward: output \(y.rows)×\(y.columns) and gradient \(dy.rows)×\(dy.columns) differ")
        }
        var dx = dy
        CPUKernels.reluDropoutBackward(&dx, output: y, mask: mask)
        return dx
    }
}
