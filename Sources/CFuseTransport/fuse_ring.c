// See fuse_ring.h. Protocol as implemented by the kernel in fs/fuse/dev_uring.c (6.14+):
// REGISTER hands the kernel an entry's two buffers (sqe->addr: iovec[2], sqe->len 2) and waits
// for a request; COMMIT_AND_FETCH (commit_id = the request's unique) returns the reply and
// waits for the next. Each completion (res 0) means the entry now holds a request; -ENOTCONN
// means the connection is going away.
#define _GNU_SOURCE
#define FUSE_USE_VERSION 312
#include <fuse3/fuse_lowlevel.h>

#include "fuse_ring.h"
#include "fuse_abi.h"
#include "ring.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/sysinfo.h>
#include <unistd.h>

/// user_data of the eventfd read that wakes a queue thread (entries use their index).
#define WAKE_TAG UINT64_MAX
/// Room in front of the payload: the entry's header block, then the rebuilt in_header + op_in.
#define PREFIX_SIZE 4096

struct ring_entry {
    struct ring_queue *queue;
    unsigned index;
    char *region;
    size_t region_size;
    struct lamina_fuse_uring_req_header *header;
    char *payload;
    struct iovec iov[2];
    /// The request handed to libfuse and not yet answered (0: none). Read by repliers on any thread.
    _Atomic uint64_t unique;
    uint64_t commit_id;
    int last_cmd;
    /// Answered on the queue's own thread while it served the request: commit after process_buf.
    int replied;
    int live;
};

/// One serving thread: its io_uring and its entries, all registered on kernel queue `qid`.
struct ring_queue {
    struct lamina_fuse_ring *owner;
    unsigned qid;
    unsigned worker;
    pthread_t thread;
    int thread_started;
    struct lamina_ring ring;
    int wake_fd;
    uint64_t wake_value;
    struct ring_entry *entries;
    /// Entries answered on other threads, waiting for this thread to commit them.
    pthread_mutex_t lock;
    unsigned *commits;
    unsigned commit_count;
};

struct lamina_fuse_ring {
    struct fuse_session *session;
    int fd;
    size_t payload_size;
    /// The kernel's queues, and the threads serving them (LAMINA_FUSE_RING_THREADS_PER_QUEUE each).
    unsigned queue_count;
    unsigned worker_count;
    struct ring_queue *queues;
    atomic_int stopping;
    atomic_uint registered;
    lamina_fuse_ring_log log;
    void *log_context;
};

static _Thread_local struct ring_entry *serving_entry = NULL;
static _Thread_local struct ring_queue *own_queue = NULL;

static void ring_log(struct lamina_fuse_ring *ring, int level, const char *format, ...) {
    if (ring->log == NULL) return;
    char message[256];
    va_list arguments;
    va_start(arguments, format);
    vsnprintf(message, sizeof(message), format, arguments);
    va_end(arguments);
    ring->log(ring->log_context, level, message);
}

unsigned lamina_fuse_ring_queue_count(void) {
    // The kernel makes one queue per possible CPU (num_possible_cpus()).
    FILE *file = fopen("/sys/devices/system/cpu/possible", "re");
    unsigned count = 0;
    if (file != NULL) {
        unsigned first, last;
        int separator;
        while (fscanf(file, "%u", &first) == 1) {
            last = first;
            separator = fgetc(file);
            if (separator == '-') {
                if (fscanf(file, "%u", &last) != 1) break;
                separator = fgetc(file);
            }
            if (last >= first) count += last - first + 1;
            if (separator != ',') break;
        }
        fclose(file);
    }
    if (count == 0) count = (unsigned)get_nprocs_conf();
    return count == 0 ? 1 : count;
}

int lamina_fuse_ring_probe(void) {
    struct lamina_ring ring;
    int result = lamina_ring_open(&ring, 2, 0);
    if (result == 0) lamina_ring_close(&ring);
    return result;
}

static void prepare_command(struct lamina_sqe128 *slot, int fd, int command, uint64_t user_data, unsigned qid,
                            uint64_t commit_id) {
    slot->sqe.opcode = IORING_OP_URING_CMD;
    slot->sqe.fd = fd;
    slot->sqe.cmd_op = (uint32_t)command;
    slot->sqe.user_data = user_data;
    struct lamina_fuse_uring_cmd_req *request = (struct lamina_fuse_uring_cmd_req *)slot->sqe.cmd;
    request->flags = 0;
    request->commit_id = commit_id;
    request->qid = (uint16_t)qid;
}

