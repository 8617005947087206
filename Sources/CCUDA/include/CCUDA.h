#ifndef CCUDA_H
#define CCUDA_H
// Placeholder header; the CUDA shim's opaque types and function-pointer typedefs go here.
#endif
