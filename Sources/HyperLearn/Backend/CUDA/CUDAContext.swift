// Device state: the chosen GPU, its stream and library handles, the caching allocator and device buffers.
// This file and CUDALibrary.swift / CUDAKernels.swift are the only ones that hold raw pointers.
import CCUDA

/// What a CUDA device is, as reported by the runtime and driver.
public struct CUDADevice: Sendable, Equatable, CustomStringConvertible {
    /// The device ordinal (`cuda:N`).
    public let ordinal: Int
    /// The marketing name (`cuDeviceGetName`), e.g. "NVIDIA H100 80GB HBM3".
    public let name: String
    /// Total device memory in bytes (`cudaMemGetInfo`).
    public let totalMemory: Int
    /// Free device memory in bytes when the device was queried.
    public let freeMemory: Int
    /// Compute capability `(major, minor)`, e.g. `(9, 0)` for an H100.
    public let computeCapability: (major: Int, minor: Int)
    /// Number of streaming multiprocessors.
    public let multiprocessorCount: Int

    public static func == (lhs: CUDADevice, rhs: CUDADevice) -> Bool {
        lhs.ordinal == rhs.ordinal && lhs.name == rhs.name && lhs.totalMemory == rhs.totalMemory
            && lhs.computeCapability == rhs.computeCapability
    }

    public var description: String {
        "cuda:\(ordinal) \(name), compute capability \(computeCapability.major).\(computeCapability.minor), "
            + "\(multiprocessorCount) SMs, \(mebibytes(freeMemory)) MiB free of \(mebibytes(totalMemory)) MiB"
    }
}

/// Versions of the CUDA pieces in use, as the libraries encode them (`12080` is 12.8).
public struct CUDAVersions: Sendable, Equatable {
    /// The newest CUDA the installed driver supports (`cudaDriverGetVersion`).
    public let driver: Int
    /// The runtime library's version (`cudaRuntimeGetVersion`).
    public let runtime: Int
    /// cuBLAS (`cublasGetVersion`), e.g. `130000`.
    public let cublas: Int
    /// cuSPARSE (`cusparseGetVersion`), e.g. `12600`.
    public let cusparse: Int
    /// NVRTC `(major, minor)`.
    public let nvrtc: (major: Int, minor: Int)

    public static func == (lhs: CUDAVersions, rhs: CUDAVersions) -> Bool {
        lhs.driver == rhs.driver && lhs.runtime == rhs.runtime && lhs.cublas == rhs.cublas
            && lhs.cusparse == rhs.cusparse && lhs.nvrtc == rhs.nvrtc
    }

    /// `12080` → `"12.8"`.
    public static func format(_ version: Int) -> String { "\(version / 1000).\(version % 1000 / 10)" }
}

/// `bytes` in MiB with one decimal, without Foundation.
func mebibytes(_ bytes: Int) -> String {
    let tenths = (bytes * 10 + (1 << 19)) >> 20
    return "\(tenths / 10).\(tenths % 10)"
}

/// One CUDA device in use: its stream, cuBLAS and cuSPARSE handles, allocator and compiled kernels.
///
/// Every operation of ``CUDABackend`` runs in order on the context's single stream, so buffers freed
/// to the caching allocator can be reused at once without a synchronisation.
///
/// ```swift
/// let context = try CUDAContext.shared()
/// let a = try CUDAMatrix(Matrix([[1, 2], [3, 4]]), on: context)
/// print(context.device)
/// ```
public final class CUDAContext: @unchecked Sendable {
    let api: CUDALibraries
    /// The device this context drives.
    public let device: CUDADevice
    /// Library versions.
    public let versions: CUDAVersions
    let stream: CCUDA_Stream?
    let cublasHandle: CCUDA_CublasHandle?
    let cusparseHandle: CCUDA_CusparseHandle?
    let allocator: CUDAAllocator
    private let kernelLock = CUDALock()
    private var kernelModule: CUDAKernelModule?

    private static let sharedLock = CUDALock()
    nonisolated(unsafe) private static var sharedContexts: [Int: CUDAContext] = [:]

    /// The process-wide context for device `ordinal`, created on first use.
    ///
    /// - Throws: `HyperLearnError.device` when a library is missing or there is no such device,
    ///   `CUDAError` when the runtime refuses to start.
    public static func shared(device ordinal: Int = 0) throws -> CUDAContext {
        try sharedLock.withLock {
            if let context = sharedContexts[ordinal] { return context }
            let context = try CUDAContext(ordinal: ordinal)
            sharedContexts[ordinal] = context
            return context
        }
    }

