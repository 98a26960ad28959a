// C wrappers the container commands need: a terminal's size (ioctl is variadic) and openat2(2)
// resolving a path as if the directory were the root (no glibc wrapper in Debian 12).
#ifndef CLAMINA_CONTAINER_H
#define CLAMINA_CONTAINER_H

#include <sys/types.h>

/// The number of columns of the terminal on `fd` (TIOCGWINSZ), or -1 with errno set.
int clamina_terminal_columns(int fd);

/// openat2(2) with RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS: `path` is resolved inside `root_fd`
/// as if it were `/` (absolute symbolic links and `..` never leave it). -1 with errno set.
int clamina_open_in_root(int root_fd, const char *path, int flags, mode_t mode);

#endif
