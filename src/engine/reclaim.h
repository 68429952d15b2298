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
#include <stdint.h>

#include "memcg.h"
#include "page.h"

struct memcg;
struct task;

/* What a page kind gives reclaim.  Kinds on the LRU (anon, file) free one
 * isolated page: 1 if it went, 0 if it was put back.  Kinds off the LRU
 * (slab) shrink: free what they can in scope's subtree (NULL: anywhere),
 * between the page cache and anon passes; returns pages freed. */
struct reclaim_ops {
	long (*reclaim_page)(uint32_t idx);
	long (*shrink)(struct memcg *scope);
};

/* engine_init registers each kind's operations. */
void reclaim_register(enum page_kind kind, const struct reclaim_ops *ops);

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

struct oom_charge;

/* The same for nr pages, a part of charge c (oom.h) made in parts as that
 * many faults are: the parts charged before are on the LRU, where reclaim
 * may take them (swap them out) to make room for this one.  OOM kills only
 * if killing could make room for the whole charge; with c->pageout,
 * -EAGAIN instead where swapping real anon out could (oom.h). */
int memcg_charge_part(struct memcg *m, long nr, const struct oom_charge *c);

/* The pages m could be charged now without reclaim: the least room under
 * the memory limits from m up (mem= included). */
long memcg_charge_room(struct memcg *m);

/* Set m's limit on res, reclaiming in m's subtree while usage is above
 * it and that makes progress (tcp: no reclaim): 0, -EBUSY if usage stays
 * above, -EINVAL for the root or a memory limit above the memsw one (or
 * the reverse). */
int memcg_set_limit(struct memcg *m, enum memcg_res res, long pages);

/* memory.force_empty: reclaim all of m's memory that can be; always 0
 * except for the root (-EINVAL), as the kernel. */
int memcg_force_empty(struct memcg *m);

#endif
