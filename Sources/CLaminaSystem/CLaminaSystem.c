#define _GNU_SOURCE
#include "CLaminaSystem.h"
#include <fcntl.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <sys/sysmacros.h>
#include <linux/fs.h>
#include <unistd.h>

int clamina_openat(int dirfd, const char *path, int flags, mode_t mode) {
    return openat(dirfd, path, flags, mode);
}

int clamina_fcntl_int(int fd, int cmd, int arg) { return fcntl(fd, cmd, arg); }

int clamina_ficlone(int dest_fd, int src_fd) { return ioctl(dest_fd, FICLONE, src_fd); }

int clamina_renameat2(int olddirfd, const char *oldpath, int newdirfd, const char *newpath, unsigned int flags) {
    return renameat2(olddirfd, oldpath, newdirfd, newpath, flags);
}

unsigned int clamina_rename_noreplace(void) { return RENAME_NOREPLACE; }
unsigned int clamina_rename_exchange(void) { return RENAME_EXCHANGE; }
dev_t clamina_makedev(unsigned int major, unsigned int minor) { return makedev(major, minor); }
unsigned int clamina_major(dev_t dev) { return major(dev); }
unsigned int clamina_minor(dev_t dev) { return minor(dev); }
