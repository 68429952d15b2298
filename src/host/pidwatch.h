/* Noticing exits without polling: one pidfd per thread moved into a group,
 * watched by epoll on a thread of its own. */
#ifndef MEMCGFS_PIDWATCH_H
#define MEMCGFS_PIDWATCH_H

#include <stdbool.h>
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

/* Whether forks are followed through the process-events connector.  It
 * needs CAP_NET_ADMIN; MEMCGFS_NO_CONNECTOR=1 in the environment makes the
 * daemon do without it, to exercise the fallback. */
bool pidwatch_has_connector(void);
/* Thread child_tid of process child_tgid was created by parent_tid: it
 * joins parent_tid's group, unless that is the root or the engine already
 * records the child. */
void pidwatch_follow(pid_t parent_tid, pid_t child_tid, pid_t child_tgid);
/* Handle every exit already signalled, now: called before anything that
 * reports or changes the accounting, so a reaped pid never shows and its
 * memory is uncharged, as the kernel's exit has unmapped it before its
 * parent's wait returns. */
void pidwatch_sync(void);

#endif
