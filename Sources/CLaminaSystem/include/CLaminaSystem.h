// Small C wrappers for system calls and macros that Swift cannot reach directly
// (variadic functions such as ioctl/fcntl/open, and syscalls without a glibc wrapper).
#ifndef CLAMINA_SYSTEM_H
#define CLAMINA_SYSTEM_H

#include <sys/types.h>
#include <sys/stat.h>
#include <stdint.h>
#include <stddef.h>
#include <sys/xattr.h>
#include "CLaminaSpawn.h"
#include "CLaminaContainer.h"

/// open/openat take a variadic mode argument; this gives Swift a fixed signature.
int clamina_openat(int dirfd, const char *path, int flags, mode_t mode);

/// pidfd_open(2) (no glibc wrapper in Debian 12): a descriptor that becomes readable when `pid` ends.
int clamina_pidfd_open(pid_t pid);

/// fcntl is variadic: the three forms Lamina uses.
int clamina_fcntl_int(int fd, int cmd, int arg);
/// An open-file-description lock (F_OFD_SETLK) on bytes [start, start+length) of fd: exclusive or
/// shared, or released (unlock). Returns 0, or -1 with errno (EAGAIN when another holds it).
int clamina_ofd_lock(int fd, int exclusive, int unlock, long long start, long long length);

/// FICLONE: share extents between two files on filesystems that support reflinks.
int clamina_ficlone(int dest_fd, int src_fd);

/// renameat2 with flags (RENAME_NOREPLACE, RENAME_EXCHANGE, RENAME_WHITEOUT).
int clamina_renameat2(int olddirfd, const char *oldpath, int newdirfd, const char *newpath, unsigned int flags);

/// Flag values as plain functions (Swift cannot import some macro expressions).
unsigned int clamina_rename_noreplace(void);
unsigned int clamina_rename_exchange(void);
unsigned int clamina_rename_whiteout(void);
int clamina_o_direct(void);
int clamina_o_path(void);
int clamina_o_tmpfile(void);
long clamina_utime_now(void);
long clamina_utime_omit(void);
dev_t clamina_makedev(unsigned int major, unsigned int minor);
unsigned int clamina_major(dev_t dev);
unsigned int clamina_minor(dev_t dev);

/// getdents64 has no glibc wrapper before 2.30; this is the raw syscall.
ssize_t clamina_getdents64(int fd, void *buffer, size_t size);

/// One linux_dirent64 record inside a getdents64 buffer, read without Swift layout assumptions.
uint64_t clamina_dirent_ino(const void *record);
uint16_t clamina_dirent_reclen(const void *record);
uint8_t clamina_dirent_type(const void *record);
const char *clamina_dirent_name(const void *record);

/// copy_file_range and fallocate are GNU extensions the Swift Glibc module may not expose.
ssize_t clamina_copy_file_range(int fd_in, int fd_out, size_t length);
int clamina_fallocate(int fd, int mode, off_t offset, off_t length);

/// Extended attributes (<sys/xattr.h>): by descriptor, and by path without following a final symlink.
ssize_t clamina_flistxattr(int fd, char *list, size_t size);
ssize_t clamina_fgetxattr(int fd, const char *name, void *value, size_t size);
ssize_t clamina_llistxattr(const char *path, char *list, size_t size);
ssize_t clamina_lgetxattr(const char *path, const char *name, void *value, size_t size);
int clamina_lsetxattr(const char *path, const char *name, const void *value, size_t size, int flags);
int clamina_lremovexattr(const char *path, const char *name);
int clamina_fsetxattr(int fd, const char *name, const void *value, size_t size, int flags);

#endif
