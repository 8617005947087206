// The header declares libFuzzer's driver; SwiftPM needs one source file in a C target.
#include "CFuzzer.h"
