/* Real processes under OOM with oom_kill_disable (memcgfs(8) REAL PROCESSES): the samplers
 * stop every member process of the group whose limit refused a charge
 * (SIGSTOP), as the kernel leaves them waiting in the fault that cannot be
 * charged, and resume them (SIGCONT) once the refused charge fits, or when
 * they leave that group.  Only the one sampler thread calls these. */
#ifndef MEMCGFS_OOMSTOP_H
#define MEMCGFS_OOMSTOP_H

#include <stdbool.h>
#include <stddef.h>

struct task;

/* A charge for t was refused: if t's group (or an ancestor) is under OOM,
 * stop each member that is in that group's subtree.  The members are nr
 * records of stride bytes, each starting with its struct task pointer (a
 * sampler's own table, as it is). */
void oomstop_refused(struct task *t, const void *records, long nr,
		     size_t stride);

/* Resume what no longer needs to wait. */
void oomstop_resume(void);

bool oomstop_is_stopped(struct task *t);

/* Resume everything (the sampler stops). */
void oomstop_release_all(void);

#endif
