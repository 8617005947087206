import ArgumentParser
import Foundation
import HyperLearn

/// How the modalities are split over shards, and the transport between them.
enum DistributedTransport: String, ExpressibleByArgument, CaseIterable {
    /// One process: shards are thread groups.
    case none
    /// One MPI rank per shard (`mpirun -np S hyperlearn train … --distributed mpi`).
    case mpi
}

struct ShardingOptions: ParsableArguments {
    @Option(help: "Shards the modalities are split over, round robin (one thread group, or MPI rank, per shard; results do not change).")
    var shards: Int?

    @Option(name: .customLong("shard-map"), help: ArgumentHelp(
        "The shard of each modality, in manifest order (e.g. 0,0,1); overrides the round robin.", valueName: "list"))
    var shardMap: String?

    @Option(help: "Transport between shards: none (threads in one process) or mpi (one rank per shard; needs a build with `swift build --traits MPI`).")
    var distributed: DistributedTransport = .none

    func validate() throws {
        if let shards, shards < 1 { throw ValidationError("--shards must be ≥ 1, got \(shards)") }
        if let shardMap, parsedShardMap(shardMap) == nil {
            throw ValidationError("--shard-map takes comma-separated shard numbers ≥ 0 (e.g. 0,0,1), got '\(shardMap)'")
        }
    }

    func parsedShardMap(_ text: String) -> [Int]? { nonNegativeIntegers(text) }

    func apply(to configuration: inout TrainingConfiguration) {
        if let shards { configuration.shards = shards }
        if let shardMap, let owners = parsedShardMap(shardMap) { configuration.shards = (owners.max() ?? 0) + 1 }
    }

    /// Starts the transport (MPI_Init for `mpi`) and gives `trainer` its shard plan and exchange.
    /// Returns this process's rank (0 in one process) and a finaliser to call at the end.
    func start(on trainer: Trainer) throws -> (rank: Int, finish: () throws -> Void) {
        if let shardMap, let owners = parsedShardMap(shardMap) { try trainer.setShardPlan(try ShardPlan(owners: owners)) }
        switch distributed {
        case .none:
            return (0, {})
        case .mpi:
            #if MPI
            let exchange = try MPIExchange()
            let plan = trainer.shardPlan
            guard plan.shardCount == exchange.size else {
                throw CLIError("--distributed mpi runs one rank per shard: \(exchange.size) rank(s) for \(plan.shardCount) shard(s) (\(plan)); launch with mpirun -np \(plan.shardCount), or set --shards \(exchange.size)")
            }
            trainer.useExchange(exchange)
            return (exchange.rank, { try exchange.finalize() })
            #else
            throw CLIError("--distributed mpi: this hyperlearn was built without MPI; install Open MPI (apt-get install openmpi-bin libopenmpi-dev) and build with `swift build -c release --traits MPI`")
            #endif
        }
    }

    /// Under MPI without an explicit --shards or --shard-map: one shard per rank.
    func defaultShardsFromRanks(_ configuration: inout TrainingConfiguration) {
        guard distributed == .mpi, shards == nil, shardMap == nil else { return }
        if let size = ProcessInfo.processInfo.environment["OMPI_COMM_WORLD_SIZE"].flatMap(Int.init) {
            configuration.shards = size
        }
    }
}
