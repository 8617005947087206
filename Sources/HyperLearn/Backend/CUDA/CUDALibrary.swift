// The one place that calls dlopen / dlsym. Everything CUDA is found at run time, so the build links no
// CUDA library and a machine without a GPU runs every CPU path unchanged.
import CCUDA
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A status code returned by a CUDA library, with the text the library gives for it.
///
/// Thrown where a status code enters Swift, so a caller always sees which call failed and why:
/// `cublasSgemm_v2 failed: status 7 (CUBLAS_STATUS_INVALID_VALUE)`.
public struct CUDAError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The library: `cudart`, `cublas`, `cusparse`, `nvrtc` or `cuda` (the driver).
    public let library: String
    /// The C function that returned the code.
    public let function: String
    /// The raw status code.
    public let code: Int32
    /// The library's own text for the code (`cudaGetErrorString` and friends), plus any detail we add.
    public let message: String

    public var description: String { "\(function) failed: status \(code) (\(message))" }
}

/// The folders named by `HYPERLEARN_CUDA_PATH` (one folder or a colon-separated list), searched before
/// the system loader's own path.
enum CUDASearchPath {
    static let environmentVariable = "HYPERLEARN_CUDA_PATH"

    static var folders: [String] {
        guard let raw = getenv(environmentVariable) else { return [] }
        return String(cString: raw).split(separator: ":").map(String.init).filter { !$0.isEmpty }
    }
}

/// One `dlopen` attempt, kept so that a failure (and `hyperlearn doctor`) can say what was tried.
struct CUDALoadAttempt: Sendable {
    let candidate: String
    let error: String
}

/// A shared library opened with `dlopen`, and the typed lookup of its symbols.
///
/// Handles are never closed: the CUDA libraries register atexit handlers and driver state, and
/// unloading them while the process lives is unsupported.
final class CUDALibrary: @unchecked Sendable {
    /// Short name used in messages: `libcudart`.
    let family: String
    /// What was handed to `dlopen`: a full path, or a bare soname resolved by the system loader.
    let openedName: String
    /// The file actually mapped (from `dladdr`), when it can be known.
    private(set) var resolvedPath: String
    private let handle: UnsafeMutableRawPointer

    private init(family: String, openedName: String, handle: UnsafeMutableRawPointer) {
        self.family = family
        self.openedName = openedName
        self.handle = handle
        self.resolvedPath = openedName
    }

    /// Opens the first of `names` that loads: each folder in `folders` in turn, then (when
    /// `systemSearch`) the bare names through the system loader.
    ///
    /// - Throws: `HyperLearnError.device("libcudart not found (searched …)")` naming every name and
    ///   folder tried and the last `dlerror()` text.
    static func open(family: String, names: [String], folders: [String] = CUDASearchPath.folders,
                     systemSearch: Bool = true) throws -> CUDALibrary {
        var attempts: [CUDALoadAttempt] = []
        var candidates = folders.flatMap { folder in
            names.map { folder.hasSuffix("/") ? folder + $0 : folder + "/" + $0 }
        }
        if systemSearch { candidates += names }
        for candidate in candidates {
            _ = dlerror()
            if let handle = dlopen(candidate, RTLD_NOW | RTLD_LOCAL) {
                return CUDALibrary(family: family, openedName: candidate, handle: handle)
            }
            attempts.append(CUDALoadAttempt(candidate: candidate, error: lastDynamicLoaderError()))
        }
        throw HyperLearnError.device(notFoundMessage(family: family, names: names, folders: folders,
                                                     systemSearch: systemSearch, attempts: attempts))
    }

    static func notFoundMessage(family: String, names: [String], folders: [String], systemSearch: Bool,
                                attempts: [CUDALoadAttempt]) -> String {
        var places = folders.map { "\($0)" }
        if systemSearch { places.append("the system library path") }
        // A file that exists but fails to load (a missing dependency such as libnvJitLink, a wrong
        // architecture) says more than the "No such file" of the names that are absent, so prefer it.
        let telling = attempts.first { $0.candidate.contains("/") && access($0.candidate, F_OK) == 0 }
            ?? attempts.last
        var message = "\(family) not found (searched \(names.joined(separator: ", ")) in "
            + "\(places.isEmpty ? "no folder" : places.joined(separator: ", ")))"
        if let telling { message += "; dlerror: \(telling.error)" }
        message += family == "libcuda"
            ? "; libcuda comes with the NVIDIA driver: is a driver installed?"
            : "; set \(CUDASearchPath.environmentVariable) to the folder holding \(family).so.*"
        return message
    }