/// Queues the entry's next command (REGISTER the first time, COMMIT_AND_FETCH after a reply).
static int submit_entry(struct ring_entry *entry) {
    struct ring_queue *queue = entry->queue;
    struct lamina_sqe128 *slot = lamina_ring_next_sqe(&queue->ring);
    if (slot == NULL) return -EBUSY;
    prepare_command(slot, queue->owner->fd, entry->last_cmd, entry->index, queue->qid,
                    entry->last_cmd == LAMINA_FUSE_IO_URING_CMD_REGISTER ? 0 : entry->commit_id);
    if (entry->last_cmd == LAMINA_FUSE_IO_URING_CMD_REGISTER) {
        slot->sqe.addr = (uint64_t)(uintptr_t)entry->iov;
        slot->sqe.len = 2;
    }
    return 0;
}

static int arm_wake(struct ring_queue *queue) {
    struct lamina_sqe128 *slot = lamina_ring_next_sqe(&queue->ring);
    if (slot == NULL) return -EBUSY;
    slot->sqe.opcode = IORING_OP_READ;
    slot->sqe.fd = queue->wake_fd;
    slot->sqe.addr = (uint64_t)(uintptr_t)&queue->wake_value;
    slot->sqe.len = sizeof(queue->wake_value);
    slot->sqe.off = (uint64_t)-1;
    slot->sqe.user_data = WAKE_TAG;
    return 0;
}

/// Makes the kernel give up on the ring for this connection (a registration it refuses sets
/// fc->io_uring = 0 and wakes the requests waiting for the ring), so /dev/fuse serves them.
static void refuse_ring(struct lamina_fuse_ring *owner) {
    struct lamina_ring ring;
    if (lamina_ring_open(&ring, 2, 0) != 0) {
        ring_log(owner, 2, "io_uring: cannot tell the kernel to fall back to /dev/fuse; requests may wait");
        return;
    }
    struct lamina_sqe128 *slot = lamina_ring_next_sqe(&ring);
    if (slot != NULL) {
        prepare_command(slot, owner->fd, LAMINA_FUSE_IO_URING_CMD_REGISTER, 0, 0, 0);
        slot->sqe.len = 0; // not the two buffers the kernel needs: refused with EINVAL
        if (lamina_ring_submit_and_wait(&ring, 1) > 0) lamina_ring_consume_cqe(&ring);
    }
    lamina_ring_close(&ring);
}

static void free_entries(struct ring_queue *queue) {
    if (queue->entries == NULL) return;
    for (unsigned i = 0; i < LAMINA_FUSE_RING_ENTRIES_PER_THREAD; i++) {
        struct ring_entry *entry = &queue->entries[i];
        if (entry->region != NULL) munmap(entry->region, entry->region_size);
    }
    free(queue->entries);
    queue->entries = NULL;
}

