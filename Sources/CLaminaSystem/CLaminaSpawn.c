#define _GNU_SOURCE
#include "CLaminaSpawn.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

int clamina_spawn(pid_t *pid, const char *path, char *const argv[], char *const envp[],
                  const int *sources, const int *targets, int count, const char *directory)
{
    posix_spawn_file_actions_t actions;
    posix_spawnattr_t attributes;
    int code = posix_spawn_file_actions_init(&actions);
    if (code != 0) return code;
    code = posix_spawnattr_init(&attributes);
    if (code != 0) {
        posix_spawn_file_actions_destroy(&actions);
        return code;
    }
    sigset_t none, every;
    sigemptyset(&none);
    sigfillset(&every);
    sigdelset(&every, SIGKILL);
    sigdelset(&every, SIGSTOP);
    if (code == 0) code = posix_spawnattr_setsigmask(&attributes, &none);
    if (code == 0) code = posix_spawnattr_setsigdefault(&attributes, &every);
    if (code == 0) code = posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
    int highest = 2;
    for (int index = 0; code == 0 && index < count; index++) {
        code = posix_spawn_file_actions_adddup2(&actions, sources[index], targets[index]);
        if (targets[index] > highest) highest = targets[index];
    }
    // Descriptors 3...highest that are not targets, then everything above highest.
    for (int fd = 3; code == 0 && fd <= highest; fd++) {
        int targeted = 0;
        for (int index = 0; index < count; index++) targeted |= targets[index] == fd;
        if (!targeted) code = posix_spawn_file_actions_addclose(&actions, fd);
    }
    if (code == 0) code = posix_spawn_file_actions_addclosefrom_np(&actions, highest + 1);
    if (code == 0 && directory != NULL) code = posix_spawn_file_actions_addchdir_np(&actions, directory);
    if (code == 0) code = posix_spawn(pid, path, &actions, &attributes, argv, envp);
    posix_spawnattr_destroy(&attributes);
    posix_spawn_file_actions_destroy(&actions);
    return code;
}

int clamina_anonymous_file(const char *directory)
{
    int fd = open(directory, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
    if (fd >= 0 || (errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL)) return fd;
    char template[4096];
    if (snprintf(template, sizeof template, "%s/.lamina-XXXXXX", directory) >= (int)sizeof template) {
        errno = ENAMETOOLONG;
        return -1;
    }
    fd = mkostemp(template, O_CLOEXEC);
    if (fd >= 0) unlink(template);
    return fd;
}

/// The child side of clamina_spawn_unshared: runs between fork and exec, so only async-signal-safe
/// calls. Reports a failure to unshare through `ready` (an errno), waits for `go`, then becomes
/// root of its namespace and execs.
static void clamina_unshared_child(int ready, int go, const char *path, char *const argv[], char *const envp[],
                                   const int *sources, const int *targets, int count, const char *directory)
{
    int code = unshare(CLONE_NEWUSER | CLONE_NEWNS) == 0 ? 0 : errno;
    if (write(ready, &code, sizeof code) != (ssize_t)sizeof code || code != 0) _exit(127);
    char byte;
    if (read(go, &byte, 1) != 1) _exit(127);  // the parent could not map our ids
    if (setresgid(0, 0, 0) != 0 || setresuid(0, 0, 0) != 0) _exit(126);
    // Mounts made in here stay in here.
    if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0) _exit(126);
    sigset_t none;
    sigemptyset(&none);
    struct sigaction fallback = {0};
    fallback.sa_handler = SIG_DFL;
    for (int signal = 1; signal < NSIG; signal++) {
        if (signal != SIGKILL && signal != SIGSTOP) sigaction(signal, &fallback, NULL);
    }
    sigprocmask(SIG_SETMASK, &none, NULL);
    int highest = 2;
    for (int index = 0; index < count; index++) {
        if (sources[index] == targets[index]) {
            if (fcntl(targets[index], F_SETFD, 0) != 0) _exit(126);
        } else if (dup2(sources[index], targets[index]) < 0) {
            _exit(126);
        }
        if (targets[index] > highest) highest = targets[index];
    }
    for (int fd = 3; fd <= highest; fd++) {
        int targeted = 0;
        for (int index = 0; index < count; index++) targeted |= targets[index] == fd;
        if (!targeted) close(fd);
    }
    close_range((unsigned int)highest + 1, ~0U, 0);
    if (directory != NULL && chdir(directory) != 0) _exit(126);
    execve(path, argv, envp);
    _exit(127);
}

int clamina_spawn_unshared(pid_t *pid, int *release, const char *path, char *const argv[], char *const envp[],
                           const int *sources, const int *targets, int count, const char *directory)
{
    int ready[2], go[2];
    if (pipe2(ready, O_CLOEXEC) != 0) return errno;
    if (pipe2(go, O_CLOEXEC) != 0) {
        int code = errno;
        close(ready[0]);
        close(ready[1]);
        return code;
    }
    pid_t child = fork();
    if (child < 0) {
        int code = errno;
        close(ready[0]); close(ready[1]); close(go[0]); close(go[1]);
        return code;
    }
    if (child == 0) {
        close(ready[0]);
        close(go[1]);
        clamina_unshared_child(ready[1], go[0], path, argv, envp, sources, targets, count, directory);
    }
    close(ready[1]);
    close(go[0]);
    int code = 0;
    ssize_t got;
    do { got = read(ready[0], &code, sizeof code); } while (got < 0 && errno == EINTR);
    close(ready[0]);
    if (got != (ssize_t)sizeof code || code != 0) {
        close(go[1]);
        int status;
        while (waitpid(child, &status, 0) < 0 && errno == EINTR) {}
        return code != 0 ? code : ECHILD;
    }
    *pid = child;
    *release = go[1];
    return 0;
}