    /// The symbol `name` as the C function type `T`.
    ///
    /// - Throws: `HyperLearnError.device("missing symbol NAME in LIBRARY: dlerror text")`.
    func requiredSymbol<T>(_ name: String, as type: T.Type = T.self) throws -> T {
        _ = dlerror()
        guard let pointer = dlsym(handle, name) else {
            throw HyperLearnError.device("missing symbol \(name) in \(openedName): \(Self.lastDynamicLoaderError())")
        }
        if resolvedPath == openedName, let path = Self.fileDefining(pointer) { resolvedPath = path }
        return unsafeBitCast(pointer, to: type)
    }

    /// The symbol `name`, or `nil` when this version of the library lacks it.
    func optionalSymbol<T>(_ name: String, as type: T.Type = T.self) -> T? {
        try? requiredSymbol(name, as: type)
    }

    private static func fileDefining(_ pointer: UnsafeMutableRawPointer) -> String? {
        var path = [CChar](repeating: 0, count: 4096)
        guard CCUDA_fileDefiningSymbol(pointer, &path, path.count) != 0 else { return nil }
        return String(cString: path)
    }

    static func lastDynamicLoaderError() -> String {
        guard let text = dlerror() else { return "unknown dlopen error" }
        return String(cString: text)
    }
}

/// A mutex for the few pieces of shared CUDA state (the loaded libraries, the allocator's cache).
final class CUDALock: @unchecked Sendable {
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>

    init() {
        mutex = .allocate(capacity: 1)
        mutex.initialize(to: pthread_mutex_t())
        pthread_mutex_init(mutex, nil)
    }

    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
    }

    func withLock<Result>(_ body: () throws -> Result) rethrows -> Result {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body()
    }
}

/// Converts a C string the libraries own (never freed by us) to a Swift string.
func cudaString(_ pointer: UnsafePointer<CChar>?) -> String {
    pointer.map { String(cString: $0) } ?? "no description"
}

// MARK: - Function tables, one per library, each filled once.

/// Names tried for each library, newest first.
enum CUDALibraryNames {
    static let runtime = ["libcudart.so.13", "libcudart.so.12", "libcudart.so"]
    static let cublas = ["libcublas.so.13", "libcublas.so.12", "libcublas.so"]
    static let cusparse = ["libcusparse.so.12", "libcusparse.so.13", "libcusparse.so"]
    static let nvrtc = ["libnvrtc.so.13", "libnvrtc.so.12", "libnvrtc.so"]
    static let driver = ["libcuda.so.1", "libcuda.so"]
}

/// The CUDA runtime API (`libcudart`).
struct CUDARuntimeAPI: @unchecked Sendable {
    let library: CUDALibrary
    let getDeviceCount: CCUDA_cudaGetDeviceCount_fn
    let setDevice: CCUDA_cudaSetDevice_fn
    let deviceGetAttribute: CCUDA_cudaDeviceGetAttribute_fn
    let memGetInfo: CCUDA_cudaMemGetInfo_fn
    let driverGetVersion: CCUDA_cudaDriverGetVersion_fn
    let runtimeGetVersion: CCUDA_cudaRuntimeGetVersion_fn
    let getErrorString: CCUDA_cudaGetErrorString_fn
    let getLastError: CCUDA_cudaGetLastError_fn
    let malloc: CCUDA_cudaMalloc_fn
    let free: CCUDA_cudaFree_fn
    let memcpyAsync: CCUDA_cudaMemcpyAsync_fn
    let memsetAsync: CCUDA_cudaMemsetAsync_fn
    let streamCreate: CCUDA_cudaStreamCreate_fn
    let streamDestroy: CCUDA_cudaStreamDestroy_fn
    let streamSynchronize: CCUDA_cudaStreamSynchronize_fn

    init(_ library: CUDALibrary) throws {
        self.library = library
        getDeviceCount = try library.requiredSymbol("cudaGetDeviceCount")
        setDevice = try library.requiredSymbol("cudaSetDevice")
        deviceGetAttribute = try library.requiredSymbol("cudaDeviceGetAttribute")
        memGetInfo = try library.requiredSymbol("cudaMemGetInfo")
        driverGetVersion = try library.requiredSymbol("cudaDriverGetVersion")
        runtimeGetVersion = try library.requiredSymbol("cudaRuntimeGetVersion")
        getErrorString = try library.requiredSymbol("cudaGetErrorString")
        getLastError = try library.requiredSymbol("cudaGetLastError")
        malloc = try library.requiredSymbol("cudaMalloc")
        free = try library.requiredSymbol("cudaFree")
        memcpyAsync = try library.requiredSymbol("cudaMemcpyAsync")
        memsetAsync = try library.requiredSymbol("cudaMemsetAsync")
        streamCreate = try library.requiredSymbol("cudaStreamCreate")
        streamDestroy = try library.requiredSymbol("cudaStreamDestroy")
        streamSynchronize = try library.requiredSymbol("cudaStreamSynchronize")
    }

