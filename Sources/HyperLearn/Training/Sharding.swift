import Foundation

/// Which shard owns which modality (docs/method.md, "Distribution by modality").
///
/// A shard owns a modality's graph, features, encoder parameters and their optimiser state; with
/// fewer shards than modalities a shard owns a group of modalities. The decoder's parameters are
/// replicated on every shard.
///
/// ```swift
/// let plan = try ShardPlan(shards: 2, modalities: 3)  // round robin: [[0, 2], [1]]
/// let pinned = try ShardPlan(owners: [0, 0, 1])       // modalities 0 and 1 on shard 0, 2 on shard 1
/// ```
public struct ShardPlan: Sendable, Equatable, CustomStringConvertible {
    /// `owners[m]`: the shard that owns modality `m`.
    public let owners: [Int]
    /// Number of shards (each owns at least one modality).
    public let shardCount: Int

    /// Round robin: modality `m` goes to shard `m mod shards` (shards beyond the modality count are dropped).
    /// - Throws: ``HyperLearnError/invalidArgument(_:)`` when `shards` is below 1 or `modalities` is negative.
    public init(shards: Int, modalities: Int) throws {
        guard shards >= 1, modalities >= 0 else {
            throw HyperLearnError.invalidArgument("ShardPlan(shards:modalities:): shards must be ≥ 1 and modalities ≥ 0, got \(shards) and \(modalities)")
        }
        let used = max(1, min(shards, modalities))
        owners = (0..<modalities).map { $0 % used }
        shardCount = used
    }

    /// An explicit assignment (`--shard-map 0,0,1`): shards are numbered `0..<S` and each owns a modality.
    public init(owners: [Int]) throws {
        guard let highest = owners.max() else { throw HyperLearnError.invalidArgument("shard map is empty") }
        guard owners.allSatisfy({ $0 >= 0 }) else {
            throw HyperLearnError.invalidArgument("shard map \(owners): shard numbers must be ≥ 0")
        }
        let missing = (0...highest).filter { !owners.contains($0) }
        guard missing.isEmpty else {
            throw HyperLearnError.invalidArgument("shard map \(owners): shard(s) \(missing) own no modality; number the shards 0..<S")
        }
        self.owners = owners
        shardCount = highest + 1
    }

    /// The modalities shard `s` owns, in increasing order.
    public func modalities(of s: Int) -> [Int] { owners.indices.filter { owners[$0] == s } }

    public var description: String {
        "ShardPlan(" + (0..<shardCount).map { "shard \($0): \(modalities(of: $0))" }.joined(separator: ", ") + ")"
    }
}

/// Bytes a step moves between shards: the gathered embedding rows (`Σ_r p_r · |B_r| · d · 4`, where
/// `|B_r|` counts a link relation's negatives too) and the gathered per-item biases (`Σ_r p_r · |B_r| · 4`).
///
/// This is the all-gather's logical volume, what every shard holds after it; it does not depend on
/// the transport or on the number of shards (with one shard nothing crosses a wire, but the count is
/// kept so that runs compare).
public struct ExchangeVolume: Sendable, Equatable, Codable {
    public var rowBytes = 0
    public var biasBytes = 0

    public init(rowBytes: Int = 0, biasBytes: Int = 0) {
        self.rowBytes = rowBytes
        self.biasBytes = biasBytes
    }

    public var totalBytes: Int { rowBytes + biasBytes }

    public static func += (lhs: inout ExchangeVolume, rhs: ExchangeVolume) {
        lhs.rowBytes += rhs.rowBytes
        lhs.biasBytes += rhs.biasBytes
    }
}

/// The communication of a sharded step. Every process calls every method in the same order with the
/// same arguments (collectives), except for the contents it contributes.
///
/// ### See Also
/// - ``InProcessExchange``: all shards in one process (threads).
/// - `MPIExchange` (package trait `MPI`): one process (rank) per shard.
public protocol ShardExchange: AnyObject {
    /// Shards whose encoders this process runs: all of them in one process, one per MPI rank.
    /// - Throws: ``HyperLearnError/invalidArgument(_:)`` when this exchange cannot run `plan` (MPI: a
    ///   shard count other than the number of ranks).
    func localShards(of plan: ShardPlan) throws -> [Int]

    /// All-gathers one decoder chunk. `members[j]` is the modality of member `j`; `fillLocal(j)`
    /// writes member `j`'s rows `Z_{m_j}[i_j(e)]` into `gathered` (block `j`, rows `0..<count`) and its
    /// biases into `biases[j][0..<count]`. On return every member's block and biases are filled.
    func allGather(_ gathered: inout GatheredRows, biases: inout [[Float]], count: Int, members: [Int],
                   plan: ShardPlan, fillLocal: (Int, inout GatheredRows, inout [[Float]]) -> Void) throws

    /// Element-wise sum over processes (the per-modality smoothness losses, which only the owner computes).
    func allReduceSum(_ values: inout [Double]) throws

    /// Copies `bytes` from the process that runs `shard` to every other process (parameter sync).
    func broadcast(_ bytes: UnsafeMutableRawBufferPointer, from shard: Int, plan: ShardPlan) throws
}

/// All shards in one process: each gathers its members' rows straight into the shared block, so
/// the all-gather is the gather itself.
public final class InProcessExchange: ShardExchange {
    public init() {}

    public func localShards(of plan: ShardPlan) -> [Int] { Array(0..<plan.shardCount) }

    public func allGather(_ gathered: inout GatheredRows, biases: inout [[Float]], count: Int, members: [Int],
                          plan: ShardPlan, fillLocal: (Int, inout GatheredRows, inout [[Float]]) -> Void) throws {
        for j in members.indices { fillLocal(j, &gathered, &biases) }
    }

    public func allReduceSum(_ values: inout [Double]) throws {}

    public func broadcast(_ bytes: UnsafeMutableRawBufferPointer, from shard: Int, plan: ShardPlan) throws {}
}