    /// The number of CUDA devices; throws when the libraries or the driver are missing.
    public static func deviceCount() throws -> Int {
        let api = try CUDALibraries.load()
        var count: Int32 = 0
        try api.runtime.check(api.runtime.getDeviceCount(&count), "cudaGetDeviceCount")
        return Int(count)
    }

    private init(ordinal: Int) throws {
        let api = try CUDALibraries.load()
        self.api = api
        let count = try Self.deviceCount()
        guard count > 0 else { throw HyperLearnError.device("no CUDA device: cudaGetDeviceCount found 0 devices") }
        guard ordinal >= 0 && ordinal < count else {
            throw HyperLearnError.device("no device cuda:\(ordinal): there are \(count) CUDA devices")
        }
        try api.driver.check(api.driver.initialize(0), "cuInit")
        try api.runtime.check(api.runtime.setDevice(Int32(ordinal)), "cudaSetDevice")
        device = try Self.query(ordinal: ordinal, api: api)

        var stream: CCUDA_Stream?
        try api.runtime.check(api.runtime.streamCreate(&stream), "cudaStreamCreate")
        self.stream = stream
        var cublas: CCUDA_CublasHandle?
        try api.cublas.check(api.cublas.create(&cublas), "cublasCreate_v2")
        try api.cublas.check(api.cublas.setStream(cublas, stream), "cublasSetStream_v2")
        cublasHandle = cublas
        var cusparse: CCUDA_CusparseHandle?
        try api.cusparse.check(api.cusparse.create(&cusparse), "cusparseCreate")
        try api.cusparse.check(api.cusparse.setStream(cusparse, stream), "cusparseSetStream")
        cusparseHandle = cusparse

        var driver: Int32 = 0, runtime: Int32 = 0, cublasVersion: Int32 = 0, cusparseVersion: Int32 = 0
        var nvrtcMajor: Int32 = 0, nvrtcMinor: Int32 = 0
        try api.runtime.check(api.runtime.driverGetVersion(&driver), "cudaDriverGetVersion")
        try api.runtime.check(api.runtime.runtimeGetVersion(&runtime), "cudaRuntimeGetVersion")
        try api.cublas.check(api.cublas.getVersion(cublas, &cublasVersion), "cublasGetVersion_v2")
        try api.cusparse.check(api.cusparse.getVersion(cusparse, &cusparseVersion), "cusparseGetVersion")
        try api.nvrtc.check(api.nvrtc.version(&nvrtcMajor, &nvrtcMinor), "nvrtcVersion")
        versions = CUDAVersions(driver: Int(driver), runtime: Int(runtime), cublas: Int(cublasVersion),
                                cusparse: Int(cusparseVersion), nvrtc: (Int(nvrtcMajor), Int(nvrtcMinor)))
        allocator = CUDAAllocator(api: api.runtime, ordinal: ordinal)
    }

    deinit {
        // Shared contexts live as long as the process; this runs only for contexts made in tests.
        _ = api.cublas.destroy(cublasHandle)
        _ = api.cusparse.destroy(cusparseHandle)
        _ = api.runtime.streamDestroy(stream)
    }

