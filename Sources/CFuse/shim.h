// libfuse3 low-level API for Swift. Macros Swift cannot import get static inline wrappers here.
#ifndef LAMINA_CFUSE_SHIM_H
#define LAMINA_CFUSE_SHIM_H
#define FUSE_USE_VERSION 312
#include <fuse_lowlevel.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>

/// FUSE_ARGS_INIT: an argument vector libfuse parses (and may reallocate: free with fuse_opt_free_args).
static inline struct fuse_args lamina_fuse_args(int argc, char **argv) {
    struct fuse_args args = FUSE_ARGS_INIT(argc, argv);
    return args;
}

/// fuse_session_loop_mt is a macro over versioned symbols; this is the 3.12 form with the opaque
/// config (max_threads 0 keeps libfuse's default; max_idle_threads < 0 keeps libfuse's default).
static inline int lamina_fuse_session_loop_mt(struct fuse_session *se, int clone_fd,
                                              int max_idle_threads, unsigned int max_threads) {
    struct fuse_loop_config *config = fuse_loop_cfg_create();
    if (config == NULL) return -ENOMEM;
    fuse_loop_cfg_set_clone_fd(config, clone_fd ? 1 : 0);
    if (max_idle_threads >= 0) fuse_loop_cfg_set_idle_threads(config, (unsigned int)max_idle_threads);
    if (max_threads > 0) fuse_loop_cfg_set_max_threads(config, max_threads);
    int result = fuse_session_loop_mt(se, config);
    fuse_loop_cfg_destroy(config);
    return result;
}

/// Copies the data of a write request into `fd` at `offset` (splice when the request came as a pipe).
/// Returns the number of bytes written or a negative errno.
static inline ssize_t lamina_fuse_write_to_fd(struct fuse_bufvec *input, int fd, off_t offset) {
    struct fuse_bufvec output = FUSE_BUFVEC_INIT(fuse_buf_size(input));
    output.buf[0].flags = (enum fuse_buf_flags)(FUSE_BUF_IS_FD | FUSE_BUF_FD_SEEK);
    output.buf[0].fd = fd;
    output.buf[0].pos = offset;
    return fuse_buf_copy(&output, input, (enum fuse_buf_copy_flags)0);
}

/// The fuse_file_info bit fields the bridge sets (Swift cannot always reach C bit fields).
static inline void lamina_fuse_file_info_set_keep_cache(struct fuse_file_info *fi, int value) { fi->keep_cache = value ? 1 : 0; }
static inline void lamina_fuse_file_info_set_cache_readdir(struct fuse_file_info *fi, int value) { fi->cache_readdir = value ? 1 : 0; }

/// Capability and setattr bits (macros).
static inline unsigned int lamina_fuse_cap_async_read(void) { return FUSE_CAP_ASYNC_READ; }
static inline unsigned int lamina_fuse_cap_atomic_o_trunc(void) { return FUSE_CAP_ATOMIC_O_TRUNC; }
static inline unsigned int lamina_fuse_cap_splice_write(void) { return FUSE_CAP_SPLICE_WRITE; }
static inline unsigned int lamina_fuse_cap_splice_move(void) { return FUSE_CAP_SPLICE_MOVE; }
static inline unsigned int lamina_fuse_cap_splice_read(void) { return FUSE_CAP_SPLICE_READ; }
static inline unsigned int lamina_fuse_cap_no_open_support(void) { return FUSE_CAP_NO_OPEN_SUPPORT; }
static inline unsigned int lamina_fuse_cap_parallel_dirops(void) { return FUSE_CAP_PARALLEL_DIROPS; }
static inline unsigned int lamina_fuse_cap_readdirplus(void) { return FUSE_CAP_READDIRPLUS; }
static inline unsigned int lamina_fuse_cap_readdirplus_auto(void) { return FUSE_CAP_READDIRPLUS_AUTO; }
static inline unsigned int lamina_fuse_cap_writeback_cache(void) { return FUSE_CAP_WRITEBACK_CACHE; }
static inline unsigned int lamina_fuse_cap_handle_killpriv(void) { return FUSE_CAP_HANDLE_KILLPRIV; }
static inline unsigned int lamina_fuse_cap_export_support(void) { return FUSE_CAP_EXPORT_SUPPORT; }
static inline unsigned int lamina_fuse_cap_posix_locks(void) { return FUSE_CAP_POSIX_LOCKS; }
static inline unsigned int lamina_fuse_cap_flock_locks(void) { return FUSE_CAP_FLOCK_LOCKS; }
static inline unsigned int lamina_fuse_cap_posix_acl(void) { return FUSE_CAP_POSIX_ACL; }
static inline unsigned int lamina_fuse_cap_dont_mask(void) { return FUSE_CAP_DONT_MASK; }

static inline int lamina_fuse_set_attr_mode(void) { return FUSE_SET_ATTR_MODE; }
static inline int lamina_fuse_set_attr_uid(void) { return FUSE_SET_ATTR_UID; }
static inline int lamina_fuse_set_attr_gid(void) { return FUSE_SET_ATTR_GID; }
static inline int lamina_fuse_set_attr_size(void) { return FUSE_SET_ATTR_SIZE; }
static inline int lamina_fuse_set_attr_atime(void) { return FUSE_SET_ATTR_ATIME; }
static inline int lamina_fuse_set_attr_mtime(void) { return FUSE_SET_ATTR_MTIME; }
static inline int lamina_fuse_set_attr_atime_now(void) { return FUSE_SET_ATTR_ATIME_NOW; }
static inline int lamina_fuse_set_attr_mtime_now(void) { return FUSE_SET_ATTR_MTIME_NOW; }

/// libfuse reports mount failures through its log function (va_list, which Swift cannot take):
/// keep the last message so the daemon can hand it to the waiting parent, and pass it on to stderr.
static inline char *lamina_fuse_message_buffer(void) {
    static char buffer[512];
    return buffer;
}

static inline void lamina_fuse_log_to_buffer(enum fuse_log_level level, const char *format, va_list ap) {
    (void)level;
    va_list copy;
    va_copy(copy, ap);
    vsnprintf(lamina_fuse_message_buffer(), 512, format, copy);
    va_end(copy);
    vfprintf(stderr, format, ap);
}

static inline void lamina_fuse_capture_log(void) {
    lamina_fuse_message_buffer()[0] = '\0';
    fuse_set_log_func(lamina_fuse_log_to_buffer);
}

static inline const char *lamina_fuse_last_log_message(void) { return lamina_fuse_message_buffer(); }

#endif
