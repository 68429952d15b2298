/* Process file descriptors; see pidfd.h. */
#include "pidfd.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef PIDFD_THREAD
#define PIDFD_THREAD O_EXCL	/* Linux 6.9: a pidfd for one thread */
#endif

static int pidfd_open(pid_t pid, unsigned int flags)
{
	int fd = (int)syscall(SYS_pidfd_open, pid, flags);

	return fd < 0 ? -errno : fd;
}

int pidfd_of(pid_t pid)
{
	return pidfd_open(pid, 0);
}

int pidfd_of_thread(pid_t tid, pid_t tgid)
{
	int fd = pidfd_open(tid, PIDFD_THREAD);

	return fd == -EINVAL ? pidfd_open(tgid, 0) : fd;
}
