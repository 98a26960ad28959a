#define _GNU_SOURCE
#include "CLaminaSystem.h"
#include <fcntl.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <linux/fs.h>
#include <unistd.h>

int clamina_openat(int dirfd, const char *path, int flags, mode_t mode) {
    return openat(dirfd, path, flags, mode);
}

int clamina_fcntl_int(int fd, int cmd, int arg) { return fcntl(fd, cmd, arg); }

int clamina_ofd_lock(int fd, int exclusive, int unlock, long long start, long long length) {
    struct flock lock = {0};
    lock.l_type = unlock ? F_UNLCK : (exclusive ? F_WRLCK : F_RDLCK);
    lock.l_whence = SEEK_SET;
    lock.l_start = start;
    lock.l_len = length;
    return fcntl(fd, F_OFD_SETLK, &lock);
}

int clamina_pidfd_open(pid_t pid) { return (int)syscall(SYS_pidfd_open, pid, 0); }

int clamina_ficlone(int dest_fd, int src_fd) { return ioctl(dest_fd, FICLONE, src_fd); }

int clamina_renameat2(int olddirfd, const char *oldpath, int newdirfd, const char *newpath, unsigned int flags) {
    return renameat2(olddirfd, oldpath, newdirfd, newpath, flags);
}

unsigned int clamina_rename_noreplace(void) { return RENAME_NOREPLACE; }
unsigned int clamina_rename_exchange(void) { return RENAME_EXCHANGE; }
unsigned int clamina_rename_whiteout(void) { return RENAME_WHITEOUT; }
int clamina_o_direct(void) { return O_DIRECT; }
int clamina_o_path(void) { return O_PATH; }
int clamina_o_tmpfile(void) { return O_TMPFILE; }
long clamina_utime_now(void) { return UTIME_NOW; }
long clamina_utime_omit(void) { return UTIME_OMIT; }
dev_t clamina_makedev(unsigned int major, unsigned int minor) { return makedev(major, minor); }
unsigned int clamina_major(dev_t dev) { return major(dev); }
unsigned int clamina_minor(dev_t dev) { return minor(dev); }

struct clamina_dirent64 {
    uint64_t d_ino;
    int64_t d_off;
    unsigned short d_reclen;
    unsigned char d_type;
    char d_name[];
};

ssize_t clamina_getdents64(int fd, void *buffer, size_t size) {
    return syscall(SYS_getdents64, fd, buffer, size);
}

uint64_t clamina_dirent_ino(const void *record) { return ((const struct clamina_dirent64 *)record)->d_ino; }
uint16_t clamina_dirent_reclen(const void *record) { return ((const struct clamina_dirent64 *)record)->d_reclen; }
uint8_t clamina_dirent_type(const void *record) { return ((const struct clamina_dirent64 *)record)->d_type; }
const char *clamina_dirent_name(const void *record) { return ((const struct clamina_dirent64 *)record)->d_name; }

ssize_t clamina_copy_file_range(int fd_in, int fd_out, size_t length) {
    return copy_file_range(fd_in, NULL, fd_out, NULL, length, 0);
}

int clamina_fallocate(int fd, int mode, off_t offset, off_t length) { return fallocate(fd, mode, offset, length); }

ssize_t clamina_flistxattr(int fd, char *list, size_t size) { return flistxattr(fd, list, size); }
ssize_t clamina_fgetxattr(int fd, const char *name, void *value, size_t size) {
    return fgetxattr(fd, name, value, size);
}
ssize_t clamina_llistxattr(const char *path, char *list, size_t size) { return llistxattr(path, list, size); }
ssize_t clamina_lgetxattr(const char *path, const char *name, void *value, size_t size) {
    return lgetxattr(path, name, value, size);
}
int clamina_lsetxattr(const char *path, const char *name, const void *value, size_t size, int flags) {
    return lsetxattr(path, name, value, size, flags);
}
int clamina_lremovexattr(const char *path, const char *name) { return lremovexattr(path, name); }
int clamina_fsetxattr(int fd, const char *name, const void *value, size_t size, int flags) {
    return fsetxattr(fd, name, value, size, flags);
}
