// HyperLearn's own CUDA kernels: C++ source compiled at run time by NVRTC for the device's
// architecture, loaded with cuModuleLoadData and launched with cuLaunchKernel on the context's stream.
import CCUDA
#if canImport(Glibc)
import Glibc
#endif

/// The CUDA C++ source of every custom kernel. All are `extern "C"` (unmangled names for
/// `cuModuleGetFunction`) and use grid-stride loops, so any grid size is correct.
enum CUDAKernelSource {
    /// Largest hyperedge order the CP kernels take (the pointer table is passed by value).
    static let maximumOrder = 8

    static let names = [
        "hl_gather_rows", "hl_scatter_add_rows", "hl_relu", "hl_relu_backward", "hl_axpy", "hl_scale",
        "hl_add_bias", "hl_column_sums", "hl_sum", "hl_cp_score", "hl_cp_gradient",
        "hl_pairwise_score", "hl_pairwise_gradient", "hl_adam", "hl_adam_rows",
        "hl_relu_dropout", "hl_relu_dropout_backward", "hl_logistic_loss", "hl_squared_loss",
        "hl_copy", "hl_dot", "hl_add_member_sums", "hl_concat_members", "hl_add_split_members",
        "hl_tanh", "hl_tanh_backward", "hl_multiply", "hl_member_attention", "hl_member_attention_backward",
    ]
    /// Largest hyperedge order the attention kernels take (their per-thread arrays), as the manifest's.
    static let maximumAttentionOrder = 16

