#define _GNU_SOURCE
#include "CLaminaSpawn.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
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
