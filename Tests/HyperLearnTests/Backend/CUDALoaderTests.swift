import Foundation
@testable import HyperLearn
import XCTest

/// The run-time loader, checked on any machine: these tests need no GPU and no CUDA library.
final class CUDALoaderTests: XCTestCase {
    private var temporaryFolder: URL!

    override func setUpWithError() throws {
        temporaryFolder = FileManager.default.temporaryDirectory
            .appendingPathComponent("hyperlearn-cuda-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: temporaryFolder, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: temporaryFolder)
    }

    func testEmptySearchFolderNamesLibraryAndFolder() throws {
        XCTAssertThrowsError(try CUDALibrary.open(family: "libcudart", names: CUDALibraryNames.runtime,
                                                  folders: [temporaryFolder.path], systemSearch: false)) { error in
            guard case let HyperLearnError.device(message) = error else { return XCTFail("\(error)") }
            XCTAssertTrue(message.hasPrefix("libcudart not found (searched libcudart.so.13, libcudart.so.12, libcudart.so in "),
                          message)
            XCTAssertTrue(message.contains(self.temporaryFolder.path), message)
            XCTAssertTrue(message.contains("HYPERLEARN_CUDA_PATH"), message)
            XCTAssertTrue(message.contains("No such file"), message)  // the dlerror() text is kept
        }
    }

    func testEnvironmentVariableIsSearchedFirst() throws {
        let other = temporaryFolder.appendingPathComponent("second").path
        setenv(CUDASearchPath.environmentVariable, "\(temporaryFolder.path):\(other)", 1)
        defer { unsetenv(CUDASearchPath.environmentVariable) }
        XCTAssertEqual(CUDASearchPath.folders, [temporaryFolder.path, other])
        XCTAssertThrowsError(try CUDALibrary.open(family: "libcublas", names: CUDALibraryNames.cublas,
                                                  systemSearch: false)) { error in
            let text = "\(error)"
            XCTAssertTrue(text.contains("libcublas not found"), text)
            XCTAssertTrue(text.contains("\(self.temporaryFolder.path), \(other)"), text)
        }
    }

    func testBrokenLibraryFileReportsDynamicLoaderError() throws {
        let fake = temporaryFolder.appendingPathComponent("libcudart.so.13")
        try Data("not an ELF file".utf8).write(to: fake)
        XCTAssertThrowsError(try CUDALibrary.open(family: "libcudart", names: ["libcudart.so.13"],
                                                  folders: [temporaryFolder.path], systemSearch: false)) { error in
            let text = "\(error)"
            XCTAssertTrue(text.contains(fake.path), text)  // dlerror names the file it rejected
            XCTAssertFalse(text.contains("No such file"), text)
        }
    }

    func testMissingSymbolNamesSymbolAndLibrary() throws {
        // libm is a real shared library that certainly lacks cuBLAS.
        let library = try CUDALibrary.open(family: "libm", names: ["libm.so.6"], folders: [])
        XCTAssertThrowsError(try library.requiredSymbol("cublasSgemm_v2", as: (@convention(c) () -> Void).self)) { error in
            guard case let HyperLearnError.device(message) = error else { return XCTFail("\(error)") }
            XCTAssertTrue(message.hasPrefix("missing symbol cublasSgemm_v2 in libm.so.6: "), message)
            XCTAssertTrue(message.contains("undefined symbol"), message)
        }
        XCTAssertNil(library.optionalSymbol("cusparseSpMM", as: (@convention(c) () -> Void).self))
        let cosine = try library.requiredSymbol("cos", as: (@convention(c) (Double) -> Double).self)
        XCTAssertEqual(cosine(0), 1)
        XCTAssertTrue(library.resolvedPath.hasPrefix("/"), library.resolvedPath)  // found through dladdr
    }

    func testMissingCUDATablesNameTheFirstMissingSymbol() throws {
        let library = try CUDALibrary.open(family: "libm", names: ["libm.so.6"], folders: [])
        XCTAssertThrowsError(try CUDARuntimeAPI(library)) { error in
            XCTAssertTrue("\(error)".contains("missing symbol cudaGetDeviceCount in libm.so.6"), "\(error)")
        }
    }

    func testDiagnosticsReportSaysWhatWasTried() throws {
        let report = CUDADiagnostics.report()
        for family in ["libcudart", "libcuda", "libcublas", "libcusparse", "libnvrtc"] {
            XCTAssertTrue(report.contains("  \(family): "), report)
        }
        if (try? CUDAContext.deviceCount()) == nil {
            XCTAssertTrue(report.contains("devices: unavailable: "), report)
        }
        if (try? CUDALibrary.open(family: "libcudart", names: CUDALibraryNames.runtime)) == nil {
            XCTAssertTrue(report.contains("libcudart not found (searched libcudart.so.13"), report)
        }
    }

    func testMebibyteFormatting() {
        XCTAssertEqual(mebibytes(0), "0.0")
        XCTAssertEqual(mebibytes(1 << 20), "1.0")
        XCTAssertEqual(mebibytes(3 << 19), "1.5")
        XCTAssertEqual(CUDAVersions.format(12080), "12.8")
        XCTAssertEqual(CUDAVersions.format(13000), "13.0")
        XCTAssertEqual(CUDAAllocator.blockSize(for: 1), 512)
        XCTAssertEqual(CUDAAllocator.blockSize(for: 1 << 20), 1 << 20)
        XCTAssertEqual(CUDAAllocator.blockSize(for: (1 << 20) + 1), 2 << 20)
    }

    /// The embedded kernel source must at least parse as CUDA; clang (shipped with Swift) checks it
    /// without any NVIDIA software, using stand-ins for the few NVRTC built-ins the kernels use.
    func testKernelSourceParsesAsCUDA() throws {
        guard let clang = ["/usr/bin/clang", "/opt/swift/usr/bin/clang"].first(where: FileManager.default.isExecutableFile)
        else { throw XCTSkip("no clang to check the kernel source") }
        let prelude = """
            #define __global__ __attribute__((global))
            #define __device__ __attribute__((device))
            #define __shared__ __attribute__((shared))
            #include "__clang_cuda_builtin_vars.h"
            __device__ inline float atomicAdd(float *a, float v) { return __nvvm_atom_add_gen_f(a, v); }
            __device__ inline float sqrtf(float x) { return __nvvm_sqrt_rn_f(x); }
            __device__ inline float expf(float x) { return __builtin_expf(x); }
            __device__ inline float log1pf(float x) { return __builtin_log1pf(x); }
            __device__ inline float fabsf(float x) { return __nvvm_fabs_f(x); }
            __device__ inline float fmaxf(float x, float y) { return __nvvm_fmax_f(x, y); }
            __device__ inline float tanhf(float x) { return __builtin_tanhf(x); }

            """
        let file = temporaryFolder.appendingPathComponent("kernels.cu")
        try Data((prelude + CUDAKernelSource.text).utf8).write(to: file)
        let output = temporaryFolder.appendingPathComponent("kernels.ll")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: clang)
        process.arguments = ["-x", "cuda", "--cuda-device-only", "-nocudainc", "-nocudalib", "--cuda-gpu-arch=sm_90",
                             "-std=c++17", "-Werror", "-S", "-emit-llvm", "-o", output.path, file.path]
        let errors = Pipe()
        process.standardError = errors
        try process.run()
        process.waitUntilExit()
        let log = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        if process.terminationStatus != 0, log.contains("unknown argument") || log.contains("cannot find") {
            throw XCTSkip("this clang cannot parse CUDA: \(log)")
        }
        XCTAssertEqual(process.terminationStatus, 0, log)
        let ir = try String(contentsOf: output, encoding: .utf8)
        for name in CUDAKernelSource.names {
            XCTAssertTrue(ir.contains("void @\(name)("), "kernel \(name) missing or mangled")
        }
    }
}

