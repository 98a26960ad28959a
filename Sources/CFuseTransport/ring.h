// A minimal io_uring instance made with the raw system calls (no liburing on Debian 12): one
// submission and one completion ring, 128-byte SQEs (the FUSE commands need the larger command
// area). Used by one thread only: the thread that created it submits and reaps.
#ifndef LAMINA_RING_H
#define LAMINA_RING_H
#include <linux/io_uring.h>
#include <stddef.h>
#include <stdint.h>

/// A 128-byte SQE: the normal 64-byte entry, then 64 more bytes of command area (the command
/// area starts at `cmd`, offset 48, so it is 80 bytes long).
struct lamina_sqe128 {
    struct io_uring_sqe sqe;
    uint8_t extra[64];
};
_Static_assert(sizeof(struct io_uring_sqe) == 64, "io_uring_sqe");
_Static_assert(sizeof(struct lamina_sqe128) == 128, "SQE128");
_Static_assert(offsetof(struct io_uring_sqe, cmd) == 48, "io_uring_sqe cmd area");

struct lamina_ring {
    int fd;
    unsigned sq_entries;
    unsigned cq_entries;
    void *sq_map;
    size_t sq_map_size;
    void *cq_map;
    size_t cq_map_size;
    struct lamina_sqe128 *sqes;
    size_t sqes_size;
    unsigned *sq_head, *sq_tail, *sq_mask, *sq_array;
    unsigned *cq_head, *cq_tail, *cq_mask;
    struct io_uring_cqe *cqes;
    /// SQEs filled but not yet handed to the kernel.
    unsigned pending;
};

/// Sets up a ring of at least `entries` SQEs with IORING_SETUP_SQE128 and `extra_flags` (falls
/// back to SQE128 alone when the kernel refuses the extra flags). 0 or a negative errno.
int lamina_ring_open(struct lamina_ring *ring, unsigned entries, unsigned extra_flags);
/// Unmaps and closes (the kernel cancels what is still in flight). Safe on a ring that failed to open.
void lamina_ring_close(struct lamina_ring *ring);
/// The next free SQE, zeroed, or NULL when the submission ring is full.
struct lamina_sqe128 *lamina_ring_next_sqe(struct lamina_ring *ring);
/// Submits the pending SQEs and waits for at least `wait` completions. Completions waiting, or a
/// negative errno (EINTR is retried).
int lamina_ring_submit_and_wait(struct lamina_ring *ring, unsigned wait);
/// The oldest unconsumed completion, or NULL.
struct io_uring_cqe *lamina_ring_peek_cqe(struct lamina_ring *ring);
/// Marks the completion returned by lamina_ring_peek_cqe as consumed.
void lamina_ring_consume_cqe(struct lamina_ring *ring);

#endif
