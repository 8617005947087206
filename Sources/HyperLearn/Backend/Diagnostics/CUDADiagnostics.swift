/// A readable account of the CUDA pieces HyperLearn can use on this machine, and of why any is missing.
///
/// `hyperlearn doctor` prints it. Each library is looked for on its own, so one missing library does
/// not hide what was found of the others.
public enum CUDADiagnostics {
    /// The report: search folders, each library's path (or every name and folder tried), the library
    /// versions, each device with its memory and compute capability, and whether the kernels compile.
    public static func report() -> String {
        var lines = ["CUDA"]
        let folders = CUDASearchPath.folders
        lines.append("  \(CUDASearchPath.environmentVariable): "
                     + (folders.isEmpty ? "(unset)" : folders.joined(separator: ":")))
        let families: [(String, [String], (CUDALibrary) throws -> Void)] = [
            ("libcudart", CUDALibraryNames.runtime, { _ = try CUDARuntimeAPI($0) }),
            ("libcuda", CUDALibraryNames.driver, { _ = try CUDADriverAPI($0) }),
            ("libcublas", CUDALibraryNames.cublas, { _ = try CUBLASAPI($0) }),
            ("libcusparse", CUDALibraryNames.cusparse, { _ = try CUSPARSEAPI($0) }),
            ("libnvrtc", CUDALibraryNames.nvrtc, { _ = try NVRTCAPI($0) }),
        ]
        for (family, names, bind) in families {
            do {
                let library = try CUDALibrary.open(family: family, names: names, folders: folders)
                try bind(library)
                lines.append("  \(family): \(library.resolvedPath)")
            } catch {
                lines.append("  \(family): \(message(error))")
            }
        }
        let count: Int
        do {
            count = try CUDAContext.deviceCount()
        } catch {
            lines.append("  devices: unavailable: \(message(error))")
            return lines.joined(separator: "\n")
        }
        lines.append("  devices: \(count)")
        for ordinal in 0..<count {
            do {
                let context = try CUDAContext.shared(device: ordinal)
                lines.append("    \(context.device)")
                if ordinal == 0 {
                    let v = context.versions
                    lines.insert("  versions: driver supports CUDA \(CUDAVersions.format(v.driver)), runtime "
                                 + "\(CUDAVersions.format(v.runtime)), cuBLAS \(v.cublas), cuSPARSE \(v.cusparse), "
                                 + "NVRTC \(v.nvrtc.major).\(v.nvrtc.minor)", at: lines.count - 2)
                }
                let kernels = try context.kernels()
                lines.append("      kernels: \(CUDAKernelSource.names.count) compiled by NVRTC for \(kernels.architecture)")
            } catch {
                lines.append("    cuda:\(ordinal): \(message(error))")
            }
        }
        return lines.joined(separator: "\n")
    }

    /// The error's text without the `device: ` prefix, which reads oddly inside a report.
    static func message(_ error: Error) -> String {
        if case let HyperLearnError.device(text) = error { return text }
        return "\(error)"
    }
}