    static func query(ordinal: Int, api: CUDALibraries) throws -> CUDADevice {
        var handle: CCUDA_Device = 0
        try api.driver.check(api.driver.deviceGet(&handle, Int32(ordinal)), "cuDeviceGet")
        var nameBuffer = [CChar](repeating: 0, count: 256)
        try api.driver.check(api.driver.deviceGetName(&nameBuffer, Int32(nameBuffer.count - 1), handle),
                             "cuDeviceGetName")
        var major: Int32 = 0, minor: Int32 = 0, multiprocessors: Int32 = 0
        try api.runtime.check(api.runtime.deviceGetAttribute(&major, Int32(CCUDA_DEV_ATTR_COMPUTE_CAPABILITY_MAJOR),
                                                             Int32(ordinal)), "cudaDeviceGetAttribute")
        try api.runtime.check(api.runtime.deviceGetAttribute(&minor, Int32(CCUDA_DEV_ATTR_COMPUTE_CAPABILITY_MINOR),
                                                             Int32(ordinal)), "cudaDeviceGetAttribute")
        try api.runtime.check(api.runtime.deviceGetAttribute(&multiprocessors,
                                                             Int32(CCUDA_DEV_ATTR_MULTIPROCESSOR_COUNT),
                                                             Int32(ordinal)), "cudaDeviceGetAttribute")
        try api.runtime.check(api.runtime.setDevice(Int32(ordinal)), "cudaSetDevice")
        var free = 0, total = 0
        try api.runtime.check(api.runtime.memGetInfo(&free, &total), "cudaMemGetInfo")
        let name = String(decoding: nameBuffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return CUDADevice(ordinal: ordinal, name: name, totalMemory: total, freeMemory: free,
                          computeCapability: (Int(major), Int(minor)), multiprocessorCount: Int(multiprocessors))
    }

    /// Free and total device memory in bytes, now.
    public func memoryInfo() throws -> (free: Int, total: Int) {
        try makeCurrent()
        var free = 0, total = 0
        try api.runtime.check(api.runtime.memGetInfo(&free, &total), "cudaMemGetInfo")
        return (free, total)
    }

    /// Waits until every operation queued on the context's stream has finished.
    public func synchronize() throws {
        try api.runtime.check(api.runtime.streamSynchronize(stream), "cudaStreamSynchronize")
    }

    /// Returns the allocator's cached blocks to the driver.
    public func releaseCachedMemory() throws {
        try synchronize()
        allocator.emptyCache()
    }

    /// Binds this context's device to the calling thread (the runtime's current device is per thread).
    func makeCurrent() throws {
        try api.runtime.check(api.runtime.setDevice(Int32(device.ordinal)), "cudaSetDevice")
    }

    /// The kernels, compiled with NVRTC for this device on first use.
    func kernels() throws -> CUDAKernelModule {
        try kernelLock.withLock {
            if let kernelModule { return kernelModule }
            try makeCurrent()
            let module = try CUDAKernelModule(api: api, device: device)
            kernelModule = module
            return module
        }
    }

    // MARK: Copies

    func copy(from host: UnsafeRawBufferPointer, to buffer: CUDABuffer) throws {
        precondition(host.count <= buffer.byteCount, "copy: \(host.count) bytes into \(buffer.byteCount)")
        guard host.count > 0, let base = host.baseAddress else { return }
        try makeCurrent()
        try api.runtime.check(api.runtime.memcpyAsync(buffer.pointer, base, host.count,
                                                      Int32(CCUDA_MEMCPY_HOST_TO_DEVICE), stream),
                              "cudaMemcpyAsync")
        // The source is pageable Swift memory that may be freed as soon as we return.
        try synchronize()
    }

    func copy(from buffer: CUDABuffer, to host: UnsafeMutableRawBufferPointer) throws {
        precondition(host.count <= buffer.byteCount, "copy: \(buffer.byteCount) bytes into \(host.count)")
        guard host.count > 0, let base = host.baseAddress else { return }
        try makeCurrent()
        try api.runtime.check(api.runtime.memcpyAsync(base, buffer.pointer, host.count,
                                                      Int32(CCUDA_MEMCPY_DEVICE_TO_HOST), stream),
                              "cudaMemcpyAsync")
        try synchronize()
    }

    func copy(from source: CUDABuffer, to destination: CUDABuffer, byteCount: Int) throws {
        guard byteCount > 0 else { return }
        try api.runtime.check(api.runtime.memcpyAsync(destination.pointer, source.pointer, byteCount,
                                                      Int32(CCUDA_MEMCPY_DEVICE_TO_DEVICE), stream),
                              "cudaMemcpyAsync")
    }

    func zero(_ buffer: CUDABuffer) throws {
        guard buffer.byteCount > 0 else { return }
        try api.runtime.check(api.runtime.memsetAsync(buffer.pointer, 0, buffer.byteCount, stream), "cudaMemsetAsync")
    }

    /// A new buffer of `byteCount` bytes (contents undefined).
    /// - Throws: ``HyperLearnError/invalidArgument(_:)`` when `byteCount` is negative or too large to
    ///   round up to a block; ``HyperLearnError/device(_:)`` when the device refuses it.
    public func allocate(byteCount: Int) throws -> CUDABuffer {
        guard byteCount >= 0, byteCount <= Int.max - (1 << 20) else {
            throw HyperLearnError.invalidArgument("CUDAContext.allocate(byteCount:): \(byteCount) bytes is not a buffer size")
        }
        try makeCurrent()
        return try allocator.allocate(byteCount: byteCount)
    }
}

/// A block of device memory; returns itself to its context's caching allocator when released.
public final class CUDABuffer: @unchecked Sendable {
    /// Bytes usable by the caller.
    public let byteCount: Int
    let address: UInt
    let blockSize: Int
    private let allocator: CUDAAllocator

