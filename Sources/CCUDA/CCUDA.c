// The only compiled C in the shim: dladdr needs _GNU_SOURCE, which Swift's Glibc module does not set.
#define _GNU_SOURCE
#include <dlfcn.h>
#include <string.h>
#include "CCUDA.h"

int CCUDA_fileDefiningSymbol(const void *symbol, char *path, size_t capacity) {
    Dl_info info;
    if (capacity == 0 || dladdr(symbol, &info) == 0 || info.dli_fname == NULL) return 0;
    strncpy(path, info.dli_fname, capacity - 1);
    path[capacity - 1] = '\0';
    return 1;
}
