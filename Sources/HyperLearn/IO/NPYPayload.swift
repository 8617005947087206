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
        produce = Self.converted(values) { Int64($0).littleEndian }
    }

    private init(float32 values: [Float], checkedShape shape: [Int]) {
        dtype = .float32
        self.shape = shape
        #if _endian(little)
        produce = { emit in try values.withUnsafeBytes { try emit($0) } }
        #else
        produce = Self.converted(values) { $0.bitPattern.littleEndian }
        #endif
    }

    /// Elements converted per piece: 512 KB of `Int64`.
    private static let pieceElements = 1 << 16

    /// A producer that converts `values` a piece at a time into a reused buffer and emits each piece.
    private static func converted<Source, Target>(_ values: [Source], _ convert: @escaping (Source) -> Target)
        -> ((UnsafeRawBufferPointer) throws -> Void) throws -> Void {
        { emit in
            guard let first = values.first else { return }
            var piece = [Target](repeating: convert(first), count: min(values.count, pieceElements))
            for start in stride(from: 0, to: values.count, by: pieceElements) {
                let count = min(pieceElements, values.count - start)
                for i in 0..<count { piece[i] = convert(values[start + i]) }
                try piece.withUnsafeBytes { try emit(UnsafeRawBufferPointer(rebasing: $0[0..<(count * MemoryLayout<Target>.stride)])) }
            }
        }
    }

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
