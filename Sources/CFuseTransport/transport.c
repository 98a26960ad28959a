// See CFuseTransport.h. The newer protocol definitions below follow the kernel's documented ABI,
// include/uapi/linux/fuse.h (protocol 7.40: passthrough; 7.43: request_timeout in init_out).
#define _GNU_SOURCE
#define FUSE_USE_VERSION 312
#include <fuse3/fuse_lowlevel.h>

#include "CFuseTransport.h"

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/uio.h>
#include <unistd.h>

enum {
    LAMINA_FUSE_INIT = 26,
};

#define LAMINA_FUSE_HANDLE_KILLPRIV_V2 (1ULL << 28)
#define LAMINA_FUSE_INIT_EXT (1ULL << 30)
#define LAMINA_FUSE_PASSTHROUGH (1ULL << 37)
#define LAMINA_FOPEN_KEEP_CACHE (1U << 1)
#define LAMINA_FOPEN_PASSTHROUGH (1U << 7)

struct lamina_fuse_in_header {
    uint32_t len;
    uint32_t opcode;
    uint64_t unique;
    uint64_t nodeid;
    uint32_t uid;
    uint32_t gid;
    uint32_t pid;
    uint16_t total_extlen;
    uint16_t padding;
};

struct lamina_fuse_out_header {
    uint32_t len;
    int32_t error;
    uint64_t unique;
};

struct lamina_fuse_init_in {
    uint32_t major;
    uint32_t minor;
    uint32_t max_readahead;
    uint32_t flags;
    uint32_t flags2;
    uint32_t unused[11];
};

struct lamina_fuse_init_out {
    uint32_t major;
    uint32_t minor;
    uint32_t max_readahead;
    uint32_t flags;
    uint16_t max_background;
    uint16_t congestion_threshold;
    uint32_t max_write;
    uint32_t time_gran;
    uint16_t max_pages;
    uint16_t map_alignment;
    uint32_t flags2;
    uint32_t max_stack_depth;
    uint16_t request_timeout;
    uint16_t unused[11];
};

struct lamina_fuse_open_out {
    uint64_t fh;
    uint32_t open_flags;
    int32_t backing_id;
};

struct lamina_fuse_backing_map {
    int32_t fd;
    uint32_t flags;
    uint64_t padding;
};

/// fuse_entry_out as the kernel takes it from protocol 7.9 on (entry, attr and their validity).
enum { LAMINA_FUSE_ENTRY_OUT_SIZE = 128 };

_Static_assert(sizeof(struct lamina_fuse_in_header) == 40, "fuse_in_header");
_Static_assert(sizeof(struct lamina_fuse_out_header) == 16, "fuse_out_header");
_Static_assert(sizeof(struct lamina_fuse_init_in) == 64, "fuse_init_in");
_Static_assert(sizeof(struct lamina_fuse_init_out) == 64, "fuse_init_out");
_Static_assert(sizeof(struct lamina_fuse_open_out) == 16, "fuse_open_out");
_Static_assert(sizeof(struct lamina_fuse_backing_map) == 16, "fuse_backing_map");

#define LAMINA_FUSE_DEV_IOC_MAGIC 229
#define LAMINA_FUSE_DEV_IOC_BACKING_OPEN _IOW(LAMINA_FUSE_DEV_IOC_MAGIC, 1, struct lamina_fuse_backing_map)
#define LAMINA_FUSE_DEV_IOC_BACKING_CLOSE _IOW(LAMINA_FUSE_DEV_IOC_MAGIC, 2, uint32_t)

struct lamina_transport {
    void *bridge;
    int fd;
    atomic_int installed;
    /// The INIT request: its unique id (0 until seen) and the 64 feature bits it offered.
    _Atomic uint64_t init_unique;
    _Atomic uint64_t offered;
    atomic_int passthrough_requested;
};

/// The backing id the reply being written on this thread should carry (set around
/// fuse_reply_open/fuse_reply_create, which write their reply on the calling thread).
static _Thread_local int32_t pending_backing_id = 0;

struct lamina_transport *lamina_transport_create(void *bridge) {
    struct lamina_transport *transport = calloc(1, sizeof(struct lamina_transport));
    if (transport == NULL) return NULL;
    transport->bridge = bridge;
    transport->fd = -1;
    return transport;
}

void lamina_transport_destroy(struct lamina_transport *transport) { free(transport); }

void lamina_transport_set_bridge(struct lamina_transport *transport, void *bridge) { transport->bridge = bridge; }

void *lamina_transport_bridge(void *userdata) {
    return userdata == NULL ? NULL : ((struct lamina_transport *)userdata)->bridge;
}

static ssize_t transport_read(int fd, void *buffer, size_t length, void *userdata) {
    ssize_t count = read(fd, buffer, length);
    struct lamina_transport *transport = userdata;
    if (count < (ssize_t)(sizeof(struct lamina_fuse_in_header) + offsetof(struct lamina_fuse_init_in, unused))) {
        return count;
    }
    const struct lamina_fuse_in_header *header = buffer;
    if (header->opcode != LAMINA_FUSE_INIT) return count;
    const struct lamina_fuse_init_in *init = (const void *)((const char *)buffer + sizeof(*header));
    uint64_t flags = init->flags;
    if (flags & LAMINA_FUSE_INIT_EXT) flags |= (uint64_t)init->flags2 << 32;
    atomic_store(&transport->offered, flags);
    atomic_store(&transport->init_unique, header->unique);
    return count;
}

