#ifndef CCUDA_H
#define CCUDA_H
/*
 * The CUDA ABI HyperLearn needs, declared by hand: opaque handle types, the enum values we pass,
 * and one function-pointer typedef per entry point. Nothing here is linked; `CUDALibrary.swift`
 * fills the pointers with dlsym at run time, so a build needs no CUDA headers or libraries.
 *
 * Everything is prefixed `CCUDA_` so that it can never clash with a real CUDA header. The layouts
 * follow CUDA 12 and 13 (x86-64 LP64): every enum is passed as a C `int`, handles are pointers to
 * incomplete structs, `CUdeviceptr` is `unsigned long long`, `CUdevice` is `int`.
 */
#include <stddef.h>
#include <stdint.h>

/* ---- opaque handles ---- */
typedef struct CCUDA_Stream_st *CCUDA_Stream;              /* cudaStream_t == CUstream */
typedef struct CCUDA_CublasContext_st *CCUDA_CublasHandle;  /* cublasHandle_t */
typedef struct CCUDA_CusparseContext_st *CCUDA_CusparseHandle; /* cusparseHandle_t */
typedef struct CCUDA_SpMatDescr_st *CCUDA_SpMatDescr;       /* cusparseSpMatDescr_t */
typedef struct CCUDA_DnMatDescr_st *CCUDA_DnMatDescr;       /* cusparseDnMatDescr_t */
typedef struct CCUDA_NvrtcProgram_st *CCUDA_NvrtcProgram;   /* nvrtcProgram */
typedef struct CCUDA_Module_st *CCUDA_Module;               /* CUmodule */
typedef struct CCUDA_Function_st *CCUDA_Function;           /* CUfunction */
typedef struct CCUDA_Context_st *CCUDA_Context;             /* CUcontext */
typedef int CCUDA_Device;                                   /* CUdevice */
typedef unsigned long long CCUDA_DevicePointer;             /* CUdeviceptr */

/* ---- status codes (all C enums, passed as int) ---- */
typedef int CCUDA_Error;          /* cudaError_t */
typedef int CCUDA_Result;         /* CUresult */
typedef int CCUDA_CublasStatus;   /* cublasStatus_t */
typedef int CCUDA_CusparseStatus; /* cusparseStatus_t */
typedef int CCUDA_NvrtcResult;    /* nvrtcResult */

enum {
    CCUDA_SUCCESS = 0,
    CCUDA_ERROR_MEMORY_ALLOCATION = 2,       /* cudaErrorMemoryAllocation */
    CCUDA_ERROR_INSUFFICIENT_DRIVER = 35,    /* cudaErrorInsufficientDriver */
    CCUDA_ERROR_NO_DEVICE = 100,             /* cudaErrorNoDevice */
    CCUDA_CUBLAS_STATUS_ALLOC_FAILED = 3,
    CCUDA_CUSPARSE_STATUS_ALLOC_FAILED = 2,
};

/* ---- enum values we pass ---- */
enum {
    CCUDA_MEMCPY_HOST_TO_DEVICE = 1,          /* cudaMemcpyKind */
    CCUDA_MEMCPY_DEVICE_TO_HOST = 2,
    CCUDA_MEMCPY_DEVICE_TO_DEVICE = 3,
    CCUDA_DEV_ATTR_MULTIPROCESSOR_COUNT = 16, /* cudaDeviceAttr */
    CCUDA_DEV_ATTR_COMPUTE_CAPABILITY_MAJOR = 75,
    CCUDA_DEV_ATTR_COMPUTE_CAPABILITY_MINOR = 76,
    CCUDA_CUBLAS_OP_N = 0,                    /* cublasOperation_t */
    CCUDA_CUBLAS_OP_T = 1,
    CCUDA_R_32F = 0,                          /* cudaDataType */
    CCUDA_CUSPARSE_OPERATION_NON_TRANSPOSE = 0, /* cusparseOperation_t */
    CCUDA_CUSPARSE_OPERATION_TRANSPOSE = 1,
    CCUDA_CUSPARSE_INDEX_32I = 2,             /* cusparseIndexType_t */
    CCUDA_CUSPARSE_INDEX_BASE_ZERO = 0,       /* cusparseIndexBase_t */
    CCUDA_CUSPARSE_ORDER_COL = 1,             /* cusparseOrder_t */
    CCUDA_CUSPARSE_ORDER_ROW = 2,
    CCUDA_CUSPARSE_SPMM_ALG_DEFAULT = 0,      /* cusparseSpMMAlg_t */
};

