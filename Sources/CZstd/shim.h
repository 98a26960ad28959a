// libzstd for Swift: zstd frames decompressed and written one at a time (zstd:chunked layers).
#ifndef LAMINA_CZSTD_SHIM_H
#define LAMINA_CZSTD_SHIM_H
#include <zstd.h>
#endif
