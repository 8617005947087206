import Dispatch
import Foundation

/// Sharding by modality (docs/method.md, "Distribution by modality"): which shard owns which encoder,
/// running the shards' encoder work concurrently, and keeping processes in step.
///
/// In one process (`configuration.shards > 1`) the shards are thread groups that split the cores:
/// their forward passes, backward passes and Adam updates run concurrently; the decoder runs once,
/// exactly as unsharded. With an exchange whose process runs only some shards (``ShardExchange``,
/// MPI: one rank per shard), the process computes only its own encoders and receives the other
/// modalities' gathered rows; the decoder is replicated and identical on every process.
extension Trainer {
    /// The modality → shard assignment in force: set by ``setShardPlan(_:)``, otherwise round robin
    /// over ``TrainingConfiguration/shards``.
    public var shardPlan: ShardPlan { shardAssignment }

    /// Pins modalities to shards (`--shard-map`); the plan must name every modality once.
    public func setShardPlan(_ plan: ShardPlan) throws {
        guard plan.owners.count == sizes.count else {
            throw HyperLearnError.invalidArgument("shard map names \(plan.owners.count) modalities; the dataset has \(sizes.count)")
        }
        shardAssignment = plan
        builtEngine = nil
    }

    /// Routes the exchange of gathered rows through `exchange` (default: ``InProcessExchange``).
    public func useExchange(_ exchange: any ShardExchange) {
        shardExchange = exchange
        builtEngine = nil
    }

    /// Across processes, copies each encoder's parameters, Adam moments and dropout stream from its
    /// owner, so that validation, checkpoints and exports see the whole model. A no-op in one process.
    func synchronizeShards() {
        guard !(shardExchange is InProcessExchange) else { return }
        let plan = shardPlan
        for (m, encoder) in model.encoders.enumerated() {
            let owner = plan.owners[m]
            for parameter in encoder.parameters {
                exchanging { try broadcast(&parameter.value.storage, from: owner, plan: plan) }
                var state = optimizer.moments(of: parameter)
                exchanging { try broadcast(&state.first.storage, from: owner, plan: plan) }
                exchanging { try broadcast(&state.second.storage, from: owner, plan: plan) }
                optimizer.moments[parameter.name] = state
            }
            var state = dropoutGenerators[m].state
            // A state that arrives invalid (all zero) is a failed exchange like any other.
            exchanging {
                try broadcast(&state, from: owner, plan: plan)
                dropoutGenerators[m] = try SeededGenerator(state: state)
            }
        }
    }

    private func broadcast<T>(_ values: inout [T], from shard: Int, plan: ShardPlan) throws {
        try values.withUnsafeMutableBytes { try shardExchange.broadcast($0, from: shard, plan: plan) }
    }

    /// Runs a collective. A failed collective leaves the processes out of step with no way to agree
    /// on a recovery, so it ends the process (as MPI's default error handler would).
    func exchanging(_ body: () throws -> Void) {
        do {
            try body()
        } catch {
            fatalError("shard exchange failed: \(error)")
        }
    }
}