/// Adds passthrough to libfuse's INIT reply, when the init callback asked for it.
static void amend_init(struct lamina_transport *transport, struct iovec *iov, int count) {
    if (count < 2 || iov[1].iov_len < sizeof(struct lamina_fuse_init_out)) return;
    if (!atomic_load(&transport->passthrough_requested)) return;
    struct lamina_fuse_init_out *out = iov[1].iov_base;
    uint64_t flags = out->flags | LAMINA_FUSE_INIT_EXT | LAMINA_FUSE_PASSTHROUGH;
    out->flags = (uint32_t)flags;
    out->flags2 |= (uint32_t)(flags >> 32);
    // The mount may be stacked once on its backing files (ext4, xfs, tmpfs: depth 0), and kernel
    // overlayfs may still stack on the mount.
    out->max_stack_depth = 1;
}

/// Puts the pending backing id into an OPEN (fuse_open_out) or CREATE (entry + open) reply.
static void amend_open(struct iovec *iov, int count) {
    int32_t backing_id = pending_backing_id;
    pending_backing_id = 0;
    if (count != 2) return;
    struct lamina_fuse_open_out *out;
    if (iov[1].iov_len == sizeof(struct lamina_fuse_open_out)) {
        out = iov[1].iov_base;
    } else if (iov[1].iov_len == LAMINA_FUSE_ENTRY_OUT_SIZE + sizeof(struct lamina_fuse_open_out)) {
        out = (void *)((char *)iov[1].iov_base + LAMINA_FUSE_ENTRY_OUT_SIZE);
    } else {
        return;
    }
    out->open_flags = (out->open_flags & ~LAMINA_FOPEN_KEEP_CACHE) | LAMINA_FOPEN_PASSTHROUGH;
    out->backing_id = backing_id;
}

static ssize_t transport_writev(int fd, struct iovec *iov, int count, void *userdata) {
    struct lamina_transport *transport = userdata;
    if (count >= 1 && iov[0].iov_len >= sizeof(struct lamina_fuse_out_header)) {
        const struct lamina_fuse_out_header *header = iov[0].iov_base;
        if (header->error == 0) {
            if (pending_backing_id > 0) {
                amend_open(iov, count);
            } else if (header->unique != 0 && header->unique == atomic_load(&transport->init_unique)) {
                amend_init(transport, iov, count);
            }
        }
    }
    return writev(fd, iov, count);
}

static ssize_t transport_splice_receive(int fdin, off_t *offin, int fdout, off_t *offout, size_t length,
                                        unsigned int flags, void *userdata) {
    (void)userdata;
    return splice(fdin, offin, fdout, offout, length, flags);
}

static ssize_t transport_splice_send(int fdin, off_t *offin, int fdout, off_t *offout, size_t length,
                                     unsigned int flags, void *userdata) {
    (void)userdata;
    return splice(fdin, offin, fdout, offout, length, flags);
}

int lamina_transport_install(struct lamina_transport *transport, struct fuse_session *session) {
    int fd = fuse_session_fd(session);
    if (fd < 0) return -EBADF;
    const struct fuse_custom_io io = {
        .writev = transport_writev,
        .read = transport_read,
        .splice_receive = transport_splice_receive,
        .splice_send = transport_splice_send,
    };
    int result = fuse_session_custom_io(session, &io, fd);
    if (result != 0) return result < 0 ? result : -EINVAL;
    transport->fd = fd;
    atomic_store(&transport->installed, 1);
    return 0;
}

int lamina_transport_installed(const struct lamina_transport *transport) {
    return atomic_load(&((struct lamina_transport *)transport)->installed);
}

uint64_t lamina_transport_offered_flags(const struct lamina_transport *transport) {
    return atomic_load(&((struct lamina_transport *)transport)->offered);
}

int lamina_transport_passthrough_offered(const struct lamina_transport *transport) {
    uint64_t offered = lamina_transport_offered_flags(transport);
    return (offered & LAMINA_FUSE_INIT_EXT) && (offered & LAMINA_FUSE_PASSTHROUGH);
}

void lamina_transport_request_passthrough(struct lamina_transport *transport) {
    atomic_store(&transport->passthrough_requested, 1);
}

int32_t lamina_transport_backing_open(struct lamina_transport *transport, int fd) {
    if (transport->fd < 0) return -EBADF;
    struct lamina_fuse_backing_map map = {.fd = fd, .flags = 0, .padding = 0};
    int result = ioctl(transport->fd, LAMINA_FUSE_DEV_IOC_BACKING_OPEN, &map);
    return result < 0 ? -errno : result;
}

int lamina_transport_backing_close(struct lamina_transport *transport, int32_t backing_id) {
    if (transport->fd < 0) return -EBADF;
    uint32_t id = (uint32_t)backing_id;
    return ioctl(transport->fd, LAMINA_FUSE_DEV_IOC_BACKING_CLOSE, &id) < 0 ? -errno : 0;
}

int lamina_transport_reply_open(struct fuse_req *request, const struct fuse_file_info *file, int32_t backing_id) {
    pending_backing_id = backing_id > 0 ? backing_id : 0;
    int result = fuse_reply_open(request, file);
    pending_backing_id = 0;
    return result;
}

int lamina_transport_reply_create(struct fuse_req *request, const struct fuse_entry_param *entry,
                                  const struct fuse_file_info *file, int32_t backing_id) {
    pending_backing_id = backing_id > 0 ? backing_id : 0;
    int result = fuse_reply_create(request, entry, file);
    pending_backing_id = 0;
    return result;
}
