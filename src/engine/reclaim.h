/* Reclaim: which pages go when a limit is hit (policy over lru.h's lists),
 * and the charge retry loop that calls it.
 *
 * Reclaim in a subtree takes clean page cache first (inactive before
 * active, oldest first), then empty slab pages, then anonymous pages to
 * swap while swap space is left, swappiness allows and the failing limit
 * is not memsw (swapping cannot lower memory+swap). */
#ifndef MEMCG_RECLAIM_H
#define MEMCG_RECLAIM_H

#include <stdbool.h>

struct memcg;
struct task;

/* How a reclaim pass may free pages. */
struct reclaim_control {
	long nr_to_reclaim;
	bool may_swap;		/* anon pages may go to swap */
	long nr_reclaimed;
};

/* Reclaim in m's subtree (NULL: the whole machine, groups furthest above
 * their soft limit first).  Returns pages freed. */
long memcg_reclaim(struct memcg *m, struct reclaim_control *rc);

/* Charge nr pages of memory and memsw to m and its ancestors.  The first
 * group whose limit fails reclaims in its subtree and then, if that is not
 * enough, goes OOM (oom.c).  self is the task the charge is for (it is not
 * charged twice if it becomes the victim).  0 or -ENOMEM. */
int memcg_charge(struct memcg *m, long nr, struct task *self);

/* Installs memcg_reclaim as the engine's reclaimer for limit changes and
 * force_empty. */
void lru_install_reclaimer(void);

#endif
