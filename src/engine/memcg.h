/* Memory control groups: the tree, per-group counters and settings, and the
 * group lifecycle.
 *
 * Tree changes (create, remove, rename) and task moves take one mutex, the
 * tree lock.  Readers walk the tree under RCU.  A group is freed one grace
 * period after its last reference goes; lookups hand out references with
 * tryget, so a reader that found a group can keep using it after a
 * concurrent removal (it is then offline: not ONLINE). */
#ifndef MEMCG_MEMCG_H
#define MEMCG_MEMCG_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include <urcu/list.h>
#include <urcu/rculfhash.h>
#include <urcu/urcu-memb.h>

#include "counter.h"
#include "lru.h"
#include "lib/strbuf.h"

enum memcg_res {
	MEMCG_RES_MEMORY,
	MEMCG_RES_MEMSW,	/* memory + swap */
	MEMCG_RES_KMEM,
	MEMCG_NR_RES,
};

/* Local statistics, in memory.stat order (the first twenty names).  Items
 * up to MEMCG_NR_PAGE_ITEMS count pages and print as bytes; the events
 * after them print as counts; the LRU sizes at the end are pages again. */
enum memcg_stat_item {
	MEMCG_CACHE,
	MEMCG_RSS,
	MEMCG_RSS_HUGE,
	MEMCG_SHMEM,
	MEMCG_MAPPED_FILE,
	MEMCG_DIRTY,
	MEMCG_WRITEBACK,
	MEMCG_WORKINGSET_REFAULT_ANON,
	MEMCG_WORKINGSET_REFAULT_FILE,
	MEMCG_SWAP,
	MEMCG_SWAPCACHED,
	MEMCG_PGPGIN,
	MEMCG_PGPGOUT,
	MEMCG_PGFAULT,
	MEMCG_PGMAJFAULT,
	MEMCG_INACTIVE_ANON,
	MEMCG_ACTIVE_ANON,
	MEMCG_INACTIVE_FILE,
	MEMCG_ACTIVE_FILE,
	MEMCG_UNEVICTABLE,
	MEMCG_NR_STAT,
};

enum memcg_kmem_model {
	MEMCG_KMEM_REPARENT,	/* 2019: O(1) reparenting through memcg_ptr */
	MEMCG_KMEM_PIN,		/* 2012: a dying group pinned by its kmem */
};

enum memcg_oom_mode {
	MEMCG_OOM_KILL,
	MEMCG_OOM_SIMULATE,
};

struct memcg_config {
	unsigned long page_size;	/* bytes per accounting page */
	long mem_pages;			/* machine memory */
	long swap_pages;		/* swap space */
	enum memcg_kmem_model kmem_model;
	unsigned reap_interval;		/* seconds between dead-cache passes */
	enum memcg_oom_mode oom_mode;
};

/* Lifecycle flags. */
#define MEMCG_ONLINE		0x1u	/* visible in the tree */
#define MEMCG_KMEM_ACTIVE	0x2u	/* kmem accounting on (kmem=pin) */
#define MEMCG_KMEM_DEAD		0x4u	/* removed with kmem still charged */

/* What pages and kernel objects point at instead of a group, so that a
 * removed group's charges move to its parent by swinging one pointer
 * (O(1) reparenting, the 2019 design).  Each group has one; a removed
 * group's pointers join its parent's list. */
struct memcg_ptr {
	struct memcg *memcg;		/* RCU; holds a reference on it */
	atomic_long refcnt;		/* pages and objects, +1 for its group */
	uint32_t id;			/* what page frames store */
	struct cds_list_head node;	/* on memcg->ptrs, under the tree lock */
	struct rcu_head rcu;
};

struct memcg_name {
	struct rcu_head rcu;
	char str[];
};

struct memcg {
	uint64_t id;			/* never reused */
	struct memcg_name *name;	/* RCU: swapped by rename */
	struct memcg *parent;
	struct cds_list_head children;	/* RCU list, in creation (id) order */
	struct cds_list_head sibling;

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
	atomic_long nr_caches;		/* per-group slab cache copies */

	atomic_uint flags;
	atomic_long refcnt;

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
	char *dead_path;		/* the path it had, once removed */

	struct cds_lfht_node id_node;
	long check_tally[10];		/* check.c's scratch, quiescent only */
	void *priv;			/* owned by the file-system face */
	void (*priv_free)(void *priv);
	struct rcu_head rcu;
};

/* Called, under the tree lock, when a group with notify_on_release set
 * becomes empty (no tasks, no children).  It must not call the engine. */
typedef void (*memcg_release_fn)(const char *path);

/* Called when group m goes offline (removed), after the tree lock is
 * dropped: the slab layer kills m's caches. */
typedef void (*memcg_offline_fn)(struct memcg *m);

