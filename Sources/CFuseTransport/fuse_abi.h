// The parts of the kernel's FUSE ABI (include/uapi/linux/fuse.h) the transport reads and writes,
// defined here because Debian 12's headers stop at protocol 7.38 and libfuse 3.14 at 7.36:
// passthrough (7.40), request_timeout (7.43) and FUSE over io_uring (7.42).
#ifndef LAMINA_FUSE_ABI_H
#define LAMINA_FUSE_ABI_H
#include <stdint.h>
#include <sys/ioctl.h>

enum {
    LAMINA_FUSE_INIT = 26,
};

#define LAMINA_FUSE_MAX_PAGES (1ULL << 22)
#define LAMINA_FUSE_HANDLE_KILLPRIV_V2 (1ULL << 28)
#define LAMINA_FUSE_INIT_EXT (1ULL << 30)
#define LAMINA_FUSE_PASSTHROUGH (1ULL << 37)
#define LAMINA_FUSE_OVER_IO_URING (1ULL << 41)
#define LAMINA_FOPEN_KEEP_CACHE (1U << 1)
#define LAMINA_FOPEN_PASSTHROUGH (1U << 7)
/// The kernel's smallest request buffer and its page count when INIT sets no max_pages.
#define LAMINA_FUSE_MIN_READ_BUFFER 8192
#define LAMINA_FUSE_DEFAULT_MAX_PAGES 32

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

#define LAMINA_FUSE_DEV_IOC_MAGIC 229
#define LAMINA_FUSE_DEV_IOC_BACKING_OPEN _IOW(LAMINA_FUSE_DEV_IOC_MAGIC, 1, struct lamina_fuse_backing_map)
#define LAMINA_FUSE_DEV_IOC_BACKING_CLOSE _IOW(LAMINA_FUSE_DEV_IOC_MAGIC, 2, uint32_t)

// FUSE over io_uring (fs/fuse/dev_uring.c): each ring entry is a header buffer and a payload
// buffer registered with the kernel; a request arrives as fuse_in_header in `in_out`, the op's
// first argument in `op_in` and every further argument in the payload (`payload_sz` bytes); the
// reply is fuse_out_header in `in_out` and every reply byte after it in the payload.
enum {
    LAMINA_FUSE_URING_IN_OUT_HEADER_SZ = 128,
    LAMINA_FUSE_URING_OP_IN_OUT_SZ = 128,
};

struct lamina_fuse_uring_ent_in_out {
    uint64_t flags;
    /// The request's unique id, handed back in the COMMIT_AND_FETCH command.
    uint64_t commit_id;
    uint32_t payload_sz;
    uint32_t padding;
    uint64_t reserved;
};

struct lamina_fuse_uring_req_header {
    char in_out[LAMINA_FUSE_URING_IN_OUT_HEADER_SZ];
    char op_in[LAMINA_FUSE_URING_OP_IN_OUT_SZ];
    struct lamina_fuse_uring_ent_in_out ring_ent_in_out;
};

/// The io_uring command (sqe->cmd_op) a ring entry sends.
enum lamina_fuse_uring_cmd {
    LAMINA_FUSE_IO_URING_CMD_REGISTER = 1,
    LAMINA_FUSE_IO_URING_CMD_COMMIT_AND_FETCH = 2,
};

/// What the command carries in the 128-byte SQE's command area.
struct lamina_fuse_uring_cmd_req {
    uint64_t flags;
    uint64_t commit_id;
    uint16_t qid;
    uint8_t padding[6];
};

_Static_assert(sizeof(struct lamina_fuse_in_header) == 40, "fuse_in_header");
_Static_assert(sizeof(struct lamina_fuse_out_header) == 16, "fuse_out_header");
_Static_assert(sizeof(struct lamina_fuse_init_in) == 64, "fuse_init_in");
_Static_assert(sizeof(struct lamina_fuse_init_out) == 64, "fuse_init_out");
_Static_assert(sizeof(struct lamina_fuse_open_out) == 16, "fuse_open_out");
_Static_assert(sizeof(struct lamina_fuse_backing_map) == 16, "fuse_backing_map");
_Static_assert(sizeof(struct lamina_fuse_uring_ent_in_out) == 32, "fuse_uring_ent_in_out");
_Static_assert(sizeof(struct lamina_fuse_uring_req_header) == 288, "fuse_uring_req_header");
_Static_assert(sizeof(struct lamina_fuse_uring_cmd_req) == 24, "fuse_uring_cmd_req");

#endif
