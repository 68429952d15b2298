/* Inside a group: struct memcg and memcg_ptr, and the calls only the
 * engine makes.  Engine files (and the engine's own tests) include this;
 * the faces include memcg.h and reach a group through its named calls.
 *
 * struct memcg embeds its LRU lists (lru.h), whose pages are frames
 * (page.h) whose owner word names a memcg_ptr: memcg, lru and page form
 * the engine's one knot of mutual includes, the group with its pages. */
#ifndef MEMCG_MEMCG_IMPL_H
#define MEMCG_MEMCG_IMPL_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "rcu.h"

#include "counter.h"
#include "lru.h"
#include "memcg.h"

/* What pages and kernel objects point at instead of a group, so that a
 * removed group's charges move to its parent by swinging one pointer
 * (O(1) reparenting, the 2019 design).  Each group has one; a removed
 * group's pointers join its parent's list. */
struct memcg_ptr {
	struct memcg *memcg;		/* RCU; holds a reference on it */
	atomic_long refcnt;		/* pages and objects, +1 for its group */
	uint32_t id;			/* what page frames store */
	struct cds_list_head node;	/* on memcg->ptrs, under the tree lock */
	struct memcg_rcu_head rcu;
};

/* A group's name, in the name table while it is its group's current
 * name and the group is in the tree. */
struct memcg_name {
	struct memcg_rcu_head rcu;
	struct cds_lfht_node node;
	struct memcg *memcg;
	char str[];
};

struct memcg {
	uint64_t id;			/* never reused */
	struct memcg_name *name;	/* RCU: swapped by rename */
	struct memcg *parent;
	struct cds_list_head children;	/* RCU list, in creation (id) order */
	struct cds_list_head sibling;
	atomic_long nr_children;	/* online ones */

	struct page_counter res[MEMCG_NR_RES];
	atomic_long soft_limit;		/* pages */
	atomic_int swappiness;
	atomic_int move_charge;		/* bit 0 anon, bit 1 file */
	atomic_int oom_kill_disable;
	atomic_int under_oom;
	atomic_long oom_need;		/* the refused charge, while under_oom */
	atomic_int oom_res;		/* the limit it failed at */
	atomic_long oom_kill;
	atomic_int notify_on_release;
	atomic_int clone_children;
	atomic_long stat[MEMCG_NR_STAT];
	/* The same summed over the subtree, kept as each local one changes
	 * (so that reading them costs nothing whatever the tree's size). */
	atomic_long stat_total[MEMCG_NR_STAT];
	atomic_long nr_caches;		/* per-group slab cache copies */

	atomic_uint flags;
	atomic_long refcnt;

	struct memcg_events *events;	/* event.c's, under its lock */
	long pressure_tried, pressure_freed;	/* the same: this window's */
	struct memcg_ptr *ptr;		/* this group's own pointer */
	/* What its slab pages point at: ptr itself under kmem=reparent; under
	 * kmem=pin one that removal never swings, so kernel memory keeps
	 * charging (and pinning) the dying group. */
	struct memcg_ptr *kmem_ptr;
	struct cds_list_head ptrs;	/* pointers at this group, tree lock */
	struct lruvec lruvec;		/* its pages; the lock also guards stat */

	/* Under the tree lock. */
	struct cds_list_head tasks;
	long nr_tasks;
	long nr_moving;			/* charge moves into or out of it */
	struct cds_list_head dying_node;
	long ckpt_rank;			/* its place there, for a save */
	uint32_t ckpt_gen;		/* the last save that described it */

	struct cds_lfht_node id_node;
	long check_tally[10];		/* check.c's scratch, quiescent only */
	void *priv;			/* owned by the file-system face */
	void (*priv_free)(void *priv);
	struct memcg_rcu_head rcu;
};

/* Called when group m goes offline (removed), after the tree lock is
 * dropped: the slab layer kills m's caches. */
typedef void (*memcg_offline_fn)(struct memcg *m);

/* The group tree's part of engine_init()/engine_exit() (engine.h):
 * configure first, then the tree. */
void memcg_configure(const struct memcg_config *cfg);
int memcg_tree_init(void);
void memcg_tree_exit(void);
void memcg_set_offline_notifier(memcg_offline_fn fn);

void memcg_tree_lock(void);
void memcg_tree_unlock(void);

/* Visit every group in m's subtree that is still referenced (online, or
 * just removed), m first (pre-order), under RCU: fn must not block for
 * long.  Stops when fn returns non-zero.  Iterative (constant stack),
 * as every walk of the tree. */
int memcg_walk_subtree(struct memcg *m, int (*fn)(struct memcg *, void *),
		       void *arg);

/* Iterators over top's subtree, top included, as the kernel's
 * css_next_descendant_pre/post: NULL starts, NULL ends.  Under RCU, or
 * the tree lock for a walk that must see a stable tree. */
struct memcg *memcg_next_pre(struct memcg *pos, struct memcg *top);
struct memcg *memcg_next_post(struct memcg *pos, struct memcg *top);

/* The memcg_ptr with this id (under RCU). */
struct memcg_ptr *memcg_ptr_from_id(uint32_t id);
/* Take nr references unless the pointer is already dying (count 0). */
bool memcg_ptr_tryget(struct memcg_ptr *p, long nr);
void memcg_ptr_put(struct memcg_ptr *p, long nr);
/* nr references on what charges made in m go through (m is referenced):
 * its pointer (kmem: its kmem pointer) or, once that is gone with a
 * removed m, its nearest live ancestor's. */
struct memcg_ptr *memcg_ptr_get(struct memcg *m, bool kmem, long nr);

/* The group whose res counter c is; NULL for the machine-wide counter
 * above the root (mem=, or mem= plus swap= for memsw). */
struct memcg *memcg_of_counter(struct page_counter *c, enum memcg_res res);

/* Machine-wide swap space in use, in pages; try to take or give back. */
bool memcg_swap_try_get(long nr);
void memcg_swap_put(long nr);
/* Swap space the host used for real pages (memcgfs(8) REAL PROCESSES):
 * taken whatever swap= leaves, since the host's swap is not the
 * engine's to refuse; what it takes the engine's own swap-out cannot. */
void memcg_swap_get(long nr);
long memcg_swap_used(void);

/* Kernel memory was uncharged from m: under kmem=pin the last uncharge of
 * a KMEM_DEAD group drops the group's kmem reference (frees it). */
void memcg_kmem_uncharged(struct memcg *m);

/* A kmem limit was set on m: under kmem=pin its kernel memory now pins
 * it once removed (a reference that the last kmem uncharge drops). */
void memcg_kmem_activate(struct memcg *m);

/* m's local value of a statistic (never negative: a racing uncharge may
 * be seen before its charge). */
static inline long memcg_stat_local(struct memcg *m, enum memcg_stat_item item)
{
	long v = atomic_load_explicit(&m->stat[item], memory_order_relaxed);

	return v < 0 ? 0 : v;
}

/* Checkpoint (checkpoint.c).  A group restore brings back dying: made
 * online with its id and name (any sibling's too), kmem accounting on if
 * flags say so, removed again once its charges are back.  And fn on each
 * dying group kmem pins, by id (parents first), with its place in removal
 * order. */
struct memcg *memcg_restore_dying(struct memcg *parent, const char *name,
				  uint64_t id, unsigned flags, int *err);
void memcg_dying_save(void (*fn)(struct memcg *m, long rank, void *arg),
		      void *arg);

/* For the task layer: run the release check on m (under the tree lock). */
void memcg_check_release(struct memcg *m);

#endif