    static let text = #"""
#define HL_MAX_ORDER 8
struct hl_factor_table { const float *factor[HL_MAX_ORDER]; };
// Z_j[members[e, j], k]: coordinate k of member j of hyperedge e (the decoder kernels' one read pattern).
// Without members, factor j is member j's block of gathered rows and row e is hyperedge e's.
__device__ inline float hl_member(const struct hl_factor_table &factors, const int *__restrict__ members,
                                 long long e, int order, int j, int rank, int k) {
    long long row = members ? (long long)members[e * order + j] : e;
    return factors.factor[j][row * rank + k];
}
struct hl_output_table { float *factor[HL_MAX_ORDER]; };

#define HL_GRID_STRIDE(i, n) \
    for (long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; i < (n); \
         i += (long long)gridDim.x * blockDim.x)

extern "C" {

// destination[r, :] = source[indices[r], :]
__global__ void hl_gather_rows(const float *__restrict__ source, const int *__restrict__ indices,
                               float *__restrict__ destination, long long rowCount, int columns) {
    HL_GRID_STRIDE(t, rowCount * columns) {
        long long r = t / columns;
        int c = (int)(t - r * columns);
        destination[t] = source[(long long)indices[r] * columns + c];
    }
}

// destination[indices[r], :] += source[r, :]; indices may repeat, hence atomics.
__global__ void hl_scatter_add_rows(const float *__restrict__ source, const int *__restrict__ indices,
                                    float *destination, long long rowCount, int columns) {
    HL_GRID_STRIDE(t, rowCount * columns) {
        long long r = t / columns;
        int c = (int)(t - r * columns);
        atomicAdd(destination + (long long)indices[r] * columns + c, source[t]);
    }
}

__global__ void hl_relu(const float *x, float *y, long long n) {
    HL_GRID_STRIDE(i, n) { y[i] = x[i] > 0.0f ? x[i] : 0.0f; }
}

// dx = dy where the forward input was positive, else 0.
__global__ void hl_relu_backward(const float *x, const float *dy, float *dx, long long n) {
    HL_GRID_STRIDE(i, n) { dx[i] = x[i] > 0.0f ? dy[i] : 0.0f; }
}

__global__ void hl_axpy(float alpha, const float *x, float *y, long long n) {
    HL_GRID_STRIDE(i, n) { y[i] += alpha * x[i]; }
}

__global__ void hl_scale(float alpha, float *x, long long n) {
    HL_GRID_STRIDE(i, n) { x[i] *= alpha; }
}

__global__ void hl_add_bias(float *x, const float *bias, long long rows, int columns) {
    HL_GRID_STRIDE(t, rows * columns) { x[t] += bias[t % columns]; }
}

// One thread per (column, chunk of 256 rows); partial sums meet in `out` by atomics. `out` starts at 0.
__global__ void hl_column_sums(const float *x, float *out, long long rows, int columns) {
    long long chunks = (rows + 255) / 256;
    HL_GRID_STRIDE(t, chunks * columns) {
        long long chunk = t / columns;
        int c = (int)(t - chunk * columns);
        long long end = (chunk + 1) * 256 < rows ? (chunk + 1) * 256 : rows;
        float partial = 0.0f;
        for (long long r = chunk * 256; r < end; ++r) partial += x[r * columns + c];
        atomicAdd(out + c, partial);
    }
}

// Block-level tree reduction, then one atomic per block. Launched with 256 threads; `out` starts at 0.
__global__ void hl_sum(const float *x, float *out, long long n) {
    __shared__ float partial[256];
    float value = 0.0f;
    HL_GRID_STRIDE(i, n) { value += x[i]; }
    partial[threadIdx.x] = value;
    __syncthreads();
    for (unsigned int stride = blockDim.x / 2; stride > 0; stride >>= 1) {
        if (threadIdx.x < stride) partial[threadIdx.x] += partial[threadIdx.x + stride];
        __syncthreads();
    }
    if (threadIdx.x == 0) atomicAdd(out, partial[0]);
}

// s[e] = sum_k lambda[k] prod_j Z_j[members[e, j], k] + mu[0]  (mu may be null)
__global__ void hl_cp_score(struct hl_factor_table factors, const int *__restrict__ members,
                            const float *__restrict__ lambda, const float *mu, float *__restrict__ scores,
                            long long edges, int order, int rank) {
    HL_GRID_STRIDE(e, edges) {
        float total = 0.0f;
        for (int k = 0; k < rank; ++k) {
            float product = lambda[k];
            for (int j = 0; j < order; ++j)
                product *= hl_member(factors, members, e, order, j, rank, k);
            total += product;
        }
        scores[e] += total + (mu ? mu[0] : 0.0f);
    }
}

// For upstream gradient g[e]:
//   rows_j[e, k] = g[e] * lambda[k] * prod_{l != j} Z_l[members[e, l], k]   (written, one row per edge)
//   lambdaGradient[k] += g[e] * prod_j Z_j[members[e, j], k]                (accumulated; may be null)
__global__ void hl_cp_gradient(struct hl_factor_table factors, const int *__restrict__ members,
                               const float *__restrict__ lambda, const float *__restrict__ upstream,
                               struct hl_output_table rows, float *lambdaGradient, long long edges, int order,
                               int rank) {
    HL_GRID_STRIDE(t, edges * rank) {
        long long e = t / rank;
        int k = (int)(t - e * rank);
        float value[HL_MAX_ORDER];
        for (int j = 0; j < order; ++j) value[j] = hl_member(factors, members, e, order, j, rank, k);
        float g = upstream[e];
        for (int j = 0; j < order; ++j) {
            float product = g * lambda[k];
            for (int l = 0; l < order; ++l)
                if (l != j) product *= value[l];
            rows.factor[j][t] = product;
        }
        if (lambdaGradient) {
            float product = g;
            for (int j = 0; j < order; ++j) product *= value[j];
            atomicAdd(lambdaGradient + k, product);
        }
    }
}

// Pairwise interactions (a factorization machine's second-order term), through
// sum_{j<l} a_j a_l = ((sum a)^2 - sum a^2) / 2:
//   scores[e] = sum_k nu[k] * pair_k(e)
__global__ void hl_pairwise_score(struct hl_factor_table factors, const int *__restrict__ members,
                                  const float *__restrict__ nu, float *__restrict__ scores, long long edges,
                                  int order, int rank) {
    HL_GRID_STRIDE(e, edges) {
        float total = 0.0f;
        for (int k = 0; k < rank; ++k) {
            float sum = 0.0f, squares = 0.0f;
            for (int j = 0; j < order; ++j) {
                float a = hl_member(factors, members, e, order, j, rank, k);
                sum += a;
                squares += a * a;
            }
            total += nu[k] * (sum * sum - squares);
        }
        scores[e] += 0.5f * total;
    }
}

//   rows_j[e, k] = g[e] * nu[k] * (sum_l Z_l[members[e, l], k] - Z_j[members[e, j], k])   (written)
//   nuGradient[k] += g[e] * pair_k(e)                                                      (may be null)
__global__ void hl_pairwise_gradient(struct hl_factor_table factors, const int *__restrict__ members,
                                     const float *__restrict__ nu, const float *__restrict__ upstream,
                                     struct hl_output_table rows, float *nuGradient, long long edges, int order,
                                     int rank) {
    HL_GRID_STRIDE(t, edges * rank) {
        long long e = t / rank;
        int k = (int)(t - e * rank);
        float value[HL_MAX_ORDER];
        float sum = 0.0f, squares = 0.0f;
        for (int j = 0; j < order; ++j) {
            value[j] = hl_member(factors, members, e, order, j, rank, k);
            sum += value[j];
            squares += value[j] * value[j];
        }
        float g = upstream[e];
        for (int j = 0; j < order; ++j) rows.factor[j][t] += g * nu[k] * (sum - value[j]);
        if (nuGradient) atomicAdd(nuGradient + k, g * 0.5f * (sum * sum - squares));
    }
}

// Adam/AdamW exactly as the CPU computes it (AdamRule): g' = g + coupled w, then the moments, then
// w = w shrink - stepSize m / (sqrt(v) invRootC2 + eps).
// One element of the AdamRule update: parameter p with gradient g.
__device__ inline void hl_adam_element(float *parameter, float *m, float *v, long long p, float gradient, float stepSize,
                                       float inverseRootCorrection2, float beta1, float beta2, float epsilon,
                                       float shrink, float coupled) {
    float w = parameter[p];
    float g = gradient + coupled * w;
    float mi = beta1 * m[p] + (1.0f - beta1) * g;
    float vi = beta2 * v[p] + (1.0f - beta2) * g * g;
    m[p] = mi;
    v[p] = vi;
    parameter[p] = w * shrink - stepSize * mi / (sqrtf(vi) * inverseRootCorrection2 + epsilon);
}

__global__ void hl_adam(float *parameter, const float *gradient, float *m, float *v, long long n, float stepSize,
                        float inverseRootCorrection2, float beta1, float beta2, float epsilon, float shrink,
                        float coupled) {
    HL_GRID_STRIDE(i, n) {
        hl_adam_element(parameter, m, v, i, gradient[i], stepSize, inverseRootCorrection2, beta1, beta2, epsilon,
                        shrink, coupled);
    }
}

// hl_adam on the rows `rows` of a `columns`-wide parameter; gradient row r belongs to parameter row rows[r].
__global__ void hl_adam_rows(float *parameter, const float *gradient, const int *rows, float *m, float *v, long long n,
                             int columns, float stepSize, float inverseRootCorrection2, float beta1, float beta2,
                             float epsilon, float shrink, float coupled) {
    HL_GRID_STRIDE(i, n) {
        long long p = (long long)rows[i / columns] * columns + i % columns;
        hl_adam_element(parameter, m, v, p, gradient[i], stepSize, inverseRootCorrection2, beta1, beta2, epsilon,
                        shrink, coupled);
    }
}

// The DropoutMask rule: element i is kept when the top 24 bits of splitmix64(key + i * phi) / 2^24 >= rate.
__device__ inline bool hl_keeps(unsigned long long key, long long i, float rate) {
    unsigned long long z = key + (unsigned long long)i * 0x9E3779B97F4A7C15ULL;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    z ^= z >> 31;
    return (float)(z >> 40) * (1.0f / 16777216.0f) >= rate;
}

// y = max(x, 0) * mask; hasMask = 0 is plain ReLU.
__global__ void hl_relu_dropout(const float *x, float *y, long long n, unsigned long long key, float rate,
                                float keepScale, int hasMask) {
    HL_GRID_STRIDE(i, n) {
        float value = x[i] > 0.0f ? x[i] : 0.0f;
        if (hasMask) value = hl_keeps(key, i, rate) ? value * keepScale : 0.0f;
        y[i] = value;
    }
}

// dx = dy * mask where the forward's input (or its output: the same elements) was positive, else 0.
// dx may be dy: each thread reads then writes its own element.
__global__ void hl_relu_dropout_backward(const float *pre, const float *dy, float *dx, long long n,
                                         unsigned long long key, float rate, float keepScale, int hasMask) {
    HL_GRID_STRIDE(i, n) {
        float value = pre[i] > 0.0f ? dy[i] : 0.0f;
        if (hasMask) value = hl_keeps(key, i, rate) ? value * keepScale : 0.0f;
        dx[i] = value;
    }
}

// Adds lossScale * (block's partial sum) to *loss: one atomic per block of 256 threads.
__device__ void hl_block_accumulate(float value, float *loss, float lossScale) {
    __shared__ float partial[256];
    partial[threadIdx.x] = value;
    __syncthreads();
    for (unsigned int stride = blockDim.x / 2; stride > 0; stride >>= 1) {
        if (threadIdx.x < stride) partial[threadIdx.x] += partial[threadIdx.x + stride];
        __syncthreads();
    }
    if (threadIdx.x == 0) atomicAdd(loss, lossScale * partial[0]);
}

// Rows below `positives` are positives (label 1), the rest negatives (label 0):
// gradient = (sigmoid(s) - y) / normalizer, loss += lossScale * sum softplus(-s or s).
__global__ void hl_logistic_loss(const float *scores, float *gradient, float *loss, long long n,
                                 long long positives, float normalizer, float lossScale) {
    float value = 0.0f;
    HL_GRID_STRIDE(e, n) {
        float s = scores[e];
        float label = e < positives ? 1.0f : 0.0f;
        float z = e < positives ? -s : s;
        value += fmaxf(z, 0.0f) + log1pf(expf(-fabsf(z)));
        gradient[e] = (1.0f / (1.0f + expf(-s)) - label) / normalizer;
    }
    hl_block_accumulate(value, loss, lossScale);
}

// gradient = 2 (s - y) / normalizer, loss += lossScale * sum (s - y)^2.
__global__ void hl_squared_loss(const float *scores, const float *targets, float *gradient, float *loss,
                                long long n, float normalizer, float lossScale) {
    float value = 0.0f;
    HL_GRID_STRIDE(e, n) {
        float r = scores[e] - targets[e];
        value += r * r;
        gradient[e] = 2.0f * r / normalizer;
    }
    hl_block_accumulate(value, loss, lossScale);
}

// destination[i] = source[i]
__global__ void hl_copy(const float *__restrict__ source, float *__restrict__ destination, long long n) {
    HL_GRID_STRIDE(i, n) { destination[i] = source[i]; }
}

// out[0] += scale * sum_i x[i] y[i]
__global__ void hl_dot(const float *x, const float *y, float *out, long long n, float scale) {
    __shared__ float partial[256];
    float value = 0.0f;
    HL_GRID_STRIDE(i, n) { value += x[i] * y[i]; }
    partial[threadIdx.x] = value;
    __syncthreads();
    for (unsigned int stride = blockDim.x / 2; stride > 0; stride >>= 1) {
        if (threadIdx.x < stride) partial[threadIdx.x] += partial[threadIdx.x + stride];
        __syncthreads();
    }
    if (threadIdx.x == 0) atomicAdd(out, scale * partial[0]);
}

// scores[e] += sum_j blocks[j * edges + e]
__global__ void hl_add_member_sums(const float *__restrict__ blocks, float *__restrict__ scores, long long edges,
                                   int order) {
    HL_GRID_STRIDE(e, edges) {
        float sum = 0.0f;
        for (int j = 0; j < order; ++j) sum += blocks[j * edges + e];
        scores[e] += sum;
    }
}

// out[e, j*d + k] = gathered[(j*edges + e)*d + k]
__global__ void hl_concat_members(const float *__restrict__ gathered, float *__restrict__ out, long long edges,
                                  int order, int d) {
    HL_GRID_STRIDE(t, edges * order * d) {
        long long e = t / (order * d);
        int rest = (int)(t - e * order * d), j = rest / d, k = rest - j * d;
        out[t] = gathered[(j * edges + e) * d + k];
    }
}

// The attention decoder's element-wise operations.
__global__ void hl_tanh(const float *x, float *y, long long n) {
    HL_GRID_STRIDE(i, n) y[i] = tanhf(x[i]);
}
__global__ void hl_tanh_backward(const float *y, const float *dy, float *dx, long long n) {
    HL_GRID_STRIDE(i, n) dx[i] = dy[i] * (1.0f - y[i] * y[i]);
}
__global__ void hl_multiply(const float *x, const float *y, float *z, long long n) {
    HL_GRID_STRIDE(i, n) z[i] = x[i] * y[i];
}

#define HL_MAX_ATTENTION_ORDER 16
// Self-attention among the members of each hyperedge, one thread per (hyperedge, head): member blocks
// q, k, v of (order*edges) x columns, head h owning columns [h*width, (h+1)*width). A member attends to
// the others, never to itself. weights[(j*edges + e)*heads*order + h*order + l] = member j's weight on l.
__global__ void hl_member_attention(const float *__restrict__ q, const float *__restrict__ k,
                                    const float *__restrict__ v, float *__restrict__ out,
                                    float *__restrict__ weights, long long edges, int order, int columns, int heads) {
    int width = columns / heads;
    float scale = 1.0f / sqrtf((float)width);
    HL_GRID_STRIDE(t, edges * heads) {
        long long e = t / heads;
        int h = (int)(t - e * heads);
        float z[HL_MAX_ATTENTION_ORDER];
        for (int j = 0; j < order; ++j) {
            const float *qj = q + (j * edges + e) * columns + h * width;
            float largest = -3.402823466e38f;
            for (int l = 0; l < order; ++l) {
                if (l == j) continue;
                const float *kl = k + (l * edges + e) * columns + h * width;
                float dot = 0.0f;
                for (int c = 0; c < width; ++c) dot += qj[c] * kl[c];
                z[l] = dot * scale;
                largest = fmaxf(largest, z[l]);
            }
            float total = 0.0f;
            for (int l = 0; l < order; ++l) {
                if (l == j) continue;
                z[l] = expf(z[l] - largest);
                total += z[l];
            }
            float *outj = out + (j * edges + e) * columns + h * width;
            float *wj = weights + (j * edges + e) * heads * order + h * order;
            for (int c = 0; c < width; ++c) outj[c] = 0.0f;
            for (int l = 0; l < order; ++l) {
                if (l == j) { wj[l] = 0.0f; continue; }
                float w = z[l] / total;
                wj[l] = w;
                const float *vl = v + (l * edges + e) * columns + h * width;
                for (int c = 0; c < width; ++c) outj[c] += w * vl[c];
            }
        }
    }
}

// Its backward pass, one thread per (hyperedge, head): each thread owns its rows' head columns, so
// dq, dk and dv (zero on entry) need no atomics.
__global__ void hl_member_attention_backward(const float *__restrict__ q, const float *__restrict__ k,
                                             const float *__restrict__ v, const float *__restrict__ weights,
                                             const float *__restrict__ up, float *__restrict__ dq,
                                             float *__restrict__ dk, float *__restrict__ dv,
                                             long long edges, int order, int columns, int heads) {
    int width = columns / heads;
    float scale = 1.0f / sqrtf((float)width);
    HL_GRID_STRIDE(t, edges * heads) {
        long long e = t / heads;
        int h = (int)(t - e * heads);
        float dw[HL_MAX_ATTENTION_ORDER];
        for (int j = 0; j < order; ++j) {
            long long jRow = (j * edges + e) * columns + h * width;
            const float *wj = weights + (j * edges + e) * heads * order + h * order;
            float weighted = 0.0f;
            for (int l = 0; l < order; ++l) {
                if (l == j) continue;
                long long lRow = (l * edges + e) * columns + h * width;
                float dot = 0.0f;
                for (int c = 0; c < width; ++c) {
                    dot += up[jRow + c] * v[lRow + c];
                    dv[lRow + c] += wj[l] * up[jRow + c];
                }
                dw[l] = dot;
                weighted += wj[l] * dot;
            }
            for (int l = 0; l < order; ++l) {
                if (l == j) continue;
                long long lRow = (l * edges + e) * columns + h * width;
                float dz = wj[l] * (dw[l] - weighted) * scale;
                for (int c = 0; c < width; ++c) {
                    dq[jRow + c] += dz * k[lRow + c];
                    dk[lRow + c] += dz * q[jRow + c];
                }
            }
        }
    }
}

// gradients[(j*edges + e)*d + k] += x[e, j*d + k]
__global__ void hl_add_split_members(const float *__restrict__ x, float *__restrict__ gradients, long long edges,
                                     int order, int d) {
    HL_GRID_STRIDE(t, edges * order * d) {
        long long e = t / (order * d);
        int rest = (int)(t - e * order * d), j = rest / d, k = rest - j * d;
        gradients[(j * edges + e) * d + k] += x[t];
    }
}

}  // extern "C"
"""#
}

/// One argument of a kernel launch, laid out as the kernel's C parameter expects.
enum CUDAKernelArgument {
    case buffer(CUDABuffer?)
    case int32(Int32)
    case int64(Int64)
    case float(Float)
    /// A struct of `CUDAKernelSource.maximumOrder` device pointers, passed by value.
    case pointerTable([CUDABuffer])
    /// A device address inside a buffer (a row offset into a matrix).
    case address(UInt)
    /// A pointer table of device addresses inside buffers (member blocks of one matrix).
    case addressTable([UInt])

    var byteCount: Int {
        switch self {
        case .pointerTable, .addressTable: return 8 * CUDAKernelSource.maximumOrder
        default: return 8
        }
    }
}

/// The compiled module and its functions, one per device.
final class CUDAKernelModule: @unchecked Sendable {
    private let api: CUDALibraries
    private let module: CCUDA_Module?
    private let functions: [String: CCUDA_Function]
    /// The architecture compiled for, e.g. `sm_90`.
    let architecture: String

    init(api: CUDALibraries, device: CUDADevice) throws {
        self.api = api
        architecture = "sm_\(device.computeCapability.major)\(device.computeCapability.minor)"
        let image = try Self.compile(CUDAKernelSource.text, architecture: architecture, nvrtc: api.nvrtc)
        var module: CCUDA_Module?
        try image.withUnsafeBytes { bytes in
            try api.driver.check(api.driver.moduleLoadData(&module, bytes.baseAddress), "cuModuleLoadData")
        }
        self.module = module
        var functions: [String: CCUDA_Function] = [:]
        for name in CUDAKernelSource.names {
            var function: CCUDA_Function?
            try api.driver.check(api.driver.moduleGetFunction(&function, module, name), "cuModuleGetFunction(\(name))")
            guard let function else { throw HyperLearnError.device("kernel \(name) missing from the compiled module") }
            functions[name] = function
        }
        self.functions = functions
    }

    deinit { _ = api.driver.moduleUnload(module) }

    /// Compiles `source` to a CUBIN for `architecture`; the NVRTC log travels in the error.
    static func compile(_ source: String, architecture: String, nvrtc: NVRTCAPI) throws -> [UInt8] {
        var program: CCUDA_NvrtcProgram?
        try nvrtc.check(nvrtc.createProgram(&program, source, "hyperlearn_kernels.cu", 0, nil, nil),
                        "nvrtcCreateProgram")
        defer { _ = nvrtc.destroyProgram(&program) }
        let options = ["--gpu-architecture=\(architecture)", "--std=c++17"]
        let status = withCStringArray(options) { nvrtc.compileProgram(program, Int32(options.count), $0) }
        if status != 0 {
            var logSize = 0
            _ = nvrtc.getProgramLogSize(program, &logSize)
            var log = [CChar](repeating: 0, count: max(logSize, 1))
            _ = nvrtc.getProgramLog(program, &log)
            let text = String(decoding: log.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            try nvrtc.check(status, "nvrtcCompileProgram(\(options.joined(separator: " ")))", log: text)
        }
        var size = 0
        try nvrtc.check(nvrtc.getCUBINSize(program, &size), "nvrtcGetCUBINSize")
        var image = [CChar](repeating: 0, count: size)
        try nvrtc.check(nvrtc.getCUBIN(program, &image), "nvrtcGetCUBIN")
        return image.map { UInt8(bitPattern: $0) }
    }

    /// Launches `name` over `elementCount` work items (grid-stride kernels: the grid is capped).
    func launch(_ name: String, elementCount: Int, arguments: [CUDAKernelArgument], context: CUDAContext) throws {
        guard elementCount > 0 else { return }
        guard let function = functions[name] else { throw HyperLearnError.device("unknown kernel \(name)") }
        let threads = 256
        let wanted = (elementCount + threads - 1) / threads
        let blocks = max(1, min(wanted, max(context.device.multiprocessorCount, 1) * 32))

        let total = arguments.reduce(0) { $0 + $1.byteCount }
        let storage = UnsafeMutableRawPointer.allocate(byteCount: max(total, 8), alignment: 8)
        defer { storage.deallocate() }
        var parameters: [UnsafeMutableRawPointer?] = []
        var offset = 0
        for argument in arguments {
            let slot = storage + offset
            switch argument {
            case .buffer(let buffer): slot.storeBytes(of: UInt64(buffer?.address ?? 0), as: UInt64.self)
            case .int32(let value): slot.storeBytes(of: value, as: Int32.self)
            case .int64(let value): slot.storeBytes(of: value, as: Int64.self)
            case .float(let value): slot.storeBytes(of: value, as: Float.self)
            case .address(let address): slot.storeBytes(of: UInt64(address), as: UInt64.self)
            case .pointerTable(let buffers): Self.storeTable(buffers.map(\.address), at: slot)
            case .addressTable(let addresses): Self.storeTable(addresses, at: slot)
            }
            parameters.append(slot)
            offset += argument.byteCount
        }
        try context.makeCurrent()
        try parameters.withUnsafeMutableBufferPointer { pointers in
            try api.driver.check(api.driver.launchKernel(function, UInt32(blocks), 1, 1, UInt32(threads), 1, 1, 0,
                                                         context.stream, pointers.baseAddress, nil),
                                 "cuLaunchKernel(\(name))")
        }
    }
}

extension CUDAKernelModule {
    /// Writes a pointer table (unused slots zero); callers check the order against the table's size.
    fileprivate static func storeTable(_ addresses: [UInt], at slot: UnsafeMutableRawPointer) {
        for index in 0..<CUDAKernelSource.maximumOrder {
            (slot + 8 * index).storeBytes(of: UInt64(index < addresses.count ? addresses[index] : 0), as: UInt64.self)
        }
    }
}

/// Calls `body` with a C `const char *const *` view of `strings`.
private func withCStringArray<Result>(_ strings: [String],
                                      _ body: (UnsafePointer<UnsafePointer<CChar>?>?) -> Result) -> Result {
    let copies = strings.map { strdup($0) }
    defer { copies.forEach { free($0) } }
    let pointers = copies.map { UnsafePointer<CChar>($0) }
    return pointers.withUnsafeBufferPointer { body($0.baseAddress) }
}