/* ---- CUDA runtime (libcudart) ---- */
typedef CCUDA_Error (*CCUDA_cudaGetDeviceCount_fn)(int *count);
typedef CCUDA_Error (*CCUDA_cudaSetDevice_fn)(int device);
typedef CCUDA_Error (*CCUDA_cudaDeviceGetAttribute_fn)(int *value, int attribute, int device);
typedef CCUDA_Error (*CCUDA_cudaMemGetInfo_fn)(size_t *freeBytes, size_t *totalBytes);
typedef CCUDA_Error (*CCUDA_cudaDriverGetVersion_fn)(int *version);
typedef CCUDA_Error (*CCUDA_cudaRuntimeGetVersion_fn)(int *version);
typedef const char *(*CCUDA_cudaGetErrorString_fn)(CCUDA_Error error);
typedef CCUDA_Error (*CCUDA_cudaGetLastError_fn)(void);
typedef CCUDA_Error (*CCUDA_cudaMalloc_fn)(void **pointer, size_t bytes);
typedef CCUDA_Error (*CCUDA_cudaFree_fn)(void *pointer);
typedef CCUDA_Error (*CCUDA_cudaMemcpyAsync_fn)(void *destination, const void *source, size_t bytes, int kind,
                                                CCUDA_Stream stream);
typedef CCUDA_Error (*CCUDA_cudaMemsetAsync_fn)(void *pointer, int value, size_t bytes, CCUDA_Stream stream);
typedef CCUDA_Error (*CCUDA_cudaStreamCreate_fn)(CCUDA_Stream *stream);
typedef CCUDA_Error (*CCUDA_cudaStreamDestroy_fn)(CCUDA_Stream stream);
typedef CCUDA_Error (*CCUDA_cudaStreamSynchronize_fn)(CCUDA_Stream stream);

/* ---- cuBLAS (libcublas; the `_v2` symbols are the exported ones) ---- */
typedef CCUDA_CublasStatus (*CCUDA_cublasCreate_fn)(CCUDA_CublasHandle *handle);
typedef CCUDA_CublasStatus (*CCUDA_cublasDestroy_fn)(CCUDA_CublasHandle handle);
typedef CCUDA_CublasStatus (*CCUDA_cublasSetStream_fn)(CCUDA_CublasHandle handle, CCUDA_Stream stream);
typedef CCUDA_CublasStatus (*CCUDA_cublasGetVersion_fn)(CCUDA_CublasHandle handle, int *version);
typedef const char *(*CCUDA_cublasGetStatusString_fn)(CCUDA_CublasStatus status);
typedef CCUDA_CublasStatus (*CCUDA_cublasSgemm_fn)(CCUDA_CublasHandle handle, int transa, int transb, int m, int n,
                                                   int k, const float *alpha, const float *a, int lda,
                                                   const float *b, int ldb, const float *beta, float *c, int ldc);

/* ---- cuSPARSE (libcusparse, generic API) ---- */
typedef CCUDA_CusparseStatus (*CCUDA_cusparseCreate_fn)(CCUDA_CusparseHandle *handle);
typedef CCUDA_CusparseStatus (*CCUDA_cusparseDestroy_fn)(CCUDA_CusparseHandle handle);
typedef CCUDA_CusparseStatus (*CCUDA_cusparseSetStream_fn)(CCUDA_CusparseHandle handle, CCUDA_Stream stream);
typedef CCUDA_CusparseStatus (*CCUDA_cusparseGetVersion_fn)(CCUDA_CusparseHandle handle, int *version);
typedef const char *(*CCUDA_cusparseGetErrorString_fn)(CCUDA_CusparseStatus status);
typedef CCUDA_CusparseStatus (*CCUDA_cusparseCreateCsr_fn)(CCUDA_SpMatDescr *descriptor, int64_t rows, int64_t columns,
                                                           int64_t nonzeros, void *rowOffsets, void *columnIndices,
                                                           void *values, int rowOffsetsType, int columnIndicesType,
                                                           int indexBase, int valueType);
