// FUSE over io_uring for a libfuse 3.14 session: the kernel has one queue per possible CPU (and
// routes requests to the ring only once each has an entry); each queue is served by a few
// threads, each with its own io_uring and one entry, so a slow request (a large copy-up) holds up
// only its thread: the kernel gives new requests to the entries still waiting. A thread fetches requests from its ring entries, rebuilds the /dev/fuse wire format
// in front of the entry's payload and hands it to fuse_session_process_buf; libfuse's reply
// comes back through the transport's writev callback (lamina_fuse_ring_reply), which copies it
// into the entry and commits it with the next fetch. Forgets and interrupts keep arriving on
// /dev/fuse, where libfuse's own loop serves them.
//
// Thread safety: start and stop from one thread at a time (the INIT reply, then the session's
// teardown); lamina_fuse_ring_reply from any thread.
#ifndef LAMINA_FUSE_RING_H
#define LAMINA_FUSE_RING_H
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

struct fuse_session;
struct lamina_fuse_ring;

/// Receives the ring's log lines: level 0 debug, 1 notice, 2 warning.
typedef void (*lamina_fuse_ring_log)(void *context, int level, const char *message);

/// Queues the kernel expects (possible CPUs), threads per queue and entries per thread.
unsigned lamina_fuse_ring_queue_count(void);
enum { LAMINA_FUSE_RING_THREADS_PER_QUEUE = 4, LAMINA_FUSE_RING_ENTRIES_PER_THREAD = 1 };

/// Whether this process can make an io_uring with 128-byte SQEs at all. 0 or a negative errno.
int lamina_fuse_ring_probe(void);

/// A ring for `fd` whose entries hold `payload_size` bytes; no threads yet. NULL: out of memory.
struct lamina_fuse_ring *lamina_fuse_ring_create(struct fuse_session *session, int fd, size_t payload_size,
                                                 lamina_fuse_ring_log log, void *log_context);
/// Starts the queue threads, which register their entries (after the INIT reply has been written)
/// and serve at once: replies must already find the ring (lamina_fuse_ring_reply). On failure the
/// kernel is told (a refused registration) so it serves /dev/fuse.
void lamina_fuse_ring_start(struct lamina_fuse_ring *ring);
/// Tells the kernel to serve /dev/fuse instead (when no ring could be made).
void lamina_fuse_ring_refuse(int fd);
/// Wakes and joins the queue threads, closes their rings and frees the entries; NULL is fine.
void lamina_fuse_ring_stop(struct lamina_fuse_ring *ring);

/// Takes libfuse's reply `iov` (fuse_out_header first) when it answers a request fetched from
/// the ring: 1 when taken, 0 when the reply is for a /dev/fuse request.
int lamina_fuse_ring_reply(struct lamina_fuse_ring *ring, const struct iovec *iov, int count);
/// The payload buffer of the ring entry the calling thread serves (NULL when it serves none), and
/// its size: a reply built there is not copied again.
char *lamina_fuse_ring_serving_payload(size_t *size);

#endif
