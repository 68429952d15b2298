/* Reading host process facts from /proc. */
#ifndef MEMCGFS_PROC_H
#define MEMCGFS_PROC_H

#include <stdbool.h>
#include <sys/types.h>

struct proc_task {
	pid_t tgid;
	uid_t ruid;	/* real uid */
	uid_t suid;	/* saved set-user-id */
};

/* Facts about thread tid; -ESRCH if it does not exist or has exited
 * (zombies included). */
int proc_task_info(pid_t tid, struct proc_task *out);

/* Whether thread tid is a kernel thread the kernel's
 * cgroup_procs_write_start() refuses to move (EINVAL): kthreadd and the
 * per-CPU threads such as ksoftirqd/0. */
bool proc_task_pinned(pid_t tid);

/* The live thread ids of process tgid, ascending, in a malloc'ed array
 * (NULL if none); returns the count or a negative errno. */
long proc_threads(pid_t tgid, pid_t **out);

/* When thread tid of process tgid started, in clock ticks after boot (as
 * CLOCK_BOOTTIME counts them); 0 or -ESRCH. */
int proc_start_time(pid_t tgid, pid_t tid, unsigned long long *ticks);

/* The child processes thread tid of process tgid created, in a malloc'ed
 * array (NULL if none); the count or a negative errno. */
long proc_children(pid_t tgid, pid_t tid, pid_t **out);

struct proc_thread {
	pid_t tid;
	pid_t tgid;
};

/* Every live thread of the host, skipping zombies, in a malloc'ed array;
 * returns the count or a negative errno. */
long proc_all(struct proc_thread **out);

/* MemTotal of the host in bytes, or 0 if unknown. */
unsigned long long proc_mem_total(void);

#endif
