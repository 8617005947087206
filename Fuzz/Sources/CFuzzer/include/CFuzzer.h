#ifndef CFUZZER_H
#define CFUZZER_H
#include <stddef.h>
#include <stdint.h>

/// libFuzzer's driver (from the toolchain's libclang_rt.fuzzer, linked by -sanitize=fuzzer): parses
/// the libFuzzer flags in argv and calls `test` with each input. Declared here because Swift
/// executables bring their own `main`, so libFuzzer's cannot be the entry point.
int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*test)(const uint8_t *data, size_t size));

#endif