/// Checks that need the CUDA libraries but no GPU: symbol tables against the real libraries, and the
/// kernels compiled by the real NVRTC. They skip where the libraries are not found.
final class CUDALibraryWithoutDeviceTests: XCTestCase {
    private func open(_ family: String, _ names: [String]) throws -> CUDALibrary {
        do {
            return try CUDALibrary.open(family: family, names: names)
        } catch let HyperLearnError.device(reason) {
            throw XCTSkip("no CUDA libraries: \(reason)")
        }
    }

    func testEverySymbolResolvesInTheInstalledLibraries() throws {
        _ = try CUDARuntimeAPI(open("libcudart", CUDALibraryNames.runtime))
        _ = try CUBLASAPI(open("libcublas", CUDALibraryNames.cublas))
        _ = try CUSPARSEAPI(open("libcusparse", CUDALibraryNames.cusparse))
        _ = try NVRTCAPI(open("libnvrtc", CUDALibraryNames.nvrtc))
    }

    func testKernelsCompileWithNVRTCForHopperAndAmpere() throws {
        let nvrtc = try NVRTCAPI(open("libnvrtc", CUDALibraryNames.nvrtc))
        for architecture in ["sm_90", "sm_80"] {
            let image = try CUDAKernelModule.compile(CUDAKernelSource.text, architecture: architecture, nvrtc: nvrtc)
            XCTAssertEqual(Array(image.prefix(4)), [0x7F, 0x45, 0x4C, 0x46], "a CUBIN is an ELF file")  // \x7fELF
            let text = String(decoding: image.map { $0 == 0 ? 10 : $0 }, as: UTF8.self)
            for name in CUDAKernelSource.names { XCTAssertTrue(text.contains(name), "\(name) missing for \(architecture)") }
        }
    }

    func testCompileErrorsCarryTheNVRTCLog() throws {
        let nvrtc = try NVRTCAPI(open("libnvrtc", CUDALibraryNames.nvrtc))
        XCTAssertThrowsError(try CUDAKernelModule.compile("extern \"C\" __global__ void broken() { undeclared(); }",
                                                          architecture: "sm_90", nvrtc: nvrtc)) { error in
            let text = "\(error)"
            XCTAssertTrue(text.contains("nvrtcCompileProgram"), text)
            XCTAssertTrue(text.contains("undeclared"), text)
        }
    }
}
