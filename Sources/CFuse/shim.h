// libfuse3 low-level API for Swift. Macros Swift cannot import get static inline wrappers here.
#ifndef LAMINA_CFUSE_SHIM_H
#define LAMINA_CFUSE_SHIM_H
#define FUSE_USE_VERSION 312
#include <fuse_lowlevel.h>
#endif
