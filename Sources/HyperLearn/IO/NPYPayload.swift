import Foundation

/// The elements of an array on their way into an `.npy` file or `.npz` member, produced piece by
/// piece: a table of hundreds of megabytes reaches the file without a serialised copy in memory.
///
/// ```swift
/// try NPYWriter.write(NPYPayload(float32: embeddings), to: url)   // no copy of the matrix
/// try NPZWriter.write([("train", NPYPayload(int64: members, shape: [count, 3]))], to: archive)
/// ```
public struct NPYPayload {
    /// The element type as written.
    public let dtype: NPYArray.DType
    /// The array's shape (C order).
    public let shape: [Int]
    /// Calls its argument with the little-endian element bytes, in order, in one or more pieces.
    let produce: ((UnsafeRawBufferPointer) throws -> Void) throws -> Void

    /// The bytes of the elements (not counting the `.npy` header).
    public var byteCount: Int { shape.reduce(1, *) * dtype.byteSize }

    /// An array already in memory.
    public init(_ array: NPYArray) {
        dtype = array.dtype
        shape = array.shape
        produce = { emit in try array.data.withUnsafeBytes { try emit($0) } }
    }

    /// A matrix as `<f4`, `rows × columns`.
    public init(float32 matrix: Matrix) {
        self.init(float32: matrix.storage, checkedShape: [matrix.rows, matrix.columns])
    }

    /// Float values as `<f4` of `shape`.
    /// - Throws: ``HyperLearnError/invalidArgument(_:)`` when the shape does not hold `values.count` elements.
    public init(float32 values: [Float], shape: [Int]) throws {
        try Self.check(shape, count: values.count)
        self.init(float32: values, checkedShape: shape)
    }

    /// Integer indices widened to `<i8` (NumPy's default integer) of `shape`, a piece at a time.
    /// - Throws: ``HyperLearnError/invalidArgument(_:)`` when the shape does not hold `values.count` elements.
    public init(int64 values: [Int32], shape: [Int]) throws {
        try Self.check(shape, count: values.count)
        dtype = .int64
        self.shape = shape
        produce = { emit in
            var piece = [Int64](repeating: 0, count: min(values.count, Self.pieceElements))
            for start in stride(from: 0, to: values.count, by: Self.pieceElements) {
                let end = min(start + Self.pieceElements, values.count)
                for i in start..<end { piece[i - start] = Int64(values[i]).littleEndian }
                try piece.withUnsafeBytes { try emit(UnsafeRawBufferPointer(rebasing: $0[0..<((end - start) * 8)])) }
            }
        }
    }

    private init(float32 values: [Float], checkedShape shape: [Int]) {
        dtype = .float32
        self.shape = shape
        #if _endian(little)
        produce = { emit in try values.withUnsafeBytes { try emit($0) } }
        #else
        produce = { emit in
            var piece = [UInt32](repeating: 0, count: min(values.count, Self.pieceElements))
            for start in stride(from: 0, to: values.count, by: Self.pieceElements) {
                let end = min(start + Self.pieceElements, values.count)
                for i in start..<end { piece[i - start] = values[i].bitPattern.littleEndian }
                try piece.withUnsafeBytes { try emit(UnsafeRawBufferPointer(rebasing: $0[0..<((end - start) * 4)])) }
            }
        }
        #endif
    }

    /// Elements converted per piece: 512 KB of `Int64`.
    private static let pieceElements = 1 << 16

    private static func check(_ shape: [Int], count: Int) throws {
        var elements = 1
        for d in shape {
            let product = elements.multipliedReportingOverflow(by: d)
            guard d >= 0, !product.overflow else {
                throw HyperLearnError.invalidArgument("array shape \(shape) is negative or too large")
            }
            elements = product.partialValue
        }
        guard elements == count else {
            throw HyperLearnError.invalidArgument("array shape \(shape) holds \(elements) elements, not \(count)")
        }
    }
}
