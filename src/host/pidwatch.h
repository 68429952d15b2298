/* Noticing exits without polling: one pidfd per thread moved into a group,
 * watched by epoll on a thread of its own. */
#ifndef MEMCGFS_PIDWATCH_H
#define MEMCGFS_PIDWATCH_H

#include <sys/types.h>

struct memcg;
struct task;

int pidwatch_start(void);
void pidwatch_stop(void);

/* Move thread tid of process tgid into group to, watching it for exit.
 * The watch is set up before the move under the same lock that exit
 * handling takes, so a thread that dies meanwhile is never left behind in
 * a group.  -ESRCH if tid is gone, or the engine's error. */
int pidwatch_move(pid_t tid, pid_t tgid, struct memcg *to);

/* The engine's record of thread tid, created in the root group if there
 * is none, watched for exit like a moved thread: a reference, or NULL with
 * *err (-ESRCH if tid is gone). */
struct task *pidwatch_track(pid_t tid, pid_t tgid, int *err);

/* Handle every exit already signalled, now: called before anything that
 * reports or depends on membership, so a reaped pid never shows. */
void pidwatch_sync(void);

#endif
