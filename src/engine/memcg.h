/* Memory control groups: the tree, per-group counters and settings, and the
 * group lifecycle.  This is what the faces (fs/, host/, workload/) see:
 * struct memcg itself is the engine's (memcg_impl.h).
 *
 * Tree changes (create, remove, rename) and task moves take one mutex, the
 * tree lock.  Readers walk the tree under RCU.  Every lock and its order:
 * src/engine/LOCKING.  A group is freed one grace
 * period after its last reference goes; lookups hand out references with
 * tryget, so a reader that found a group can keep using it after a
 * concurrent removal (it is then offline: not ONLINE). */
#ifndef MEMCG_MEMCG_H
#define MEMCG_MEMCG_H

struct memcg;

#include <stdbool.h>
#include <stdint.h>

#include "lib/strbuf.h"

enum memcg_res {
	MEMCG_RES_MEMORY,
	MEMCG_RES_MEMSW,	/* memory + swap */
	MEMCG_RES_KMEM,
	/* Socket buffers (memory.kmem.tcp): as in the kernel's v1, a counter
	 * of its own, in neither memory nor kmem, limited apart. */
	MEMCG_RES_TCP,
	MEMCG_NR_RES,
};

/* Local statistics, in memory.stat order (the first twenty names).  Most
 * count pages and print as bytes; the events (refaults, pgpgin, pgpgout,
 * pgfault, pgmajfault) print as counts: fs/render.c's table says which. */
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

/* Called, under the tree lock, when a group with notify_on_release set
 * becomes empty (no tasks, no children).  It must not call the engine. */
typedef void (*memcg_release_fn)(const char *path);

const struct memcg_config *memcg_config(void);
struct memcg *memcg_root(void);
/* The "unlimited" page count: the largest below 2^63 bytes. */
long memcg_max_pages(void);
void memcg_set_release_hook(memcg_release_fn fn);

bool memcg_is_root(const struct memcg *m);
bool memcg_online(struct memcg *m);
/* Removed, and kept dying by its kernel memory (kmem=pin's KMEM_DEAD). */
bool memcg_kmem_dead(struct memcg *m);
/* The group's current name; call under RCU (or the tree lock). */
const char *memcg_name(struct memcg *m);
/* Never reused: the file system's inode numbers derive from it. */
uint64_t memcg_id(const struct memcg *m);
/* NULL for the root.  Held by m's reference. */
struct memcg *memcg_parent(const struct memcg *m);
/* What the file-system face keeps with a group (its owner and modes):
 * freed with priv_free when the group is freed. */
void *memcg_priv(const struct memcg *m);
void memcg_set_priv(struct memcg *m, void *priv, void (*priv_free)(void *));

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
/* The same with the id the group had before a restart, so that inode
 * numbers made from ids keep naming the same groups; -EEXIST if a group
 * has it, -EINVAL for 0 (the root's). */
struct memcg *memcg_create_id(struct memcg *parent, const char *name,
			      uint64_t id, void *priv,
			      void (*priv_free)(void *), int *err);
/* The id the next group gets; a restart reserves every id below next,
 * as ids are never reused. */
uint64_t memcg_next_id(void);
void memcg_reserve_ids(uint64_t next);
int memcg_remove(struct memcg *m);
int memcg_rename(struct memcg *m, const char *name);

/* Call fn for each online child with id > after_id, in id order, under RCU
 * (fn must not block); stops early when fn returns non-zero. */
void memcg_for_each_child(struct memcg *parent, uint64_t after_id,
			  int (*fn)(struct memcg *child, void *arg), void *arg);
long memcg_nr_children(struct memcg *parent);

/* "/a/b" relative to the root ("/" for the root itself). */
void memcg_path(struct memcg *m, struct strbuf *sb);

/* One counter of a group, read at once (pages; failcnt is a count). */
struct memcg_counter {
	long usage, limit, max_usage, failcnt;
};
void memcg_read_counter(struct memcg *m, enum memcg_res res,
			struct memcg_counter *out);

/* The integer settings, each shown by one control file. */
enum memcg_setting {
	MEMCG_SWAPPINESS,
	MEMCG_MOVE_CHARGE,		/* bit 0 anon, bit 1 file */
	MEMCG_OOM_KILL_DISABLE,
	MEMCG_NOTIFY_ON_RELEASE,
	MEMCG_CLONE_CHILDREN,
	MEMCG_USE_HIERARCHY,		/* always on: reads 1 */
	MEMCG_NR_SETTINGS,
};
int memcg_setting(struct memcg *m, enum memcg_setting s);
long memcg_soft_limit(struct memcg *m);

/* Settings.  Each returns 0 or a negative errno and changes nothing on
 * error.  Limits, which reclaim (all but tcp's), are set in reclaim.h.
 * memcg_set_setting refuses values out of range (swappiness 0-200, move_charge 0-3,
 * oom_kill_disable 0-1 and not on the root, use_hierarchy only 1) and
 * stores any non-zero notify_on_release or clone_children as 1. */
int memcg_set_setting(struct memcg *m, enum memcg_setting s, uint64_t val);
int memcg_set_soft_limit(struct memcg *m, long pages);
void memcg_reset_failcnt(struct memcg *m, enum memcg_res res);
void memcg_reset_max_usage(struct memcg *m, enum memcg_res res);

/* The tightest limit on the path from m to the root, in pages. */
long memcg_hierarchical_limit(struct memcg *m, enum memcg_res res);



/* One removed group that still exists, as memcgfs.dying shows it. */
struct memcg_dying {
	uint64_t id;
	char *path;		/* its path (see memcgfs(8)); NULL if unknown */
	long refs;
	long kmem_pages;	/* kernel memory still charged (kmem=pin) */
	long pages;		/* cache + rss + kmem_pages */
	unsigned flags;
};

/* Every removed group that still exists, in removal order: a malloc'ed
 * array in *out and its length, or -ENOMEM.  memcg_dying_release frees. */
long memcg_dying_snapshot(struct memcg_dying **out);
void memcg_dying_release(struct memcg_dying *rows, long n);

#endif
