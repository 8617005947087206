/// The member rows of a chunk of hyperedges, gathered from the encoders' outputs: `order` blocks of
/// `capacity` rows each, block `j` holding `G_j = Z_{m_j}[i_j(e)]` for the chunk's hyperedges `e`.
///
/// One contiguous matrix instead of one per member keeps the decoder kernels to a single pointer
/// per operand and lets the trainer reuse the storage across chunks and steps.
public struct GatheredRows: Sendable {
    public let order: Int
    public let capacity: Int
    public var rows: Matrix

    public init(order: Int, capacity: Int, dimensions: Int) {
        self.order = order
        self.capacity = capacity
        rows = Matrix(rows: order * capacity, columns: dimensions)
    }

    /// Stacks per-member matrices of equal shape (tests, small inputs).
    public init(_ members: [Matrix]) {
        let count = members.first?.rows ?? 0
        self.init(order: members.count, capacity: count, dimensions: members.first?.columns ?? 0)
        for (j, member) in members.enumerated() {
            precondition(member.rows == count, "GatheredRows: members differ in rows")
            for i in 0..<member.storage.count { rows.storage[j * count * member.columns + i] = member.storage[i] }
        }
    }

    public var dimensions: Int { rows.columns }

    /// Block `j`'s first `count` rows as a matrix (a copy).
    public func member(_ j: Int, count: Int) -> Matrix {
        let d = dimensions
        return Matrix(rows: count, columns: d, uncheckedStorage: Array(rows.storage[(j * capacity * d)..<(j * capacity * d + count * d)]))
    }
}