/* The group tree's part of engine_init()/engine_exit() (engine.h):
 * configure first, then the tree. */
void memcg_configure(const struct memcg_config *cfg);
int memcg_tree_init(void);
void memcg_tree_exit(void);
const struct memcg_config *memcg_config(void);
struct memcg *memcg_root(void);
/* The "unlimited" page count: the largest below 2^63 bytes. */
long memcg_max_pages(void);
void memcg_set_release_hook(memcg_release_fn fn);
void memcg_set_offline_notifier(memcg_offline_fn fn);

void memcg_tree_lock(void);
void memcg_tree_unlock(void);

static inline bool memcg_is_root(const struct memcg *m)
{
	return m->parent == NULL;
}

static inline bool memcg_online(struct memcg *m)
{
	return atomic_load(&m->flags) & MEMCG_ONLINE;
}

/* The group's current name; call under RCU (or the tree lock). */
static inline const char *memcg_name(struct memcg *m)
{
	return rcu_dereference(m->name)->str;
}

void memcg_get(struct memcg *m);
void memcg_put(struct memcg *m);
/* Take a reference to the online group with this id; NULL if none. */
struct memcg *memcg_tryget_by_id(uint64_t id);
/* Take a reference to parent's online child of this name; NULL if none. */
struct memcg *memcg_tryget_child(struct memcg *parent, const char *name);

/* Tree changes.  Return a new group (one reference, for the caller to put)
 * or NULL with *err; 0 or a negative errno. */
struct memcg *memcg_create(struct memcg *parent, const char *name,
			   void *priv, void (*priv_free)(void *), int *err);
int memcg_remove(struct memcg *m);
int memcg_rename(struct memcg *m, const char *name);

/* Call fn for each online child with id > after_id, in id order, under RCU
 * (fn must not block); stops early when fn returns non-zero. */
void memcg_for_each_child(struct memcg *parent, uint64_t after_id,
			  int (*fn)(struct memcg *child, void *arg), void *arg);
long memcg_nr_children(struct memcg *parent);

/* "/a/b" relative to the root ("/" for the root itself). */
void memcg_path(struct memcg *m, struct strbuf *sb);

/* Settings.  Each returns 0 or a negative errno and changes nothing on
 * error.  Limits, which reclaim, are set in reclaim.h. */
int memcg_set_soft_limit(struct memcg *m, long pages);
int memcg_set_swappiness(struct memcg *m, uint64_t val);
int memcg_set_move_charge(struct memcg *m, uint64_t val);
int memcg_set_oom_kill_disable(struct memcg *m, uint64_t val);
int memcg_set_use_hierarchy(struct memcg *m, uint64_t val);
void memcg_set_flag_setting(atomic_int *setting, uint64_t val);
void memcg_reset_failcnt(struct memcg *m, enum memcg_res res);
void memcg_reset_max_usage(struct memcg *m, enum memcg_res res);

/* The tightest limit on the path from m to the root, in pages. */
long memcg_hierarchical_limit(struct memcg *m, enum memcg_res res);

/* The memcg_ptr with this id (under RCU). */
struct memcg_ptr *memcg_ptr_from_id(uint32_t id);
/* Take nr references unless the pointer is already dying (count 0). */
bool memcg_ptr_tryget(struct memcg_ptr *p, long nr);
void memcg_ptr_put(struct memcg_ptr *p, long nr);

/* The group whose res counter c is; NULL for the machine-wide counter
 * above the root (mem=, or mem= plus swap= for memsw). */
struct memcg *memcg_of_counter(struct page_counter *c, enum memcg_res res);

/* Machine-wide swap space in use, in pages; try to take or give back. */
bool memcg_swap_try_get(long nr);
void memcg_swap_put(long nr);
long memcg_swap_used(void);

/* Visit every group in m's subtree that is still referenced (online, or
 * just removed), m first (pre-order), under RCU: fn must not block for
 * long.  Stops when fn returns non-zero. */
int memcg_walk_subtree(struct memcg *m, int (*fn)(struct memcg *, void *),
		       void *arg);

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

/* One removed group that still exists, as memcgfs.dying shows it. */
struct memcg_dying {
	uint64_t id;
	char *path;		/* the path it had; NULL if unknown */
	long refs;
	long kmem_pages;	/* kernel memory still charged (kmem=pin) */
	long pages;		/* cache + rss + kmem_pages */
	unsigned flags;
};

/* Every removed group that still exists, in removal order: a malloc'ed
 * array in *out and its length, or -ENOMEM.  memcg_dying_release frees. */
long memcg_dying_snapshot(struct memcg_dying **out);
void memcg_dying_release(struct memcg_dying *rows, long n);

/* For the task layer: run the release check on m (under the tree lock). */
void memcg_check_release(struct memcg *m);

#endif
