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

    public var dimensions: Int { rows.columns }
}