typedef CCUDA_CusparseStatus (*CCUDA_cusparseDestroySpMat_fn)(CCUDA_SpMatDescr descriptor);
typedef CCUDA_CusparseStatus (*CCUDA_cusparseCreateDnMat_fn)(CCUDA_DnMatDescr *descriptor, int64_t rows,
                                                             int64_t columns, int64_t leadingDimension, void *values,
                                                             int valueType, int order);
typedef CCUDA_CusparseStatus (*CCUDA_cusparseDestroyDnMat_fn)(CCUDA_DnMatDescr descriptor);
typedef CCUDA_CusparseStatus (*CCUDA_cusparseSpMM_bufferSize_fn)(CCUDA_CusparseHandle handle, int opA, int opB,
                                                                 const void *alpha, CCUDA_SpMatDescr a,
                                                                 CCUDA_DnMatDescr b, const void *beta,
                                                                 CCUDA_DnMatDescr c, int computeType, int algorithm,
                                                                 size_t *bufferSize);
typedef CCUDA_CusparseStatus (*CCUDA_cusparseSpMM_fn)(CCUDA_CusparseHandle handle, int opA, int opB, const void *alpha,
                                                      CCUDA_SpMatDescr a, CCUDA_DnMatDescr b, const void *beta,
                                                      CCUDA_DnMatDescr c, int computeType, int algorithm,
                                                      void *externalBuffer);

/* ---- NVRTC (libnvrtc) ---- */
typedef CCUDA_NvrtcResult (*CCUDA_nvrtcVersion_fn)(int *major, int *minor);
typedef const char *(*CCUDA_nvrtcGetErrorString_fn)(CCUDA_NvrtcResult result);
typedef CCUDA_NvrtcResult (*CCUDA_nvrtcCreateProgram_fn)(CCUDA_NvrtcProgram *program, const char *source,
                                                         const char *name, int headerCount,
                                                         const char *const *headers,
                                                         const char *const *includeNames);
typedef CCUDA_NvrtcResult (*CCUDA_nvrtcDestroyProgram_fn)(CCUDA_NvrtcProgram *program);
typedef CCUDA_NvrtcResult (*CCUDA_nvrtcCompileProgram_fn)(CCUDA_NvrtcProgram program, int optionCount,
                                                          const char *const *options);
typedef CCUDA_NvrtcResult (*CCUDA_nvrtcGetProgramLogSize_fn)(CCUDA_NvrtcProgram program, size_t *size);
typedef CCUDA_NvrtcResult (*CCUDA_nvrtcGetProgramLog_fn)(CCUDA_NvrtcProgram program, char *log);
typedef CCUDA_NvrtcResult (*CCUDA_nvrtcGetCUBINSize_fn)(CCUDA_NvrtcProgram program, size_t *size);
typedef CCUDA_NvrtcResult (*CCUDA_nvrtcGetCUBIN_fn)(CCUDA_NvrtcProgram program, char *cubin);

/* ---- CUDA driver (libcuda) ---- */
typedef CCUDA_Result (*CCUDA_cuInit_fn)(unsigned int flags);
typedef CCUDA_Result (*CCUDA_cuDeviceGet_fn)(CCUDA_Device *device, int ordinal);
typedef CCUDA_Result (*CCUDA_cuDeviceGetName_fn)(char *name, int length, CCUDA_Device device);
typedef CCUDA_Result (*CCUDA_cuGetErrorString_fn)(CCUDA_Result result, const char **text);
typedef CCUDA_Result (*CCUDA_cuModuleLoadData_fn)(CCUDA_Module *module, const void *image);
typedef CCUDA_Result (*CCUDA_cuModuleUnload_fn)(CCUDA_Module module);
typedef CCUDA_Result (*CCUDA_cuModuleGetFunction_fn)(CCUDA_Function *function, CCUDA_Module module,
                                                     const char *name);
typedef CCUDA_Result (*CCUDA_cuLaunchKernel_fn)(CCUDA_Function function, unsigned int gridX, unsigned int gridY,
                                                unsigned int gridZ, unsigned int blockX, unsigned int blockY,
                                                unsigned int blockZ, unsigned int sharedMemoryBytes,
                                                CCUDA_Stream stream, void **kernelParameters, void **extra);

/* ---- the one compiled helper (CCUDA.c) ---- */
/* Writes the path of the shared object that defines `symbol` (dladdr); returns 1 on success. */
int CCUDA_fileDefiningSymbol(const void *symbol, char *path, size_t capacity);

#endif
