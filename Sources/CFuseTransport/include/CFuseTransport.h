// The FUSE transport Lamina adds to libfuse 3.14: custom session I/O on the /dev/fuse descriptor
// that lets the kernel read and write regular files itself (FUSE passthrough, protocol 7.40) and
// moves requests onto io_uring (FUSE over io_uring, 7.42), which libfuse 3.14 and Debian 12's
// kernel headers (protocol 7.38) do not know.
#ifndef LAMINA_CFUSE_TRANSPORT_H
#define LAMINA_CFUSE_TRANSPORT_H
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct fuse_req;
struct fuse_session;
struct fuse_file_info;
struct fuse_entry_param;

/// One session's transport state, the session's userdata (it carries the bridge's pointer).
struct lamina_transport;

/// A transport for `bridge` (the session userdata the callbacks find again). NULL: out of memory.
struct lamina_transport *lamina_transport_create(void *bridge);
void lamina_transport_destroy(struct lamina_transport *transport);
/// Sets the bridge pointer (before the session starts).
void lamina_transport_set_bridge(struct lamina_transport *transport, void *bridge);
/// The bridge of a session userdata made by lamina_transport_create (NULL for NULL).
void *lamina_transport_bridge(void *userdata);

/// Routes the session's /dev/fuse traffic through the transport (after fuse_session_mount, before
/// the loop), so it sees the kernel's INIT request and can amend replies. 0 or a negative errno.
int lamina_transport_install(struct lamina_transport *transport, struct fuse_session *session);
/// True once installed: INIT offers were seen and replies can be amended.
int lamina_transport_installed(const struct lamina_transport *transport);

/// The kernel offered passthrough in its INIT request (read by the installed transport).
int lamina_transport_passthrough_offered(const struct lamina_transport *transport);
/// The 64 feature bits of the kernel's INIT request (flags | flags2 << 32); 0 before INIT.
uint64_t lamina_transport_offered_flags(const struct lamina_transport *transport);
/// Asks for passthrough in the INIT reply (call from the init callback, when offered): the reply
/// gets FUSE_INIT_EXT, FUSE_PASSTHROUGH and a max_stack_depth of 1.
void lamina_transport_request_passthrough(struct lamina_transport *transport);

/// The kernel offered FUSE_HANDLE_KILLPRIV_V2 in its INIT request.
int lamina_transport_killpriv_offered(const struct lamina_transport *transport);
/// Asks for FUSE_HANDLE_KILLPRIV_V2 in the INIT reply (call from the init callback, when offered).
/// The kernel then leaves clearing set-user-ID and set-group-ID bits on write, truncate, fallocate
/// and chown to the daemon, and marks files it found no security.capability on, so it stops asking
/// for that attribute before every WRITE. Not with passthrough: passed-through writes never reach
/// the daemon.
void lamina_transport_request_killpriv(struct lamina_transport *transport);

/// Registers `fd` (a regular file) as a backing file: its id (> 0) or a negative errno (EPERM
/// without CAP_SYS_ADMIN in the initial user namespace, ELOOP when the file is on a stacked file
/// system, EOPNOTSUPP on a kernel without passthrough).
int32_t lamina_transport_backing_open(struct lamina_transport *transport, int fd);
/// Drops a backing id (open files keep their backing file). 0 or a negative errno.
int lamina_transport_backing_close(struct lamina_transport *transport, int32_t backing_id);

/// Replies to a READ with `size` bytes of `fd` at `offset`: for a request served from the io_uring
/// ring, read straight into the ring entry's payload (no splice there, and no copy through
/// libfuse's buffer); otherwise as libfuse does (spliced from the file where the kernel allows).
int lamina_transport_reply_fd_data(struct fuse_req *request, int fd, size_t size, off_t offset);

/// fuse_reply_open / fuse_reply_create, with FOPEN_PASSTHROUGH and `backing_id` in the reply's
/// fuse_open_out when `backing_id` > 0 (keep_cache is dropped then: the kernel refuses it).
int lamina_transport_reply_open(struct fuse_req *request, const struct fuse_file_info *file, int32_t backing_id);
int lamina_transport_reply_create(struct fuse_req *request, const struct fuse_entry_param *entry,
                                  const struct fuse_file_info *file, int32_t backing_id);

/// Where the transport's own log lines go (ring threads): `bridge` as set above; level 0 debug,
/// 1 notice, 2 warning. Set before the session starts.
typedef void (*lamina_transport_log_function)(void *bridge, int level, const char *message);
void lamina_transport_set_log(struct lamina_transport *transport, lamina_transport_log_function log);

/// The kernel offered FUSE over io_uring in its INIT request (/sys/module/fuse/parameters/enable_uring).
int lamina_transport_uring_offered(const struct lamina_transport *transport);
/// Asks for FUSE over io_uring in the INIT reply (call from the init callback, when offered; the
/// transport must be installed): once the reply is written, one thread per queue registers ring
/// entries and serves requests from the ring. 0, or a negative errno when this process cannot
/// use io_uring (nothing is asked for then).
int lamina_transport_request_uring(struct lamina_transport *transport);
/// Queues (one per possible CPU) and entries per queue the ring uses.
unsigned lamina_transport_uring_queue_count(void);
unsigned lamina_transport_uring_depth(void);
/// Stops and joins the ring threads and frees the ring (after unmounting, before
/// fuse_session_destroy); does nothing without a ring. Safe to call twice.
void lamina_transport_uring_stop(struct lamina_transport *transport);

/// Adaptive polling (spin.c): while requests come densely (each within `budget_us` after the reply
/// before it), one daemon thread polls /dev/fuse for up to `budget_us` instead of sleeping, which
/// saves the wake-up of its idle CPU on each round trip. A poll that runs out of budget stops
/// polling until requests come densely again, so an idle mount never spins. Thread-safe (atomics).
struct lamina_spin;
/// NULL when `budget_us` is 0 (off) or out of memory; every function below accepts NULL.
struct lamina_spin *lamina_spin_create(unsigned budget_us);
void lamina_spin_destroy(struct lamina_spin *spin);
/// Before a blocking receive on `fd`: polls while wanted, returns when a request is ready or the
/// budget is spent (or at once when another thread polls or requests are sparse).
void lamina_spin_await(struct lamina_spin *spin, int fd);
/// After a request was received / a reply was written.
void lamina_spin_note_request(struct lamina_spin *spin);
void lamina_spin_note_reply(struct lamina_spin *spin);
/// Whether the next receive polls first; polls that found a request, polls that ran out.
int lamina_spin_wanted(const struct lamina_spin *spin);
unsigned long lamina_spin_hits(const struct lamina_spin *spin);
unsigned long lamina_spin_misses(const struct lamina_spin *spin);
/// Polls before each /dev/fuse receive of the installed transport (set before the session runs;
/// the transport owns it). Off (NULL) by default.
void lamina_transport_set_spin(struct lamina_transport *transport, struct lamina_spin *spin);
/// The transport's spin state, NULL when off.
struct lamina_spin *lamina_transport_spin(const struct lamina_transport *transport);

#endif