    /// Throws `CUDAError` unless `status` is success.
    func check(_ status: CCUDA_Error, _ function: String) throws {
        guard status != CCUDA_SUCCESS else { return }
        throw CUDAError(library: "cudart", function: function, code: status,
                        message: cudaString(getErrorString(status)))
    }
}

/// cuBLAS (`libcublas`).
struct CUBLASAPI: @unchecked Sendable {
    let library: CUDALibrary
    let create: CCUDA_cublasCreate_fn
    let destroy: CCUDA_cublasDestroy_fn
    let setStream: CCUDA_cublasSetStream_fn
    let getVersion: CCUDA_cublasGetVersion_fn
    let getStatusString: CCUDA_cublasGetStatusString_fn?
    let sgemm: CCUDA_cublasSgemm_fn

    init(_ library: CUDALibrary) throws {
        self.library = library
        create = try library.requiredSymbol("cublasCreate_v2")
        destroy = try library.requiredSymbol("cublasDestroy_v2")
        setStream = try library.requiredSymbol("cublasSetStream_v2")
        getVersion = try library.requiredSymbol("cublasGetVersion_v2")
        getStatusString = library.optionalSymbol("cublasGetStatusString")
        sgemm = try library.requiredSymbol("cublasSgemm_v2")
    }

    func check(_ status: CCUDA_CublasStatus, _ function: String) throws {
        guard status != 0 else { return }
        throw CUDAError(library: "cublas", function: function, code: status,
                        message: getStatusString.map { cudaString($0(status)) } ?? "cuBLAS status")
    }
}

/// cuSPARSE (`libcusparse`), generic API.
struct CUSPARSEAPI: @unchecked Sendable {
    let library: CUDALibrary
    let create: CCUDA_cusparseCreate_fn
    let destroy: CCUDA_cusparseDestroy_fn
    let setStream: CCUDA_cusparseSetStream_fn
    let getVersion: CCUDA_cusparseGetVersion_fn
    let getErrorString: CCUDA_cusparseGetErrorString_fn
    let createCsr: CCUDA_cusparseCreateCsr_fn
    let destroySpMat: CCUDA_cusparseDestroySpMat_fn
    let createDnMat: CCUDA_cusparseCreateDnMat_fn
    let destroyDnMat: CCUDA_cusparseDestroyDnMat_fn
    let spMMBufferSize: CCUDA_cusparseSpMM_bufferSize_fn
    let spMM: CCUDA_cusparseSpMM_fn

    init(_ library: CUDALibrary) throws {
        self.library = library
        create = try library.requiredSymbol("cusparseCreate")
        destroy = try library.requiredSymbol("cusparseDestroy")
        setStream = try library.requiredSymbol("cusparseSetStream")
        getVersion = try library.requiredSymbol("cusparseGetVersion")
        getErrorString = try library.requiredSymbol("cusparseGetErrorString")
        createCsr = try library.requiredSymbol("cusparseCreateCsr")
        destroySpMat = try library.requiredSymbol("cusparseDestroySpMat")
        createDnMat = try library.requiredSymbol("cusparseCreateDnMat")
        destroyDnMat = try library.requiredSymbol("cusparseDestroyDnMat")
        spMMBufferSize = try library.requiredSymbol("cusparseSpMM_bufferSize")
        spMM = try library.requiredSymbol("cusparseSpMM")
    }

    func check(_ status: CCUDA_CusparseStatus, _ function: String) throws {
        guard status != 0 else { return }
        throw CUDAError(library: "cusparse", function: function, code: status,
                        message: cudaString(getErrorString(status)))
    }
}

/// NVRTC (`libnvrtc`), the run-time CUDA C++ compiler.
struct NVRTCAPI: @unchecked Sendable {
    let library: CUDALibrary
    let version: CCUDA_nvrtcVersion_fn
    let getErrorString: CCUDA_nvrtcGetErrorString_fn
    let createProgram: CCUDA_nvrtcCreateProgram_fn
    let destroyProgram: CCUDA_nvrtcDestroyProgram_fn
    let compileProgram: CCUDA_nvrtcCompileProgram_fn
    let getProgramLogSize: CCUDA_nvrtcGetProgramLogSize_fn
    let getProgramLog: CCUDA_nvrtcGetProgramLog_fn
    let getCUBINSize: CCUDA_nvrtcGetCUBINSize_fn
    let getCUBIN: CCUDA_nvrtcGetCUBIN_fn

