import Foundation

/// The CPU arithmetic of the attention decoder's operations (``AttentionDecoder``): multi-head
/// self-attention among the members of each hyperedge, and the element-wise `tanh` and product.
///
/// Attention reads member blocks: row `j·E + e` of a `(p·E) × a` matrix is member `j` of hyperedge
/// `e`, and head `h` owns columns `h·(a/H) ..< (h+1)·(a/H)`. A member attends to the other members of
/// its hyperedge, never to itself (Hyper-SAGNN's mask), so its output is built from the others alone.
/// The attention weights are kept as a `(p·E) × (H·p)` matrix: entry `[j·E + e, h·p + l]` is
/// member `j`'s weight on member `l` in head `h` (zero for `l = j`).
enum MemberAttentionKernels {
    /// `out_j = Σ_{l≠j} softmax_l(q_j·k_l / √(a/H)) v_l`, per hyperedge and head.
    static func forward(queries q: Matrix, keys k: Matrix, values v: Matrix, order p: Int, heads: Int) -> (output: Matrix, weights: Matrix) {
        let rows = q.rows, a = q.columns, edges = rows / p, width = a / heads
        let scale = 1 / Float(width).squareRoot()
        let q = q.storage, k = k.storage, v = v.storage
        var output = [Float](repeating: 0, count: rows * a)
        var weights = [Float](repeating: 0, count: rows * heads * p)
        var logits = [Float](repeating: 0, count: p)
        for e in 0..<edges {
            for h in 0..<heads {
                let offset = h * width
                for j in 0..<p {
                    let qRow = (j * edges + e) * a + offset
                    var largest = -Float.infinity
                    for l in 0..<p where l != j {
                        let kRow = (l * edges + e) * a + offset
                        var dot: Float = 0
                        for c in 0..<width { dot += q[qRow + c] * k[kRow + c] }
                        logits[l] = dot * scale
                        largest = max(largest, logits[l])
                    }
                    var total: Float = 0
                    for l in 0..<p where l != j {
                        logits[l] = Foundation.exp(logits[l] - largest)
                        total += logits[l]
                    }
                    let weightRow = (j * edges + e) * heads * p + h * p
                    for l in 0..<p where l != j {
                        let w = logits[l] / total
                        weights[weightRow + l] = w
                        let vRow = (l * edges + e) * a + offset
                        for c in 0..<width { output[qRow + c] += w * v[vRow + c] }
                    }
                }
            }
        }
        return (Matrix(rows: rows, columns: a, uncheckedStorage: output),
                Matrix(rows: rows, columns: heads * p, uncheckedStorage: weights))
    }

    /// The gradients of ``forward(queries:keys:values:order:heads:)``'s inputs for the output gradient
    /// `upstream`: `∂v_l = Σ_j w_jl ∂out_j`; with `∂w_jl = ∂out_j · v_l` and the softmax's
    /// `∂z_jl = w_jl (∂w_jl − Σ_m w_jm ∂w_jm)`, `∂q_j = Σ_l ∂z_jl k_l / √(a/H)` and
    /// `∂k_l = Σ_j ∂z_jl q_j / √(a/H)`.
    static func backward(queries q: Matrix, keys k: Matrix, values v: Matrix, weights: Matrix, upstream: Matrix,
                         order p: Int, heads: Int) -> (queries: Matrix, keys: Matrix, values: Matrix) {
        let rows = q.rows, a = q.columns, edges = rows / p, width = a / heads
        let scale = 1 / Float(width).squareRoot()
        let q = q.storage, k = k.storage, v = v.storage, weights = weights.storage, upstream = upstream.storage
        var dq = [Float](repeating: 0, count: rows * a), dk = dq, dv = dq
        var dw = [Float](repeating: 0, count: p)
        for e in 0..<edges {
            for h in 0..<heads {
                let offset = h * width
                for j in 0..<p {
                    let jRow = (j * edges + e) * a + offset
                    let weightRow = (j * edges + e) * heads * p + h * p
                    var weighted: Float = 0
                    for l in 0..<p where l != j {
                        let lRow = (l * edges + e) * a + offset
                        let w = weights[weightRow + l]
                        var dot: Float = 0
                        for c in 0..<width {
                            dot += upstream[jRow + c] * v[lRow + c]
                            dv[lRow + c] += w * upstream[jRow + c]
                        }
                        dw[l] = dot
                        weighted += w * dot
                    }
                    for l in 0..<p where l != j {
                        let lRow = (l * edges + e) * a + offset
                        let dz = weights[weightRow + l] * (dw[l] - weighted) * scale
                        for c in 0..<width {
                            dq[jRow + c] += dz * k[lRow + c]
                            dk[lRow + c] += dz * q[jRow + c]
                        }
                    }
                }
            }
        }
        return (Matrix(rows: rows, columns: a, uncheckedStorage: dq), Matrix(rows: rows, columns: a, uncheckedStorage: dk),
                Matrix(rows: rows, columns: a, uncheckedStorage: dv))
    }

    /// `tanh(x)` element-wise.
    static func tanh(_ x: Matrix) -> Matrix {
        Matrix(rows: x.rows, columns: x.columns, uncheckedStorage: x.storage.map { Foundation.tanh($0) })
    }

    /// `upstream ⊙ (1 − y²)` for `y = tanh(x)`.
    static func tanhBackward(output y: Matrix, upstream: Matrix) -> Matrix {
        Matrix(rows: y.rows, columns: y.columns,
               uncheckedStorage: zip(upstream.storage, y.storage).map { $0 * (1 - $1 * $1) })
    }

    /// `x ⊙ y` element-wise.
    static func multiply(_ x: Matrix, _ y: Matrix) -> Matrix {
        Matrix(rows: x.rows, columns: x.columns, uncheckedStorage: zip(x.storage, y.storage).map { $0 * $1 })
    }
}
