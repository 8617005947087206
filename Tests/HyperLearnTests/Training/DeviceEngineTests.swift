@testable import HyperLearn
import XCTest

/// The training engine on device operations follows the CPU trainer step for step: on the host
/// (``CPUOperations``) on every machine, and on CUDA when a device is present.
final class DeviceEngineTests: XCTestCase {
    func assertParity(_ report: DeviceTrainingParity.Report, tolerance: Float, file: StaticString = #filePath, line: UInt = #line) {
        print("device engine parity: \(report)")
        XCTAssertEqual(report.steps, 10, file: file, line: line)
        XCTAssertLessThanOrEqual(report.lossError, Double(tolerance), "losses", file: file, line: line)
        for (cpu, device) in report.validationScores {
            XCTAssertEqual(device, cpu, accuracy: Double(tolerance) * 10, "validation score", file: file, line: line)
        }
        XCTAssertLessThanOrEqual(report.parameterError, tolerance, "parameters", file: file, line: line)
        XCTAssertLessThanOrEqual(report.averageError, tolerance, "parameter averages", file: file, line: line)
        XCTAssertGreaterThan(report.largestUpdate, 1e-3, "ten steps moved the parameters", file: file, line: line)
        XCTAssertLessThan(report.losses[1].cpu, report.losses[0].cpu, "the loss falls", file: file, line: line)
        XCTAssertEqual(report.exchange.device, report.exchange.cpu, "exchange volume", file: file, line: line)
        XCTAssertGreaterThan(report.exchange.device.rowBytes, 0, file: file, line: line)
    }

    func testHostEngineMatchesCPUTrainer() throws {
        assertParity(try DeviceTrainingParity.compare(on: CPUOperations()), tolerance: 1e-5)
    }

    /// One simulated device per shard (separate host spaces, so every exchange is a copy), and two
    /// shards sharing a device, against the unsharded CPU trainer.
    func testShardedHostEngineMatchesCPUTrainer() throws {
        let spaces = (0..<3).map { CPUOperations(space: $0) }
        assertParity(try DeviceTrainingParity.compare(on: spaces), tolerance: 1e-5)
        assertParity(try DeviceTrainingParity.compare(on: [spaces[0], spaces[1]], plan: try ShardPlan(owners: [1, 0, 1])),
                     tolerance: 1e-5)
        assertParity(try DeviceTrainingParity.compare(on: [spaces[1], spaces[1], spaces[2]]), tolerance: 1e-5)
    }

    /// With GPU memory semantics (tensors are handles written in place), single and sharded.
    func testHandleEngineMatchesCPUTrainer() throws {
        assertParity(try DeviceTrainingParity.compare(on: HandleOperations()), tolerance: 1e-5)
        assertParity(try DeviceTrainingParity.compare(on: (0..<3).map { HandleOperations(space: $0) }), tolerance: 1e-5)
    }

    func testShardedCUDAEngineMatchesCPUTrainer() throws {
        let gpu = try CUDAParityTests.requireCUDA()
        assertParity(try DeviceTrainingParity.compare(on: [gpu, gpu, gpu]), tolerance: 1e-4)
    }

    func testCUDAEngineMatchesCPUTrainer() throws {
        assertParity(try DeviceTrainingParity.compare(on: try CUDAParityTests.requireCUDA()), tolerance: 1e-4)
    }

    /// Sampled mini-batches with lazy Adam on the GPU equal the CPU run (the same sampled operators, uploaded).
    func testSampledCUDAEngineMatchesCPUTrainer() throws {
        let gpu = try CUDAParityTests.requireCUDA()
        assertParity(try DeviceTrainingParity.compare(on: [gpu, gpu, gpu], configuration: Self.sampledConfiguration()), tolerance: 1e-4)
    }

    /// Sampled mini-batches (each shard samples its modalities; lazy Adam updates the sampled table rows)
    /// on GPU-like handles, one simulated device per shard, equal the CPU run.
    func testSampledMiniBatchesOnDeviceHandles() throws {
        assertParity(try DeviceTrainingParity.compare(on: (0..<3).map { HandleOperations(space: $0) },
                                                      configuration: Self.sampledConfiguration()), tolerance: 1e-5)
    }

    static func sampledConfiguration() -> TrainingConfiguration {
        var config = DeviceTrainingParity.configuration()
        config.fanouts = [2, 3, -1]
        config.lazyAdam = true
        return config
    }

    /// The hashed dropout mask drops about `p` of the elements, identically for the same key.
    func testDropoutMaskRateAndDeterminism() throws {
        let mask = DropoutMask(key: 12345, rate: 0.3)
        let factors = try mask.factors(count: 100_000)
        let kept = factors.filter { $0 > 0 }.count
        XCTAssertEqual(Double(kept) / 100_000, 0.7, accuracy: 0.01)
        XCTAssertEqual(factors.first { $0 > 0 }, 1 / 0.7)
        XCTAssertEqual(factors, try DropoutMask(key: 12345, rate: 0.3).factors(count: 100_000))
        XCTAssertNotEqual(factors, try DropoutMask(key: 12346, rate: 0.3).factors(count: 100_000))
        XCTAssertEqual((0..<100).map { mask.keeps($0) }, (0..<100).map { factors[$0] > 0 })
    }

    /// The tuple decoder, smoothness and embedding L2 run on every device: the same engine on GPU-like
    /// handles, one simulated device per shard, equals the CPU run.
    func testTupleSmoothnessAndL2OnDeviceHandles() throws {
        for kind in [DecoderKind.tuple, .cpTuple] {
            var config = DeviceTrainingParity.configuration()
            config.decoder = kind
            config.tupleHiddenDimensions = 5
            config.smoothness = 0.1
            config.embeddingRegularization = 0.01
            let report = try DeviceTrainingParity.compare(on: (0..<3).map { HandleOperations(space: $0) }, configuration: config)
            assertParity(report, tolerance: 1e-5)
        }
    }

    /// The count term (``CountDecoder``) on GPU-like handles, one simulated device per shard and all on
    /// one, equals the CPU run: its features travel with each step's batch and its backward is the
    /// engine's perceptron backward.
    func testCountFeaturesOnDeviceHandles() throws {
        var config = DeviceTrainingParity.configuration()
        config.countFeatures = true
        config.countHiddenDimensions = 5
        assertParity(try DeviceTrainingParity.compare(on: (0..<3).map { HandleOperations(space: $0) }, configuration: config),
                     tolerance: 1e-5)
        assertParity(try DeviceTrainingParity.compare(on: HandleOperations(), configuration: config), tolerance: 1e-5)
    }
}