    init(_ library: CUDALibrary) throws {
        self.library = library
        version = try library.requiredSymbol("nvrtcVersion")
        getErrorString = try library.requiredSymbol("nvrtcGetErrorString")
        createProgram = try library.requiredSymbol("nvrtcCreateProgram")
        destroyProgram = try library.requiredSymbol("nvrtcDestroyProgram")
        compileProgram = try library.requiredSymbol("nvrtcCompileProgram")
        getProgramLogSize = try library.requiredSymbol("nvrtcGetProgramLogSize")
        getProgramLog = try library.requiredSymbol("nvrtcGetProgramLog")
        getCUBINSize = try library.requiredSymbol("nvrtcGetCUBINSize")
        getCUBIN = try library.requiredSymbol("nvrtcGetCUBIN")
    }

    func check(_ status: CCUDA_NvrtcResult, _ function: String, log: String = "") throws {
        guard status != 0 else { return }
        let text = cudaString(getErrorString(status))
        throw CUDAError(library: "nvrtc", function: function, code: status,
                        message: log.isEmpty ? text : "\(text)\n\(log)")
    }
}

/// The CUDA driver API (`libcuda`), used for modules compiled at run time.
struct CUDADriverAPI: @unchecked Sendable {
    let library: CUDALibrary
    let initialize: CCUDA_cuInit_fn
    let deviceGet: CCUDA_cuDeviceGet_fn
    let deviceGetName: CCUDA_cuDeviceGetName_fn
    let getErrorString: CCUDA_cuGetErrorString_fn
    let moduleLoadData: CCUDA_cuModuleLoadData_fn
    let moduleUnload: CCUDA_cuModuleUnload_fn
    let moduleGetFunction: CCUDA_cuModuleGetFunction_fn
    let launchKernel: CCUDA_cuLaunchKernel_fn

    init(_ library: CUDALibrary) throws {
        self.library = library
        initialize = try library.requiredSymbol("cuInit")
        deviceGet = try library.requiredSymbol("cuDeviceGet")
        deviceGetName = try library.requiredSymbol("cuDeviceGetName")
        getErrorString = try library.requiredSymbol("cuGetErrorString")
        moduleLoadData = try library.requiredSymbol("cuModuleLoadData")
        moduleUnload = try library.requiredSymbol("cuModuleUnload")
        moduleGetFunction = try library.requiredSymbol("cuModuleGetFunction")
        launchKernel = try library.requiredSymbol("cuLaunchKernel")
    }

    func check(_ status: CCUDA_Result, _ function: String) throws {
        guard status != 0 else { return }
        var text: UnsafePointer<CChar>?
        _ = getErrorString(status, &text)
        throw CUDAError(library: "cuda", function: function, code: status, message: cudaString(text))
    }
}

/// All five libraries, loaded together once per process.
struct CUDALibraries: @unchecked Sendable {
    let runtime: CUDARuntimeAPI
    let cublas: CUBLASAPI
    let cusparse: CUSPARSEAPI
    let nvrtc: NVRTCAPI
    let driver: CUDADriverAPI

    private static let lock = CUDALock()
    nonisolated(unsafe) private static var cached: Result<CUDALibraries, Error>?

    /// The loaded libraries; the first failure is remembered and rethrown on every later call.
    static func load() throws -> CUDALibraries {
        try lock.withLock {
            if let cached { return try cached.get() }
            let result = Result { try loadUncached() }
            cached = result
            return try result.get()
        }
    }

    private static func loadUncached() throws -> CUDALibraries {
        // The runtime first: it is the library whose absence means "no CUDA here".
        let runtime = try CUDARuntimeAPI(CUDALibrary.open(family: "libcudart", names: CUDALibraryNames.runtime))
        let driver = try CUDADriverAPI(CUDALibrary.open(family: "libcuda", names: CUDALibraryNames.driver))
        let cublas = try CUBLASAPI(CUDALibrary.open(family: "libcublas", names: CUDALibraryNames.cublas))
        let cusparse = try CUSPARSEAPI(CUDALibrary.open(family: "libcusparse", names: CUDALibraryNames.cusparse))
        let nvrtc = try NVRTCAPI(CUDALibrary.open(family: "libnvrtc", names: CUDALibraryNames.nvrtc))
        return CUDALibraries(runtime: runtime, cublas: cublas, cusparse: cusparse, nvrtc: nvrtc, driver: driver)
    }
}
