// zlib for Swift: gzip members inflated and written one at a time (eStargz layers).
#ifndef LAMINA_CZLIB_SHIM_H
#define LAMINA_CZLIB_SHIM_H
#include <zlib.h>

/// inflateInit2 and deflateInit2 are macros (they pass the library version and struct size).
static inline int czlib_inflate_init_gzip(z_stream *stream) {
    // 16 + MAX_WBITS: a gzip header and trailer around the deflate data.
    return inflateInit2(stream, 16 + MAX_WBITS);
}

static inline int czlib_deflate_init_gzip(z_stream *stream, int level) {
    return deflateInit2(stream, level, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY);
}
#endif