static int make_entries(struct ring_queue *queue) {
    size_t payload_size = queue->owner->payload_size;
    queue->entries = calloc(LAMINA_FUSE_RING_ENTRIES_PER_THREAD, sizeof(struct ring_entry));
    if (queue->entries == NULL) return -ENOMEM;
    for (unsigned i = 0; i < LAMINA_FUSE_RING_ENTRIES_PER_THREAD; i++) {
        struct ring_entry *entry = &queue->entries[i];
        entry->queue = queue;
        entry->index = i;
        entry->region_size = PREFIX_SIZE + payload_size;
        void *region = mmap(NULL, entry->region_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (region == MAP_FAILED) return -errno;
        entry->region = region;
        entry->header = region;
        entry->payload = entry->region + PREFIX_SIZE;
        entry->iov[0] = (struct iovec){.iov_base = entry->header, .iov_len = sizeof(struct lamina_fuse_uring_req_header)};
        entry->iov[1] = (struct iovec){.iov_base = entry->payload, .iov_len = payload_size};
        entry->last_cmd = LAMINA_FUSE_IO_URING_CMD_REGISTER;
    }
    return 0;
}

/// Answers the entry's request with `error` without libfuse (a request the ring cannot rebuild).
static void fail_request(struct ring_entry *entry, int error) {
    struct lamina_fuse_out_header *out = (struct lamina_fuse_out_header *)entry->header->in_out;
    out->len = sizeof(*out);
    out->error = -error;
    out->unique = entry->commit_id;
    entry->header->ring_ent_in_out.payload_sz = 0;
    entry->replied = 1;
}

/// Rebuilds the /dev/fuse request (in_header, op argument, payload) and lets libfuse serve it.
static void serve(struct ring_entry *entry) {
    struct lamina_fuse_ring *owner = entry->queue->owner;
    struct lamina_fuse_uring_req_header *header = entry->header;
    struct lamina_fuse_in_header in;
    memcpy(&in, header->in_out, sizeof(in));
    uint32_t payload_size = header->ring_ent_in_out.payload_sz;
    entry->commit_id = header->ring_ent_in_out.commit_id;
    entry->last_cmd = LAMINA_FUSE_IO_URING_CMD_COMMIT_AND_FETCH;
    entry->replied = 0;
    // in.len counts the header and every argument; the first argument is in op_in.
    if (payload_size > owner->payload_size || in.len < sizeof(in) + payload_size ||
        in.len - sizeof(in) - payload_size > LAMINA_FUSE_URING_OP_IN_OUT_SZ) {
        ring_log(owner, 2, "io_uring: request %llu (opcode %u) has an impossible size: len %u, payload %u",
                 (unsigned long long)in.unique, in.opcode, in.len, payload_size);
        fail_request(entry, EIO);
        return;
    }
    size_t op_size = in.len - sizeof(in) - payload_size;
    char *start = entry->payload - sizeof(in) - op_size;
    memcpy(start, &in, sizeof(in));
    memcpy(start + sizeof(in), header->op_in, op_size);
    atomic_store_explicit(&entry->unique, in.unique, memory_order_release);
    struct fuse_buf buffer = {.size = in.len, .flags = 0, .mem = start, .fd = -1, .pos = 0};
    serving_entry = entry;
    fuse_session_process_buf(owner->session, &buffer);
    serving_entry = NULL;
}

char *lamina_fuse_ring_serving_payload(size_t *size) {
    struct ring_entry *entry = serving_entry;
    if (entry == NULL) return NULL;
    *size = entry->queue->owner->payload_size;
    return entry->payload;
}

static struct ring_entry *find_entry(struct lamina_fuse_ring *ring, uint64_t unique) {
    struct ring_entry *entry = serving_entry;
    if (entry != NULL && entry->queue->owner == ring &&
        atomic_load_explicit(&entry->unique, memory_order_acquire) == unique) {
        return entry;
    }
    for (unsigned q = 0; q < ring->worker_count; q++) {
        struct ring_queue *queue = &ring->queues[q];
        if (queue->entries == NULL) continue;
        for (unsigned i = 0; i < LAMINA_FUSE_RING_ENTRIES_PER_THREAD; i++) {
            if (atomic_load_explicit(&queue->entries[i].unique, memory_order_acquire) == unique) {
                return &queue->entries[i];
            }
        }
    }
    return NULL;
}

int lamina_fuse_ring_reply(struct lamina_fuse_ring *ring, const struct iovec *iov, int count) {
    if (ring == NULL || count < 1 || iov[0].iov_len < sizeof(struct lamina_fuse_out_header)) return 0;
    struct lamina_fuse_out_header out;
    memcpy(&out, iov[0].iov_base, sizeof(out));
    if (out.unique == 0) return 0; // notifications go to /dev/fuse
    struct ring_entry *entry = find_entry(ring, out.unique);
    if (entry == NULL) return 0;
    // Everything after fuse_out_header goes into the payload (the header's tail, then iov[1...]).
    size_t length = 0;
    int too_long = 0;
    for (int i = 0; i < count; i++) {
        const char *base = iov[i].iov_base;
        size_t size = iov[i].iov_len;
        if (i == 0) {
            base += sizeof(out);
            size -= sizeof(out);
        }
        if (length + size > ring->payload_size) {
            too_long = 1;
            break;
        }
        // A reply built in the payload already (lamina_transport_reply_fd_data) stays where it is.
        if (base != entry->payload + length) memcpy(entry->payload + length, base, size);
        length += size;
    }
    if (too_long) {
        ring_log(ring, 2, "io_uring: reply to %llu is longer than the ring's %zu-byte payload",
                 (unsigned long long)out.unique, ring->payload_size);
        out.error = -EIO;
        length = 0;
    }
    out.len = (uint32_t)(sizeof(out) + length);
    memcpy(entry->header->in_out, &out, sizeof(out));
    entry->header->ring_ent_in_out.payload_sz = (uint32_t)length;
    atomic_store_explicit(&entry->unique, 0, memory_order_release);
    struct ring_queue *queue = entry->queue;
    if (own_queue == queue) {
        entry->replied = 1;
        return 1;
    }
    // Another thread answered: the queue's thread submits (only it may use its ring).
    pthread_mutex_lock(&queue->lock);
    queue->commits[queue->commit_count++] = entry->index;
    pthread_mutex_unlock(&queue->lock);
    uint64_t one = 1;
    if (write(queue->wake_fd, &one, sizeof(one)) < 0) {
        ring_log(ring, 2, "io_uring: cannot wake queue %u: %s", queue->qid, strerror(errno));
    }
    return 1;
}

static void commit_replied(struct ring_queue *queue, struct ring_entry *entry) {
    entry->replied = 0;
    if (submit_entry(entry) != 0) {
        ring_log(queue->owner, 2, "io_uring: queue %u: no room to commit request %llu", queue->qid,
                 (unsigned long long)entry->commit_id);
    }
}

static void drain_commits(struct ring_queue *queue) {
    pthread_mutex_lock(&queue->lock);
    unsigned count = queue->commit_count;
    unsigned indexes[LAMINA_FUSE_RING_ENTRIES_PER_THREAD];
    memcpy(indexes, queue->commits, count * sizeof(unsigned));
    queue->commit_count = 0;
    pthread_mutex_unlock(&queue->lock);
    for (unsigned i = 0; i < count; i++) commit_replied(queue, &queue->entries[indexes[i]]);
}

/// Returns 0 when the queue's entries are registered, else a negative errno (nothing left in flight).
static int setup_queue(struct ring_queue *queue) {
    int result = lamina_ring_open(&queue->ring, LAMINA_FUSE_RING_ENTRIES_PER_THREAD + 1,
                                  IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN);
    if (result != 0) return result;
    result = make_entries(queue);
    if (result != 0) return result;
    for (unsigned i = 0; i < LAMINA_FUSE_RING_ENTRIES_PER_THREAD; i++) {
        queue->entries[i].live = 1;
        if (submit_entry(&queue->entries[i]) != 0) return -EBUSY;
    }
    if (arm_wake(queue) != 0) return -EBUSY;
    result = lamina_ring_submit_and_wait(&queue->ring, 0);
    if (result < 0) return result;
    // A refused registration completes at once; an accepted one only when a request comes.
    struct io_uring_cqe *cqe = lamina_ring_peek_cqe(&queue->ring);
    if (cqe != NULL && cqe->user_data != WAKE_TAG && cqe->res < 0) {
        result = cqe->res;
        lamina_ring_consume_cqe(&queue->ring);
        return result;
    }
    return 0;
}

static void *queue_thread(void *argument) {
    struct ring_queue *queue = argument;
    struct lamina_fuse_ring *owner = queue->owner;
    own_queue = queue;
    char name[16];
    snprintf(name, sizeof(name), "lamina-ring-%u", queue->worker);
    pthread_setname_np(pthread_self(), name);
    // Not pinned to the queue's CPU: pinned, a request's round trip took 24 µs against 18.5 µs
    // unpinned (20.6 µs over /dev/fuse): the thread could only run where its caller was running.
    int result = setup_queue(queue);
    if (result != 0) {
        ring_log(owner, 2, "io_uring: queue %u: cannot register its entries: %s; serving /dev/fuse", queue->qid,
                 strerror(-result));
        lamina_ring_close(&queue->ring);
        refuse_ring(owner);
        return NULL;
    }
    unsigned registered = atomic_fetch_add(&owner->registered, 1) + 1;
    if (registered == owner->worker_count) {
        ring_log(owner, 0, "io_uring: all %u threads registered", registered);
    }
    unsigned live = LAMINA_FUSE_RING_ENTRIES_PER_THREAD;
    int first_error = 0;
    while (live > 0 && !atomic_load(&owner->stopping)) {
        result = lamina_ring_submit_and_wait(&queue->ring, 1);
        if (result < 0) {
            ring_log(owner, 2, "io_uring: queue %u: io_uring_enter: %s", queue->qid, strerror(-result));
            break;
        }
        struct io_uring_cqe *cqe;
        while ((cqe = lamina_ring_peek_cqe(&queue->ring)) != NULL) {
            uint64_t tag = cqe->user_data;
            int res = cqe->res;
            lamina_ring_consume_cqe(&queue->ring);
            if (tag == WAKE_TAG) {
                if (!atomic_load(&owner->stopping)) {
                    drain_commits(queue);
                    (void)arm_wake(queue);
                }
                continue;
            }
            if (tag >= LAMINA_FUSE_RING_ENTRIES_PER_THREAD) continue;
            struct ring_entry *entry = &queue->entries[tag];
            if (res == 0) {
                serve(entry);
                if (entry->replied) commit_replied(queue, entry);
            } else if (res == -EAGAIN || res == -EINTR) {
                (void)submit_entry(entry);
            } else if (entry->live) {
                entry->live = 0;
                live--;
                if (res != -ENOTCONN && res != -ECONNABORTED && res != -ECANCELED && first_error == 0) {
                    first_error = res;
                    ring_log(owner, 2, "io_uring: queue %u: entry %u: %s", queue->qid, entry->index, strerror(-res));
                }
            }
        }
        drain_commits(queue);
    }
    // Closing the ring cancels the commands still waiting in the kernel.
    lamina_ring_close(&queue->ring);
    return NULL;
}

struct lamina_fuse_ring *lamina_fuse_ring_create(struct fuse_session *session, int fd, size_t payload_size,
                                                 lamina_fuse_ring_log log, void *log_context) {
    struct lamina_fuse_ring *ring = calloc(1, sizeof(*ring));
    if (ring == NULL) return NULL;
    ring->session = session;
    ring->fd = fd;
    ring->payload_size = payload_size;
    ring->log = log;
    ring->log_context = log_context;
    ring->queue_count = lamina_fuse_ring_queue_count();
    ring->worker_count = ring->queue_count * LAMINA_FUSE_RING_THREADS_PER_QUEUE;
    ring->queues = calloc(ring->worker_count, sizeof(struct ring_queue));
    if (ring->queues == NULL) {
        free(ring);
        return NULL;
    }
    for (unsigned q = 0; q < ring->worker_count; q++) {
        struct ring_queue *queue = &ring->queues[q];
        queue->owner = ring;
        queue->worker = q;
        queue->qid = q / LAMINA_FUSE_RING_THREADS_PER_QUEUE;
        queue->ring.fd = -1;
        queue->wake_fd = -1;
        pthread_mutex_init(&queue->lock, NULL);
    }
    return ring;
}

void lamina_fuse_ring_refuse(int fd) {
    struct lamina_fuse_ring owner = {.fd = fd};
    refuse_ring(&owner);
}

void lamina_fuse_ring_start(struct lamina_fuse_ring *ring) {
    for (unsigned q = 0; q < ring->worker_count; q++) {
        struct ring_queue *queue = &ring->queues[q];
        queue->commits = calloc(LAMINA_FUSE_RING_ENTRIES_PER_THREAD, sizeof(unsigned));
        queue->wake_fd = eventfd(0, EFD_CLOEXEC);
        if (queue->commits == NULL || queue->wake_fd < 0) {
            ring_log(ring, 2, "io_uring: queue %u: %s; serving /dev/fuse", q, strerror(queue->commits == NULL ? ENOMEM : errno));
            refuse_ring(ring);
            return;
        }
        int result = pthread_create(&queue->thread, NULL, queue_thread, queue);
        if (result != 0) {
            ring_log(ring, 2, "io_uring: queue %u: cannot start its thread: %s; serving /dev/fuse", q, strerror(result));
            refuse_ring(ring);
            return;
        }
        queue->thread_started = 1;
    }
}

void lamina_fuse_ring_stop(struct lamina_fuse_ring *ring) {
    if (ring == NULL) return;
    atomic_store(&ring->stopping, 1);
    for (unsigned q = 0; q < ring->worker_count; q++) {
        struct ring_queue *queue = &ring->queues[q];
        if (!queue->thread_started) continue;
        uint64_t one = 1;
        (void)!write(queue->wake_fd, &one, sizeof(one));
    }
    for (unsigned q = 0; q < ring->worker_count; q++) {
        struct ring_queue *queue = &ring->queues[q];
        if (queue->thread_started) pthread_join(queue->thread, NULL);
        if (queue->wake_fd >= 0) close(queue->wake_fd);
        free_entries(queue);
        free(queue->commits);
        pthread_mutex_destroy(&queue->lock);
    }
    free(ring->queues);
    free(ring);
}
