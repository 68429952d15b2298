/* Out of memory: victim choice and oom_control state (SPEC §6).
 *
 * When reclaim cannot make room in a group, the group goes OOM: with
 * oom_kill_disable 0 the task in its subtree with the most charged anon
 * plus swap is the victim (its anon and swap are uncharged, the host may
 * SIGKILL it, oom_kill counts up) and the charge is retried; with
 * oom_kill_disable 1 under_oom reads 1 until usage is back under the limit
 * and the charge fails. */
#ifndef MEMCG_OOM_H
#define MEMCG_OOM_H

#include <stdbool.h>
#include <sys/types.h>

#include "memcg.h"

struct task;

/* OOM in over (NULL: the whole machine) for a charge of nr pages that
 * failed at limit res, on behalf of self.  0 if a victim was taken and the
 * charge may be retried; -ENOMEM otherwise (no victim, kills disabled, or
 * self was the victim). */
int memcg_oom(struct memcg *over, enum memcg_res res, long nr,
	      struct task *self);

/* under_oom as memory.oom_control shows it: cleared once the refused
 * charge would fit. */
bool memcg_under_oom(struct memcg *m);

/* OOM kills in m's own group (oom_control's oom_kill). */
long memcg_oom_kills(struct memcg *m);

/* Called with the victim's process id when oom=kill should kill it. */
void memcg_set_oom_kill_hook(void (*fn)(pid_t tgid));

#endif
