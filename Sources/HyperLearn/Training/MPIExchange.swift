#if MPI
import CMPI

/// A failed MPI call: the function, its status code and MPI's text for it.
public struct MPIError: Error, CustomStringConvertible {
    public let function: String
    public let code: Int32
    public let message: String

    public var description: String { "\(function) failed (MPI error \(code)): \(message)" }
}

/// Every MPI call the exchange makes, wrapped once: status codes become ``MPIError``s. Errors on
/// `MPI_COMM_WORLD` are set to return (not abort) so that they reach these checks.
enum MPI {
    static func check(_ code: Int32, _ function: String) throws {
        guard code != MPI_SUCCESS else { return }
        var text = [CChar](repeating: 0, count: Int(MPI_MAX_ERROR_STRING) + 1)
        var length: Int32 = 0
        _ = MPI_Error_string(code, &text, &length)
        throw MPIError(function: function, code: code, message: String(cString: text))
    }

    static func initialize() throws {
        var initialized: Int32 = 0
        try check(MPI_Initialized(&initialized), "MPI_Initialized")
        if initialized == 0 { try check(MPI_Init(nil, nil), "MPI_Init") }
        try check(MPI_Comm_set_errhandler(CMPI_comm_world(), CMPI_errors_return()), "MPI_Comm_set_errhandler")
    }

    static func finalize() throws {
        var finalized: Int32 = 0
        try check(MPI_Finalized(&finalized), "MPI_Finalized")
        if finalized == 0 { try check(MPI_Finalize(), "MPI_Finalize") }
    }

    static func rank() throws -> Int {
        var rank: Int32 = 0
        try check(MPI_Comm_rank(CMPI_comm_world(), &rank), "MPI_Comm_rank")
        return Int(rank)
    }

    static func size() throws -> Int {
        var size: Int32 = 0
        try check(MPI_Comm_size(CMPI_comm_world(), &size), "MPI_Comm_size")
        return Int(size)
    }

    /// `MPI_Allgatherv` of floats: `send` from every rank into `receive` at `displacements[rank]`.
    static func allGatherV(_ send: [Float], _ receive: inout [Float], counts: [Int32], displacements: [Int32]) throws {
        try send.withUnsafeBufferPointer { s in
            try receive.withUnsafeMutableBufferPointer { r in
                try check(MPI_Allgatherv(s.baseAddress, Int32(s.count), CMPI_float(), r.baseAddress, counts,
                                         displacements, CMPI_float(), CMPI_comm_world()), "MPI_Allgatherv")
            }
        }
    }

    static func allReduceSum(_ values: inout [Double]) throws {
        try values.withUnsafeMutableBufferPointer { v in
            try check(MPI_Allreduce(CMPI_in_place(), v.baseAddress, Int32(v.count), CMPI_double(), CMPI_op_sum(),
                                    CMPI_comm_world()), "MPI_Allreduce")
        }
    }

    static func broadcast(_ bytes: UnsafeMutableRawBufferPointer, root: Int) throws {
        try check(MPI_Bcast(bytes.baseAddress, Int32(bytes.count), CMPI_byte(), Int32(root), CMPI_comm_world()), "MPI_Bcast")
    }
}

/// One MPI rank per shard: rank `s` runs shard `s`'s encoders; the gathered rows and biases of each
/// decoder chunk travel by `MPI_Allgatherv` (each rank contributes the members it owns).
///
/// ```swift
/// let exchange = try MPIExchange()          // MPI_Init; rank and size from MPI_COMM_WORLD
/// trainer.useExchange(exchange)              // the trainer's shard plan must have `exchange.size` shards
/// try trainer.fit()
/// try exchange.finalize()
/// ```
public final class MPIExchange: ShardExchange {
    public let rank: Int
    public let size: Int
    private var send: [Float] = []
    private var receive: [Float] = []

    public init() throws {
        try MPI.initialize()
        rank = try MPI.rank()
        size = try MPI.size()
    }

    /// `MPI_Finalize` (once; later calls do nothing).
    public func finalize() throws { try MPI.finalize() }

    /// The one shard this process runs: its rank.
    /// - Throws: ``HyperLearnError/invalidArgument(_:)`` unless `plan` has one shard per rank.
    public func localShards(of plan: ShardPlan) throws -> [Int] {
        guard plan.shardCount == size else {
            throw HyperLearnError.invalidArgument("MPIExchange.localShards: \(plan.shardCount) shards on \(size) ranks; give one shard per rank")
        }
        return [rank]
    }

    /// - Throws: ``HyperLearnError/invalidArgument(_:)`` unless `plan` has one shard per rank, every member
    ///   names a modality of `plan`, and `gathered` and `biases` hold `count` rows for every member;
    ///   ``MPIError`` when the collective fails.
    public func allGather(_ gathered: inout GatheredRows, biases: inout [[Float]], count: Int, members: [Int],
                          plan: ShardPlan, fillLocal: (Int, inout GatheredRows, inout [[Float]]) -> Void) throws {
        guard plan.shardCount == size, members.allSatisfy({ plan.owners.indices.contains($0) }),
              (0...gathered.capacity).contains(count), members.count <= gathered.order, biases.count >= members.count,
              biases.prefix(members.count).allSatisfy({ $0.count >= count }) else {
            throw HyperLearnError.invalidArgument("MPIExchange.allGather: \(count) rows of members \(members) into \(gathered.order) blocks of \(gathered.capacity) and \(biases.count) bias rows, under \(plan) on \(size) ranks")
        }
        let d = gathered.dimensions, block = gathered.capacity * d, width = count * (d + 1)
        let owned = (0..<size).map { r in members.indices.filter { plan.owners[members[$0]] == r } }
        // Each rank's contribution: per owned member, its `count × d` rows, then its `count` biases.
        send.removeAll(keepingCapacity: true)
        for j in owned[rank] {
            fillLocal(j, &gathered, &biases)
            send.append(contentsOf: gathered.rows.storage[(j * block)..<(j * block + count * d)])
            send.append(contentsOf: biases[j][0..<count])
        }
        let counts = owned.map { Int32($0.count * width) }
        var displacements = [Int32](repeating: 0, count: size)
        for r in 1..<max(size, 1) { displacements[r] = displacements[r - 1] + counts[r - 1] }
        let total = Int(counts.reduce(0, +))
        if receive.count < total { receive = [Float](repeating: 0, count: total) }
        try MPI.allGatherV(send, &receive, counts: counts, displacements: displacements)
        for r in 0..<size where r != rank {
            var offset = Int(displacements[r])
            for j in owned[r] {
                gathered.rows.storage.replaceSubrange((j * block)..<(j * block + count * d),
                                                      with: receive[offset..<(offset + count * d)])
                biases[j].replaceSubrange(0..<count, with: receive[(offset + count * d)..<(offset + width)])
                offset += width
            }
        }
    }

    public func allReduceSum(_ values: inout [Double]) throws { try MPI.allReduceSum(&values) }

    public func broadcast(_ bytes: UnsafeMutableRawBufferPointer, from shard: Int, plan: ShardPlan) throws {
        try MPI.broadcast(bytes, root: shard)
    }
}
#endif
