// Small C wrappers for system calls and macros that Swift cannot reach directly
// (variadic functions such as ioctl/fcntl/open, and syscalls without a glibc wrapper).
#ifndef CLAMINA_SYSTEM_H
#define CLAMINA_SYSTEM_H

#include <sys/types.h>
#include <sys/stat.h>
#include <stdint.h>
#include <stddef.h>

/// open/openat take a variadic mode argument; this gives Swift a fixed signature.
int clamina_openat(int dirfd, const char *path, int flags, mode_t mode);

/// fcntl is variadic: the three forms Lamina uses.
int clamina_fcntl_int(int fd, int cmd, int arg);

/// FICLONE: share extents between two files on filesystems that support reflinks.
int clamina_ficlone(int dest_fd, int src_fd);

/// renameat2 with flags (RENAME_NOREPLACE, RENAME_EXCHANGE, RENAME_WHITEOUT).
int clamina_renameat2(int olddirfd, const char *oldpath, int newdirfd, const char *newpath, unsigned int flags);

/// Flag values as plain functions (Swift cannot import some macro expressions).
unsigned int clamina_rename_noreplace(void);
unsigned int clamina_rename_exchange(void);
dev_t clamina_makedev(unsigned int major, unsigned int minor);
unsigned int clamina_major(dev_t dev);
unsigned int clamina_minor(dev_t dev);

#endif
