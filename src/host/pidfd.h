/* Process file descriptors (pidfd_open(2)), as every host part opens
 * them. */
#ifndef MEMCGFS_PIDFD_H
#define MEMCGFS_PIDFD_H

#include <sys/types.h>

/* A pidfd of process pid, or -errno. */
int pidfd_of(pid_t pid);

/* A pidfd of thread tid of process tgid, or -errno.  Kernels before 6.9
 * have no per-thread pidfds: there it is the process's (it becomes
 * readable when the whole process exits). */
int pidfd_of_thread(pid_t tid, pid_t tgid);

#endif
