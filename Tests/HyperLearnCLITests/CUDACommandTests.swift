import ArgumentParser
@testable import HyperLearn
@testable import HyperLearnCLI
import XCTest

/// `hyperlearn doctor` and `hyperlearn selftest`: parsing everywhere, running where it makes sense.
final class CUDACommandTests: XCTestCase {
    func testDoctorParsesAndRunsWithoutADevice() throws {
        XCTAssertEqual(DoctorCommand.configuration.commandName, "doctor")
        XCTAssertEqual(DoctorCommand.configuration.abstract, "Show the compute devices and libraries HyperLearn can use.")
        let doctor = try DoctorCommand.parse([])
        try doctor.run()  // reports, never throws, whether or not CUDA is present
        XCTAssertThrowsError(try DoctorCommand.parse(["--bogus"]))
    }

    func testSelftestOptions() throws {
        let command = try SelftestCommand.parse(["--device", "cuda", "--ordinal", "0", "--tolerance", "1e-3"])
        XCTAssertEqual(command.device, .cuda)
        XCTAssertEqual(command.tolerance, 1e-3)
        XCTAssertThrowsError(try SelftestCommand.parse(["--device", "tpu"]))
        XCTAssertThrowsError(try SelftestCommand.parse(["--tolerance", "0"]))
        XCTAssertThrowsError(try SelftestCommand.parse(["--ordinal", "-1"]))
    }

    func testSelftestWithoutDeviceFailsWithTheReason() throws {
        guard (try? CUDAContext.deviceCount()) == nil else { throw XCTSkip("a CUDA device is present") }
        let command = try SelftestCommand.parse([])
        XCTAssertThrowsError(try command.run()) { error in
            XCTAssertTrue("\(error)".contains(" not found (searched "), "\(error)")
        }
    }

    func testSelftestOnDevice() throws {
        do { _ = try CUDABackend() } catch { throw XCTSkip("no CUDA device: \(CUDADiagnostics.message(error))") }
        let command = try SelftestCommand.parse([])
        try command.run()
    }
}
