// libarchive for Swift.
#ifndef LAMINA_CARCHIVE_SHIM_H
#define LAMINA_CARCHIVE_SHIM_H
#include <archive.h>
#include <archive_entry.h>

/// archive_set_error is variadic; Swift calls this fixed form with an already formatted message.
static inline void carchive_set_error(struct archive *a, const char *message) {
    archive_set_error(a, ARCHIVE_FAILED, "%s", message);
}

#endif
