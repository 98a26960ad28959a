// See ring.h. The ring layout (offsets into the mapped rings) comes from io_uring_setup's
// io_uring_params, as documented in io_uring_setup(2).
#define _GNU_SOURCE
#include "ring.h"

#include <errno.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

static int ring_setup(unsigned entries, struct io_uring_params *params) {
    long result = syscall(__NR_io_uring_setup, entries, params);
    return result < 0 ? -errno : (int)result;
}

static int ring_enter(int fd, unsigned submit, unsigned wait, unsigned flags) {
    long result = syscall(__NR_io_uring_enter, fd, submit, wait, flags, NULL, 0);
    return result < 0 ? -errno : (int)result;
}

static void *map_ring(int fd, size_t size, off_t offset) {
    void *map = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd, offset);
    return map == MAP_FAILED ? NULL : map;
}

int lamina_ring_open(struct lamina_ring *ring, unsigned entries, unsigned extra_flags) {
    memset(ring, 0, sizeof(*ring));
    ring->fd = -1;
    struct io_uring_params params;
    memset(&params, 0, sizeof(params));
    params.flags = IORING_SETUP_SQE128 | extra_flags;
    int fd = ring_setup(entries, &params);
    if (fd == -EINVAL && extra_flags != 0) {
        memset(&params, 0, sizeof(params));
        params.flags = IORING_SETUP_SQE128;
        fd = ring_setup(entries, &params);
    }
    if (fd < 0) return fd;
    ring->fd = fd;
    ring->sq_entries = params.sq_entries;
    ring->cq_entries = params.cq_entries;
    ring->sq_map_size = params.sq_off.array + params.sq_entries * sizeof(unsigned);
    ring->cq_map_size = params.cq_off.cqes + params.cq_entries * sizeof(struct io_uring_cqe);
    if (params.features & IORING_FEAT_SINGLE_MMAP) {
        if (ring->cq_map_size > ring->sq_map_size) ring->sq_map_size = ring->cq_map_size;
        ring->cq_map_size = 0;
    }
    ring->sq_map = map_ring(fd, ring->sq_map_size, IORING_OFF_SQ_RING);
    if (ring->sq_map == NULL) goto failed;
    if (ring->cq_map_size != 0) {
        ring->cq_map = map_ring(fd, ring->cq_map_size, IORING_OFF_CQ_RING);
        if (ring->cq_map == NULL) goto failed;
    }
    ring->sqes_size = params.sq_entries * sizeof(struct lamina_sqe128);
    ring->sqes = map_ring(fd, ring->sqes_size, IORING_OFF_SQES);
    if (ring->sqes == NULL) goto failed;
    char *sq = ring->sq_map;
    char *cq = ring->cq_map != NULL ? ring->cq_map : ring->sq_map;
    ring->sq_head = (unsigned *)(sq + params.sq_off.head);
    ring->sq_tail = (unsigned *)(sq + params.sq_off.tail);
    ring->sq_mask = (unsigned *)(sq + params.sq_off.ring_mask);
    ring->sq_array = (unsigned *)(sq + params.sq_off.array);
    ring->cq_head = (unsigned *)(cq + params.cq_off.head);
    ring->cq_tail = (unsigned *)(cq + params.cq_off.tail);
    ring->cq_mask = (unsigned *)(cq + params.cq_off.ring_mask);
    ring->cqes = (struct io_uring_cqe *)(cq + params.cq_off.cqes);
    // Slot i of the index array always names SQE i.
    for (unsigned i = 0; i < params.sq_entries; i++) ring->sq_array[i] = i;
    return 0;
failed: {
        int error = errno;
        lamina_ring_close(ring);
        return -error;
    }
}

void lamina_ring_close(struct lamina_ring *ring) {
    if (ring->sqes != NULL) munmap(ring->sqes, ring->sqes_size);
    if (ring->cq_map != NULL) munmap(ring->cq_map, ring->cq_map_size);
    if (ring->sq_map != NULL) munmap(ring->sq_map, ring->sq_map_size);
    if (ring->fd >= 0) close(ring->fd);
    memset(ring, 0, sizeof(*ring));
    ring->fd = -1;
}

struct lamina_sqe128 *lamina_ring_next_sqe(struct lamina_ring *ring) {
    unsigned head = atomic_load_explicit((_Atomic unsigned *)ring->sq_head, memory_order_acquire);
    unsigned tail = *ring->sq_tail + ring->pending;
    if (tail - head >= ring->sq_entries) return NULL;
    struct lamina_sqe128 *sqe = &ring->sqes[tail & *ring->sq_mask];
    memset(sqe, 0, sizeof(*sqe));
    ring->pending++;
    return sqe;
}

int lamina_ring_submit_and_wait(struct lamina_ring *ring, unsigned wait) {
    if (ring->pending != 0) {
        atomic_store_explicit((_Atomic unsigned *)ring->sq_tail, *ring->sq_tail + ring->pending, memory_order_release);
        ring->pending = 0;
    }
    for (;;) {
        // What the kernel has not consumed yet (an interrupted call may have taken some).
        unsigned head = atomic_load_explicit((_Atomic unsigned *)ring->sq_head, memory_order_acquire);
        unsigned submit = *ring->sq_tail - head;
        unsigned need = lamina_ring_peek_cqe(ring) != NULL ? 0 : wait;
        if (submit == 0 && need == 0) break;
        int result = ring_enter(ring->fd, submit, need, need != 0 ? IORING_ENTER_GETEVENTS : 0);
        if (result >= 0) {
            if (need == 0 || lamina_ring_peek_cqe(ring) != NULL) break;
            continue;
        }
        if (result != -EINTR && result != -EAGAIN && result != -EBUSY) return result;
    }
    unsigned tail = atomic_load_explicit((_Atomic unsigned *)ring->cq_tail, memory_order_acquire);
    return (int)(tail - *ring->cq_head);
}

struct io_uring_cqe *lamina_ring_peek_cqe(struct lamina_ring *ring) {
    unsigned head = *ring->cq_head;
    unsigned tail = atomic_load_explicit((_Atomic unsigned *)ring->cq_tail, memory_order_acquire);
    if (head == tail) return NULL;
    return &ring->cqes[head & *ring->cq_mask];
}

void lamina_ring_consume_cqe(struct lamina_ring *ring) {
    atomic_store_explicit((_Atomic unsigned *)ring->cq_head, *ring->cq_head + 1, memory_order_release);
}
