// glibc's heap settings (mallopt), which Swift's Glibc module does not export.
#if defined(__linux__) && __has_include(<malloc.h>)
#include <malloc.h>
#endif
