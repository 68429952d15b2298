/* Kernel memory as slab caches (memcgfs(8) KERNEL MEMORY).
 *
 * A cache (kmalloc-64, dentry, NAME:SIZE ...) gets a per-group copy the
 * first time a group allocates from it.  A slab page holds page_size /
 * objsize objects and is charged, when it is created, to the group's
 * kmem, memory and memsw counters.  Freeing objects leaves empty slab
 * pages until the cache is shrunk (reclaim, `shrink`, the reaper).  When a
 * group is removed its copies are marked dead, shrunk at once, and
 * destroyed by the reaper once their last page is gone. */
#ifndef MEMCG_SLAB_H
#define MEMCG_SLAB_H

#include <stdint.h>


struct memcg;
struct task;

int slab_init(void);
void slab_exit(void);

/* Allocate count objects from task t's group's copy of cache (a known
 * name or NAME:SIZE), named tag.  -EINVAL bad cache, -ENOMEM no charge. */
int slab_kmalloc(struct task *t, const char *cache, long count,
		 const char *tag);

/* Free count objects (all if count < 0) named tag, wherever charged.
 * -EINVAL if no object has that tag. */
int slab_kfree(const char *tag, long count);

/* Free the empty slab pages of every copy of cache (NULL: of all caches)
 * charged within scope's subtree (NULL: anywhere).  Returns pages freed. */
long slab_shrink(const char *cache, struct memcg *scope);

/* The dead-cache reaper: shrink dead copies, destroy the empty ones.
 * Returns how many copies were destroyed. */
long slab_reap(void);

/* Group m is being removed: its copies die, are shrunk at once, and are
 * handed to the reaper (each once). */
void slab_group_offline(struct memcg *m);

/* One live cache copy, as memory.kmem.slabinfo shows it. */
struct slab_copy_info {
	const char *name;		/* NAME(ID:GROUP) */
	long active_objs, num_objs;
	unsigned objsize, per_slab;
	long active_slabs, num_slabs;	/* a slab is one page */
};

/* Call fn for each of m's live copies, under the slab lock: fn must not
 * call the slab layer. */
void slab_for_each_copy(struct memcg *m,
			void (*fn)(const struct slab_copy_info *c, void *arg),
			void *arg);

/* Dead copies of group id not reaped yet (memcgfs.dying). */
long slab_dead_copies_of(uint64_t group_id);

#endif
