/// ReLU followed by inverted dropout, fused: `y = max(x, 0) ⊙ mask`, where `mask` holds `1/(1-p)` for
/// kept elements and 0 for dropped ones (Srivastava et al., JMLR 2014). Without a mask it is plain ReLU.
public enum ReLUDropout {
    /// `max(x, 0) ⊙ mask`.
    public static func forward(_ x: Matrix, mask: [Float]?) -> Matrix {
        var y = x
        CPUKernels.reluDropout(&y, mask: mask)
        return y
    }

    /// `∂x = ∂y ⊙ mask ⊙ [x > 0]`.
    public static func backward(preActivation x: Matrix, outputGradient dy: Matrix, mask: [Float]?) -> Matrix {
        var dx = dy
        CPUKernels.reluDropoutBackward(&dx, preActivation: x, mask: mask)
        return dx
    }
}
