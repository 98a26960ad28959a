// See CFuseTransport.h. The protocol definitions (fuse_abi.h) follow the kernel's documented ABI,
// include/uapi/linux/fuse.h.
#define _GNU_SOURCE
#define FUSE_USE_VERSION 312
#include <fuse3/fuse_lowlevel.h>

#include "CFuseTransport.h"
#include "fuse_abi.h"
#include "fuse_ring.h"

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/uio.h>
#include <unistd.h>

struct lamina_transport {
    void *bridge;
    int fd;
    atomic_int installed;
    /// The INIT request: its unique id (0 until seen) and the 64 feature bits it offered.
    _Atomic uint64_t init_unique;
    _Atomic uint64_t offered;
    atomic_int passthrough_requested;
    atomic_int killpriv_requested;
    /// FUSE over io_uring: asked for in the INIT reply; the ring serving once the reply is out.
    struct fuse_session *session;
    atomic_int uring_requested;
    size_t uring_payload_size;
    _Atomic(struct lamina_fuse_ring *) ring;
    lamina_transport_log_function log;
    /// Adaptive polling before each /dev/fuse receive; NULL when off.
    struct lamina_spin *spin;
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

void lamina_transport_destroy(struct lamina_transport *transport) {
    if (transport == NULL) return;
    lamina_transport_uring_stop(transport);
    lamina_spin_destroy(transport->spin);
    free(transport);
}

void lamina_transport_set_bridge(struct lamina_transport *transport, void *bridge) { transport->bridge = bridge; }

void *lamina_transport_bridge(void *userdata) {
    return userdata == NULL ? NULL : ((struct lamina_transport *)userdata)->bridge;
}

static ssize_t transport_read(int fd, void *buffer, size_t length, void *userdata) {
    struct lamina_transport *transport = userdata;
    lamina_spin_await(transport->spin, fd);
    ssize_t count = read(fd, buffer, length);
    if (count > 0) lamina_spin_note_request(transport->spin);
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

/// Adds passthrough, FUSE over io_uring and handle_killpriv_v2 to libfuse's INIT reply, when the
/// init callback asked for them, and notes the request size the ring's payload buffers must hold.
static void amend_init(struct lamina_transport *transport, struct iovec *iov, int count) {
    if (count < 2 || iov[1].iov_len < sizeof(struct lamina_fuse_init_out)) return;
    struct lamina_fuse_init_out *out = iov[1].iov_base;
    uint64_t flags = out->flags | ((uint64_t)out->flags2 << 32);
    if (atomic_load(&transport->passthrough_requested)) {
        flags |= LAMINA_FUSE_INIT_EXT | LAMINA_FUSE_PASSTHROUGH;
        // The mount may be stacked once on its backing files (ext4, xfs, tmpfs: depth 0), and kernel
        // overlayfs may still stack on the mount.
        out->max_stack_depth = 1;
    }
    if (atomic_load(&transport->killpriv_requested)) flags |= LAMINA_FUSE_HANDLE_KILLPRIV_V2;
    if (atomic_load(&transport->uring_requested)) {
        flags |= LAMINA_FUSE_INIT_EXT | LAMINA_FUSE_OVER_IO_URING;
        // The kernel's ring payload: max(FUSE_MIN_READ_BUFFER, max_write, max_pages pages).
        long page = sysconf(_SC_PAGESIZE);
        size_t page_size = page > 0 ? (size_t)page : 4096;
        size_t pages = (flags & LAMINA_FUSE_MAX_PAGES) && out->max_pages > 0 ? out->max_pages : LAMINA_FUSE_DEFAULT_MAX_PAGES;
        size_t size = LAMINA_FUSE_MIN_READ_BUFFER;
        if (out->max_write > size) size = out->max_write;
        if (pages * page_size > size) size = pages * page_size;
        transport->uring_payload_size = (size + page_size - 1) / page_size * page_size;
    }
    out->flags = (uint32_t)flags;
    out->flags2 = (uint32_t)(flags >> 32);
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

static void ring_log(void *context, int level, const char *message) {
    struct lamina_transport *transport = context;
    if (transport->log != NULL) transport->log(transport->bridge, level, message);
}

static ssize_t iov_length(const struct iovec *iov, int count) {
    ssize_t length = 0;
    for (int i = 0; i < count; i++) length += (ssize_t)iov[i].iov_len;
    return length;
}

static ssize_t transport_writev(int fd, struct iovec *iov, int count, void *userdata) {
    struct lamina_transport *transport = userdata;
    int is_init = 0;
    if (count >= 1 && iov[0].iov_len >= sizeof(struct lamina_fuse_out_header)) {
        const struct lamina_fuse_out_header *header = iov[0].iov_base;
        if (header->error == 0) {
            if (pending_backing_id > 0) {
                amend_open(iov, count);
            } else if (header->unique != 0 && header->unique == atomic_load(&transport->init_unique)) {
                amend_init(transport, iov, count);
                is_init = 1;
            }
        }
    }
    struct lamina_fuse_ring *ring = atomic_load(&transport->ring);
    if (ring != NULL && lamina_fuse_ring_reply(ring, iov, count)) return iov_length(iov, count);
    ssize_t written = writev(fd, iov, count);
    lamina_spin_note_reply(transport->spin);
    // The kernel takes ring registrations once it has the INIT reply. The ring is published
    // before its threads start: they serve at once, and their replies must find it.
    if (is_init && written >= 0 && atomic_load(&transport->uring_requested) && transport->session != NULL) {
        ring = lamina_fuse_ring_create(transport->session, transport->fd, transport->uring_payload_size, ring_log, transport);
        if (ring == NULL) {
            ring_log(transport, 2, "io_uring: out of memory; serving /dev/fuse");
            lamina_fuse_ring_refuse(transport->fd);
        } else {
            atomic_store(&transport->ring, ring);
            lamina_fuse_ring_start(ring);
        }
    }
    return written;
}

static ssize_t transport_splice_receive(int fdin, off_t *offin, int fdout, off_t *offout, size_t length,
                                        unsigned int flags, void *userdata) {
    struct lamina_transport *transport = userdata;
    lamina_spin_await(transport->spin, fdin);
    ssize_t count = splice(fdin, offin, fdout, offout, length, flags);
    if (count > 0) lamina_spin_note_request(transport->spin);
    return count;
}

static ssize_t transport_splice_send(int fdin, off_t *offin, int fdout, off_t *offout, size_t length,
                                     unsigned int flags, void *userdata) {
    struct lamina_transport *transport = userdata;
    struct lamina_fuse_ring *ring = atomic_load(&transport->ring);
    if (ring == NULL) {
        ssize_t count = splice(fdin, offin, fdout, offout, length, flags);
        lamina_spin_note_reply(transport->spin);
        return count;
    }
    // With the ring serving, a spliced reply (libfuse's pipe holds the whole message) is read
    // back, so a reply to a ring request reaches its ring entry; the ring asks for no splicing.
    char *message = malloc(length);
    if (message == NULL) {
        errno = ENOMEM;
        return -1;
    }
    size_t filled = 0;
    while (filled < length) {
        ssize_t count = read(fdin, message + filled, length - filled);
        if (count < 0 && errno == EINTR) continue;
        if (count <= 0) break;
        filled += (size_t)count;
    }
    struct iovec iov = {.iov_base = message, .iov_len = filled};
    ssize_t result = (ssize_t)filled;
    if (!lamina_fuse_ring_reply(ring, &iov, 1)) result = write(fdout, message, filled);
    free(message);
    return result;
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
    transport->session = session;
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

int lamina_transport_killpriv_offered(const struct lamina_transport *transport) {
    return (lamina_transport_offered_flags(transport) & LAMINA_FUSE_HANDLE_KILLPRIV_V2) != 0;
}

void lamina_transport_request_killpriv(struct lamina_transport *transport) {
    atomic_store(&transport->killpriv_requested, 1);
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

void lamina_transport_set_log(struct lamina_transport *transport, lamina_transport_log_function log) {
    transport->log = log;
}

int lamina_transport_uring_offered(const struct lamina_transport *transport) {
    uint64_t offered = lamina_transport_offered_flags(transport);
    return (offered & LAMINA_FUSE_INIT_EXT) && (offered & LAMINA_FUSE_OVER_IO_URING);
}

int lamina_transport_request_uring(struct lamina_transport *transport) {
    if (!lamina_transport_installed(transport) || transport->session == NULL) return -EBADF;
    int result = lamina_fuse_ring_probe();
    if (result != 0) return result;
    atomic_store(&transport->uring_requested, 1);
    return 0;
}

unsigned lamina_transport_uring_queue_count(void) { return lamina_fuse_ring_queue_count(); }

unsigned lamina_transport_uring_depth(void) {
    return LAMINA_FUSE_RING_THREADS_PER_QUEUE * LAMINA_FUSE_RING_ENTRIES_PER_THREAD;
}

void lamina_transport_uring_stop(struct lamina_transport *transport) {
    struct lamina_fuse_ring *ring = atomic_exchange(&transport->ring, NULL);
    lamina_fuse_ring_stop(ring);
}

int lamina_transport_reply_fd_data(struct fuse_req *request, int fd, size_t size, off_t offset) {
    size_t capacity = 0;
    char *payload = lamina_fuse_ring_serving_payload(&capacity);
    if (payload == NULL) {
        struct fuse_bufvec buffer = FUSE_BUFVEC_INIT(size);
        buffer.buf[0].flags = (enum fuse_buf_flags)(FUSE_BUF_IS_FD | FUSE_BUF_FD_SEEK);
        buffer.buf[0].fd = fd;
        buffer.buf[0].pos = offset;
        return fuse_reply_data(request, &buffer, FUSE_BUF_SPLICE_MOVE);
    }
    if (size > capacity) size = capacity;
    size_t filled = 0;
    while (filled < size) {
        ssize_t count = pread(fd, payload + filled, size - filled, offset + (off_t)filled);
        if (count < 0 && errno == EINTR) continue;
        if (count < 0) return fuse_reply_err(request, errno);
        if (count == 0) break;
        filled += (size_t)count;
    }
    return fuse_reply_buf(request, payload, filled);
}

void lamina_transport_set_spin(struct lamina_transport *transport, struct lamina_spin *spin) {
    lamina_spin_destroy(transport->spin);
    transport->spin = spin;
}

struct lamina_spin *lamina_transport_spin(const struct lamina_transport *transport) { return transport->spin; }