    init(address: UInt, byteCount: Int, blockSize: Int, allocator: CUDAAllocator) {
        self.address = address
        self.byteCount = byteCount
        self.blockSize = blockSize
        self.allocator = allocator
    }

    deinit { allocator.release(address: address, blockSize: blockSize) }

    /// The device address as a C pointer (never dereferenced on the host).
    var pointer: UnsafeMutableRawPointer? { UnsafeMutableRawPointer(bitPattern: address) }
    var floatPointer: UnsafeMutablePointer<Float>? { pointer?.assumingMemoryBound(to: Float.self) }
}

/// Caches freed device blocks by (rounded) size, so the training loop's identical allocations step
/// after step cost no `cudaMalloc`. Blocks are only reused on the context's single stream.
final class CUDAAllocator: @unchecked Sendable {
    private let api: CUDARuntimeAPI
    private let ordinal: Int
    private let lock = CUDALock()
    private var freeBlocks: [Int: [UInt]] = [:]
    private(set) var cachedBytes = 0
    private(set) var liveBytes = 0

    init(api: CUDARuntimeAPI, ordinal: Int) {
        self.api = api
        self.ordinal = ordinal
    }

    deinit { emptyCache() }

    /// Sizes round up to 512 bytes below 1 MiB and to 1 MiB above, so near sizes share a bucket.
    static func blockSize(for byteCount: Int) -> Int {
        let granule = byteCount < (1 << 20) ? 512 : (1 << 20)
        return (byteCount + granule - 1) / granule * granule
    }

    func allocate(byteCount: Int) throws -> CUDABuffer {
        precondition(byteCount >= 0, "allocate: negative size \(byteCount)")
        if byteCount == 0 { return CUDABuffer(address: 0, byteCount: 0, blockSize: 0, allocator: self) }
        let size = Self.blockSize(for: byteCount)
        if let address = lock.withLock({ () -> UInt? in
            guard let address = freeBlocks[size]?.popLast() else { return nil }
            cachedBytes -= size
            liveBytes += size
            return address
        }) {
            return CUDABuffer(address: address, byteCount: byteCount, blockSize: size, allocator: self)
        }
        var pointer: UnsafeMutableRawPointer?
        var status = api.malloc(&pointer, size)
        if status == CCUDA_ERROR_MEMORY_ALLOCATION {
            _ = api.getLastError()  // clear the sticky-until-read error before retrying
            emptyCache()
            status = api.malloc(&pointer, size)
        }
        if status == CCUDA_ERROR_MEMORY_ALLOCATION {
            _ = api.getLastError()
            var free = 0, total = 0
            _ = api.memGetInfo(&free, &total)
            throw HyperLearnError.device("out of memory on cuda:\(ordinal): asked for \(mebibytes(size)) MiB, "
                                         + "\(mebibytes(free)) MiB free of \(mebibytes(total)) MiB")
        }
        try api.check(status, "cudaMalloc")
        let address = UInt(bitPattern: pointer)
        lock.withLock { liveBytes += size }
        return CUDABuffer(address: address, byteCount: byteCount, blockSize: size, allocator: self)
    }

    func release(address: UInt, blockSize: Int) {
        guard blockSize > 0 else { return }
        lock.withLock {
            freeBlocks[blockSize, default: []].append(address)
            cachedBytes += blockSize
            liveBytes -= blockSize
        }
    }

    /// Frees every cached block. Callers make sure no queued work still uses them.
    func emptyCache() {
        let blocks = lock.withLock { () -> [UInt] in
            let all = freeBlocks.values.flatMap { $0 }
            freeBlocks.removeAll()
            cachedBytes = 0
            return all
        }
        for address in blocks { _ = api.free(UnsafeMutableRawPointer(bitPattern: address)) }
    }
}
