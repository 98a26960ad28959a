// libarchive for Swift.
#ifndef LAMINA_CARCHIVE_SHIM_H
#define LAMINA_CARCHIVE_SHIM_H
#include <archive.h>
#include <archive_entry.h>
#endif
