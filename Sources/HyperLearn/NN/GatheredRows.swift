/// The member rows of a chunk of hyperedges, gathered from the encoders' outputs: `order` blocks of
/// `capacity` rows each, block `j` holding `G_j = Z_{m_j}[i_j(e)]` for the chunk's hyperedges `e`.
///
/// One contiguous matrix instead of one per member keeps the decoder kernels to a single pointer
/// per operand and lets the trainer reuse the storage across chunks and steps.
public struct GatheredRows: Sendable {
    public let order: Int
    public let capacity: Int
    public var rows: Matrix

    /// - Throws: ``HyperLearnError/invalidArgument(_:)`` when a size is negative or the
    ///   `(order · capacity) × dimensions` element count overflows.
    public init(order: Int, capacity: Int, dimensions: Int) throws {
        let (count, overflow) = order.multipliedReportingOverflow(by: capacity)
        guard order >= 0, capacity >= 0, !overflow else {
            throw HyperLearnError.invalidArgument("GatheredRows(order:capacity:dimensions:): order \(order) and capacity \(capacity) must be ≥ 0 with an Int product")
        }
        try requireShape("GatheredRows(order:capacity:dimensions:)", rows: count, columns: dimensions)
        self.order = order
        self.capacity = capacity
        rows = Matrix(rows: count, columns: dimensions)
    }

    public var dimensions: Int { rows.columns }
}
