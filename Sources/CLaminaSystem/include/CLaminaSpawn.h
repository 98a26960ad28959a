// posix_spawn with what a child of a multi-threaded process needs: a clean signal mask and default
// dispositions (a worker thread blocks signals, so a child would inherit SIGTERM blocked), only
// the descriptors it is handed (closefrom after the dup2s), and an optional working directory.
#ifndef CLAMINA_SPAWN_H
#define CLAMINA_SPAWN_H

#include <sys/types.h>

/// Starts `path` with `argv` and `envp`; the child's descriptor targets[i] is a copy of the
/// parent's sources[i], every other descriptor from 3 up is closed. `directory` may be NULL.
/// Returns 0 and sets *pid, or an errno value.
int clamina_spawn(pid_t *pid, const char *path, char *const argv[], char *const envp[],
                  const int *sources, const int *targets, int count, const char *directory);

/// Like clamina_spawn, but the child first moves into a new user and mount namespace (as an
/// unprivileged process may), then waits: the caller writes its uid and gid maps (newuidmap and
/// newgidmap on *pid) and then writes one byte to *release (closing it without writing makes the
/// child exit 127). The child then becomes root of its namespace, makes its mounts private, and
/// execs with a clean signal mask. Returns 0, or an errno value (from fork, or from the child's
/// unshare, the child reaped).
int clamina_spawn_unshared(pid_t *pid, int *release, const char *path, char *const argv[], char *const envp[],
                           const int *sources, const int *targets, int count, const char *directory);

/// An unnamed, close-on-exec, read-write file in `directory` (O_TMPFILE, else mkostemp + unlink),
/// or -1 with errno set.
int clamina_anonymous_file(const char *directory);

#endif
