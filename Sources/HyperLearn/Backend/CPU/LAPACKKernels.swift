import CLAPACKE

/// The LAPACKE calls the library makes; status codes become thrown errors here.
enum LAPACKKernels {
    /// The `count` largest eigenvalues (descending) of the symmetric `n × n` row-major matrix `a`, and
    /// their unit eigenvectors as the columns of an `n × count` row-major matrix (`ssyevr`, upper triangle).
    static func largestEigenpairs(_ a: [Float], n: Int, count: Int) throws -> (values: [Float], vectors: [Float]) {
        guard n > 0, a.count == n * n, (1...n).contains(count) else {
            throw HyperLearnError.invalidArgument("largestEigenpairs: \(a.count) values for \(n)×\(n), \(count) pair(s)")
        }
        var matrix = a
        var found: Int32 = 0
        var values = [Float](repeating: 0, count: n)
        var vectors = [Float](repeating: 0, count: n * count)
        var support = [Int32](repeating: 0, count: 2 * count)
        // Eigenvalues are numbered ascending: the largest `count` are numbers n − count + 1 … n.
        let info = LAPACKE_ssyevr(LAPACK_ROW_MAJOR, 86 /* 'V' */, 73 /* 'I' */, 85 /* 'U' */, Int32(n), &matrix,
                                  Int32(n), 0, 0, Int32(n - count + 1), Int32(n), 0, &found, &values,
                                  &vectors, Int32(count), &support)
        guard info == 0, found == count else {
            throw HyperLearnError.numerical("LAPACKE_ssyevr returned \(info) (found \(found) of \(count) eigenpairs)")
        }
        // Descending order: reverse the columns.
        var descending = [Float](repeating: 0, count: n * count)
        for row in 0..<n { for k in 0..<count { descending[row * count + k] = vectors[row * count + (count - 1 - k)] } }
        return (Array(values.prefix(count).reversed()), descending)
    }
}
