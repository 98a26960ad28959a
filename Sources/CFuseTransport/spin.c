// See CFuseTransport.h ("Adaptive polling"). A request's round trip on a virtual machine is
// dominated by wake-ups: the kernel wakes the daemon thread sleeping in read(/dev/fuse), whose
// idle vCPU must first be brought back by the host. While requests come densely (the next one
// arrives within the budget after a reply) one thread polls the device instead of sleeping.
// When a poll runs out of budget, polling stops until requests come densely again, so an idle or
// lightly used mount never spins.
#define _GNU_SOURCE
#include "CFuseTransport.h"

#include <poll.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <time.h>

struct lamina_spin {
    long budget_ns;
    /// 1 while a thread polls: one poller at a time, the other threads sleep in the kernel.
    atomic_int polling;
    /// 1 when the latest request arrived within the budget after the reply before it.
    atomic_int wanted;
    /// CLOCK_MONOTONIC time of the latest reply written (0: none yet).
    _Atomic long last_reply_ns;
    _Atomic unsigned long hits;
    _Atomic unsigned long misses;
};

static long monotonic_ns(void) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return now.tv_sec * 1000000000L + now.tv_nsec;
}

struct lamina_spin *lamina_spin_create(unsigned budget_us) {
    if (budget_us == 0) return NULL;
    struct lamina_spin *spin = calloc(1, sizeof(struct lamina_spin));
    if (spin == NULL) return NULL;
    spin->budget_ns = (long)budget_us * 1000L;
    return spin;
}

void lamina_spin_destroy(struct lamina_spin *spin) { free(spin); }

void lamina_spin_await(struct lamina_spin *spin, int fd) {
    if (spin == NULL || !atomic_load_explicit(&spin->wanted, memory_order_relaxed)) return;
    int expected = 0;
    if (!atomic_compare_exchange_strong(&spin->polling, &expected, 1)) return;
    long deadline = monotonic_ns() + spin->budget_ns;
    int ready = 0;
    do {
        // A zero timeout registers no waiter: the kernel's wake-up still goes to a sleeping thread.
        struct pollfd device = {.fd = fd, .events = POLLIN};
        if (poll(&device, 1, 0) != 0) {
            ready = 1;
            break;
        }
        // On a CPU shared with a runnable thread (the caller, woken by the last reply), let it
        // run: it is what the poll is waiting for. On an idle CPU this returns at once.
        sched_yield();
    } while (monotonic_ns() < deadline);
    atomic_store(&spin->polling, 0);
    if (ready) {
        atomic_fetch_add_explicit(&spin->hits, 1, memory_order_relaxed);
    } else {
        atomic_fetch_add_explicit(&spin->misses, 1, memory_order_relaxed);
        atomic_store_explicit(&spin->wanted, 0, memory_order_relaxed);
    }
}

void lamina_spin_note_request(struct lamina_spin *spin) {
    if (spin == NULL) return;
    long last = atomic_load_explicit(&spin->last_reply_ns, memory_order_relaxed);
    int dense = last != 0 && monotonic_ns() - last <= spin->budget_ns;
    if (atomic_load_explicit(&spin->wanted, memory_order_relaxed) != dense) {
        atomic_store_explicit(&spin->wanted, dense, memory_order_relaxed);
    }
}

void lamina_spin_note_reply(struct lamina_spin *spin) {
    if (spin == NULL) return;
    atomic_store_explicit(&spin->last_reply_ns, monotonic_ns(), memory_order_relaxed);
}

int lamina_spin_wanted(const struct lamina_spin *spin) {
    return spin != NULL && atomic_load_explicit(&((struct lamina_spin *)spin)->wanted, memory_order_relaxed);
}

unsigned long lamina_spin_hits(const struct lamina_spin *spin) {
    return spin == NULL ? 0 : atomic_load_explicit(&((struct lamina_spin *)spin)->hits, memory_order_relaxed);
}

unsigned long lamina_spin_misses(const struct lamina_spin *spin) {
    return spin == NULL ? 0 : atomic_load_explicit(&((struct lamina_spin *)spin)->misses, memory_order_relaxed);
}
