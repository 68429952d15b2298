/* Out of memory: victim choice and oom_control state (memcgfs(8) ACCOUNTING, memory.oom_control).
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

struct page_counter;

/* A charge that may be made in parts (reclaim.h). */
struct oom_charge {
	struct task *self;	/* the task it is for */
	long need;		/* the whole charge: what must fit */
	long done;		/* the parts of it charged to self already */
	/* Non-NULL: where reclaim of anon could make room if the host swapped
	 * real pages out (memory's limit failed, swap room left), the charge
	 * does not go OOM: the group that needs room, referenced, goes here
	 * and the charge returns -EAGAIN (realpage.c pages out, retries). */
	struct memcg **pageout;
};

/* OOM in over (NULL: the whole machine) for charge c, which failed at
 * counter fail (over's limit res).  As the kernel, no task is killed when
 * killing cannot make room: when c->need would not fit even with every
 * task's anon and swap in the subtree gone, self's too (a charge larger
 * than the limit can hold, say).  The victim is chosen as if the charge
 * were one: self's score leaves out its c->done pages.  0 if a victim was
 * taken and the charge may be retried; -ENOMEM otherwise (no victim, no
 * room to make, kills disabled, or self was the victim). */
int memcg_oom(struct memcg *over, enum memcg_res res,
	      struct page_counter *fail, const struct oom_charge *c);

/* under_oom as memory.oom_control shows it: cleared once the refused
 * charge would fit. */
bool memcg_under_oom(struct memcg *m);

/* OOM kills in m's own group (oom_control's oom_kill). */
long memcg_oom_kills(struct memcg *m);

/* Called with the victim's process id when oom=kill should kill it. */
void memcg_set_oom_kill_hook(void (*fn)(pid_t tgid));

#endif
